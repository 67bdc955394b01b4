"""A plan replaced after its evidence came in is never silent: superseding a decided study is
refused unless ``--after-decision`` says so, and then the new version records the decisions
it follows and every reading of the study (status, roadmap, later decisions) flags
``superseded_after_decision``; a version registered after runs were attached is flagged
``superseded_after_runs``; one registered before any evidence is not a deviation."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from adult_runs import adult_subset, log_adult_run, write_study

import assay
from assay.cli import main
from assay.errors import ConfigError, ImmutableError
from assay.storage import Store
from assay.workflows import attach_to_study, decide, list_studies, register_study, study_status


def _kinds(name: str, store: Store) -> list[str]:
    return [d.kind for d in study_status(name, store=store).deviations]


def test_a_decided_study_is_superseded_only_on_record(study_store: Store, tmp_path: Path):
    assay.register_suite(adult_subset(), store=study_store)
    path = write_study(tmp_path)
    register_study(path, store=study_store)
    with pytest.raises(ConfigError, match="has no decision attached"):
        register_study(path, supersede="x", after_decision=True, store=study_store)
    baseline = log_adult_run(study_store, "income-logreg@1")
    candidate = log_adult_run(study_store, "income-logreg-noisy@2", flip=0.1, seed=1)
    rec = decide(
        baseline, candidate, study="adult-retrain", output=tmp_path / "out", store=study_store
    )
    did = rec.decision.decision_id
    entries = len(study_store.decisions.entries())
    with pytest.raises(ImmutableError, match=r"already decided .* Nothing was recorded"):
        register_study(path, supersede="a smaller effect", store=study_store)
    assert len(study_store.decisions.entries()) == entries
    registration, _ = register_study(
        path, supersede="a smaller effect", after_decision=True, store=study_store
    )
    assert registration.version == 2 and registration.after_decisions == [did]
    kinds = _kinds("adult-retrain", study_store)
    assert kinds[0] == "superseded_after_decision"
    (flag,) = [d for d in study_status("adult-retrain", store=study_store).deviations][:1]
    assert f"after the study was decided (decision {did[:12]})" in flag.message
    (listed,) = list_studies(store=study_store)
    assert len(listed.deviations) == len(kinds)
    # a later decision on the study carries the flag in its verdict
    again = decide(
        baseline, candidate, study="adult-retrain", output=tmp_path / "o2", store=study_store
    )
    rules = [r.rule for r in again.verdict.rules if r.kind == "deviation"]
    assert "study_deviation_superseded_after_decision" in rules
    assert assay.verify_ledger(store=study_store).ok


def test_a_version_after_runs_is_flagged_one_before_is_not(study_store: Store, tmp_path: Path):
    assay.register_suite(adult_subset(), store=study_store)
    path = write_study(tmp_path)
    register_study(path, store=study_store)
    register_study(path, supersede="a typo in the hypothesis", store=study_store)
    assert "superseded_after_runs" not in _kinds("adult-retrain", study_store)
    attach_to_study("adult-retrain", run=log_adult_run(study_store, "m@1"), store=study_store)
    register_study(path, supersede="fewer looks", store=study_store)
    kinds = _kinds("adult-retrain", study_store)
    assert kinds.count("superseded_after_runs") == 1
    (flag,) = [
        d
        for d in study_status("adult-retrain", store=study_store).deviations
        if d.kind == "superseded_after_runs"
    ]
    assert flag.actual == "version 3, registered after 1 attached run"


def test_the_cli_refuses_then_records_the_override(home: Path, capsys: pytest.CaptureFixture[str]):
    store = assay.open_store()
    assay.register_suite(adult_subset(), store=store)
    path = write_study(home.parent)
    assert main(["study", "register", str(path)]) == 0
    baseline = log_adult_run(store, "income-logreg@1")
    candidate = log_adult_run(store, "income-logreg-noisy@2", flip=0.1, seed=1)
    decide(baseline, candidate, study="adult-retrain", output=home.parent / "out", store=store)
    capsys.readouterr()
    assert main(["study", "register", str(path), "--supersede", "new plan"]) == 5
    err = " ".join(capsys.readouterr().err.split())
    assert "is already decided" in err and "--after-decision" in err
    args = ["study", "register", str(path), "--supersede", "new plan", "--after-decision"]
    assert main([*args, "--json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert len(shown["registration"]["after_decisions"]) == 1
    assert main(["study", "status", "adult-retrain", "--json"]) == 0
    status = json.loads(capsys.readouterr().out)
    assert status["deviations"][0]["kind"] == "superseded_after_decision"
