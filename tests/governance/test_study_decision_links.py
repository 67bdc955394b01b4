"""Which study a decision lands in when its runs are attached to several, and a study's
deviations as the union over every decision attached to it (real Adult runs, SQLite and
PostgreSQL)."""

from __future__ import annotations

from pathlib import Path

import pytest
from adult_runs import adult_subset, log_adult_run, write_study

import assay
from assay.errors import ConfigError
from assay.storage import Store
from assay.workflows import attach_to_study, decide, register_study, study_status

SUPERIORITY = (
    "name: superiority\nconfidence: 0.95\nrules:\n  quality:\n"
    "    - {name: better, metric: accuracy, kind: superiority}\n"
)


def _study(store: Store, tmp_path: Path, name: str) -> str:
    registration, _ = register_study(write_study(tmp_path, name), store=store)
    return registration.plan.name


def test_runs_in_several_studies_need_the_study_named(study_store: Store, tmp_path: Path):
    assay.register_suite(adult_subset(), store=study_store)
    names = [_study(study_store, tmp_path, n) for n in ("adult-retrain", "adult-other")]
    baseline = log_adult_run(study_store, "income-logreg@1")
    candidate = log_adult_run(study_store, "income-logreg-noisy@2", flip=0.02, seed=4)
    for name in names:
        for run in (baseline, candidate):
            attach_to_study(name, run=run, store=study_store)
    before = len(study_store.decisions.ledger())
    with pytest.raises(ConfigError, match=r"2 studies \(adult-other, adult-retrain\)") as err:
        decide(baseline, candidate, output=tmp_path / "o", store=study_store)
    assert "--study NAME" in str(err.value) and "Nothing was recorded" in str(err.value)
    assert len(study_store.decisions.ledger()) == before
    assert study_store.decisions.list() == []
    rec = decide(baseline, candidate, study="adult-other", output=tmp_path / "o", store=study_store)
    assert study_status("adult-other", store=study_store).decisions == [rec.decision.decision_id]
    assert study_status("adult-retrain", store=study_store).decisions == []


def test_an_earlier_decisions_deviation_stays_listed(study_store: Store, tmp_path: Path):
    assay.register_suite(adult_subset(), store=study_store)
    name = _study(study_store, tmp_path, "adult-retrain")
    policy = tmp_path / "superiority.yaml"
    policy.write_text(SUPERIORITY, encoding="utf-8")
    baseline = log_adult_run(study_store, "income-logreg@1")
    candidate = log_adult_run(study_store, "income-logreg-noisy@2", flip=0.02, seed=4)
    attach_to_study(name, run=baseline, store=study_store)
    first = decide(baseline, candidate, policy=policy, output=tmp_path / "a", store=study_store)
    assert any(r.rule == "study_deviation_policy" for r in first.verdict.rules)
    second = decide(baseline, candidate, output=tmp_path / "b", store=study_store)
    assert not any(r.rule == "study_deviation_policy" for r in second.verdict.rules)
    status = study_status(name, store=study_store)
    assert status.decisions == [first.decision.decision_id, second.decision.decision_id]
    (policy_deviation,) = [d for d in status.deviations if d.kind == "policy"]
    assert policy_deviation.decision == first.decision.decision_id
    assert "used policy 'superiority'" in policy_deviation.message
    (row,) = assay.workflows.list_studies(store=study_store)
    assert len(row.to_dict()["deviations"]) == len(status.deviations) >= 1
