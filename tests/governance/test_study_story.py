"""A pre-registered study on real Adult runs, end to end, on SQLite and PostgreSQL: registered
and frozen, runs attached, a deviation flagged in a decision's verdict and memo, a futility stop,
a tampered registration refused, and bad requests refused with nothing recorded."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
import sqlalchemy as sa
from adult_runs import adult_subset, log_adult_run, write_study

import assay
from assay.core import canonical_json
from assay.errors import ImmutableError, StorageError, SuiteMismatchError, UnderpoweredWarning
from assay.storage import Store
from assay.workflows import (
    attach_to_study,
    decide,
    kill_study,
    list_studies,
    load_study,
    register_study,
    study_status,
)


def _ledger_size(store: Store) -> int:
    return len(store.decisions.ledger())


def _registered(store: Store, tmp_path: Path, **study: object) -> str:
    assay.register_suite(adult_subset(), store=store)
    path = write_study(tmp_path, **study)  # type: ignore[arg-type]
    registration, entry = register_study(path, store=store)
    assert entry.kind == "study" and entry.decision_id == "study:adult-retrain"
    assert entry.payload["digest"] == registration.digest()
    return registration.plan.name


def _independent_eb_upper(diffs: np.ndarray, confidence: float = 0.95) -> float:
    """Waudby-Smith & Ramdas's predictable plug-in empirical-Bernstein upper bound of the mean
    of ``diffs`` (in [-1, 1]), written from the paper as a plain loop, with its running
    intersection."""
    log_term = math.log(2 / (1 - confidence))
    mu, var, sum_z, sum_sq = 0.5, 0.25, 0.0, 0.0
    s_lam = s_lam_z = s_vpsi = 0.0
    high = 1.0
    for t, d in enumerate(diffs, start=1):
        z = (d + 1) / 2
        lam = min(math.sqrt(2 * log_term / (var * t * math.log(1 + t))), 0.5)
        v = 4 * (z - mu) ** 2
        s_lam += lam
        s_lam_z += lam * z
        s_vpsi += v * (-math.log(1 - lam) - lam) / 4
        high = min(high, min(1.0, max(0.0, s_lam_z / s_lam + (log_term + s_vpsi) / s_lam)))
        sum_z += z
        mu = (0.5 + sum_z) / (t + 1)
        sum_sq += (z - mu) ** 2
        var = (0.25 + sum_sq) / (t + 1)
    return -1 + 2 * high


def test_a_study_is_frozen_before_runs_and_a_second_registration_is_refused(
    study_store: Store, tmp_path: Path
):
    name = _registered(study_store, tmp_path)
    assert study_status(name, store=study_store).state == "planned"
    before = _ledger_size(study_store)
    with pytest.raises(ImmutableError, match="already registered"):
        register_study(write_study(tmp_path), store=study_store)
    assert _ledger_size(study_store) == before
    # a new version needs its reason, recorded in the new version's own entry
    first = load_study(name, store=study_store)
    registration, entry = register_study(
        write_study(tmp_path, max_looks=4), supersede="one more look planned", store=study_store
    )
    assert registration.version == 2 and _ledger_size(study_store) == before + 1
    assert entry.payload["registration"]["previous_digest"] == first.registration.digest()
    assert entry.payload["registration"]["supersede_reason"] == "one more look planned"
    loaded = load_study(name, store=study_store)
    assert loaded.registration.plan.stopping_rule.max_looks == 4
    assert loaded.entry.sequence == entry.sequence and loaded.events == []


def test_futility_stop_on_a_clearly_worse_candidate(study_store: Store, tmp_path: Path):
    name = _registered(study_store, tmp_path)
    baseline = log_adult_run(study_store, "income-logreg@1")
    candidate = log_adult_run(study_store, "income-logreg-noisy@2", flip=0.12, seed=3)
    first = attach_to_study(name, run=baseline, store=study_store)
    assert first.payload == {"event": "attach", "run": baseline}
    assert attach_to_study(name, run=candidate, store=study_store).payload == {
        "event": "attach",
        "run": candidate,
    }
    status = study_status(name, store=study_store)
    assert status.state == "running" and status.outcome == "stop"
    fut = status.futility
    assert fut is not None and fut["outcome"] == "stop"
    assert "even the upper bound" in fut["message"] and "empirical bernstein" in fut["method"]
    # the bound, recomputed independently from the stored records in evaluation order; the
    # study's 5% is spent over its 3 registered looks (Bonferroni): each look at 1 - 0.05/3
    assert (fut["looks"], fut["unit"]) == (3, "example")
    assert fut["look_confidence"] == pytest.approx(1 - 0.05 / 3)
    assert "Bonferroni over 3 looks" in fut["method"]
    base = study_store.runs.records(baseline).column("accuracy").to_numpy()
    cand = study_store.runs.records(candidate).column("accuracy").to_numpy()
    upper = _independent_eb_upper(cand - base, confidence=1 - 0.05 / 3)
    assert fut["high"] == pytest.approx(upper, abs=1e-12)
    assert upper < 0.01 and fut["n"] == adult_subset().suite.n_examples
    # the anytime-valid bound is wider than the fixed-n interval of the comparison
    evidence = status.evidence
    assert evidence is not None and fut["high"] >= evidence["high"]
    assert evidence["n"] == fut["n"] and "mcnemar" in evidence["method"]
    kill_study(name, reason="futility: the upper bound is below 1 point", store=study_store)
    (killed,) = list_studies(state="killed", store=study_store)
    assert killed.outcome.startswith("killed: futility")
    before = _ledger_size(study_store)
    with pytest.raises(ImmutableError, match="was killed"):
        decide(baseline, candidate, study=name, output=tmp_path / "o", store=study_store)
    with pytest.raises(ImmutableError, match="was killed"):
        attach_to_study(name, run=candidate, store=study_store)
    assert _ledger_size(study_store) == before
    # decided without naming it, the runs' killed study is left alone
    rec = decide(baseline, candidate, output=tmp_path / "o", store=study_store)
    assert "Study" not in rec.verdict.summary
    assert load_study(name, store=study_store).attached("decision") == []


def test_a_decision_on_the_study_flags_its_deviations(study_store: Store, tmp_path: Path):
    policy = tmp_path / "superiority.yaml"
    policy.write_text(
        "name: superiority\nconfidence: 0.95\nrules:\n  quality:\n"
        "    - {name: better, metric: accuracy, kind: superiority}\n",
        encoding="utf-8",
    )
    with pytest.warns(UnderpoweredWarning, match="underpowered"):
        name = _registered(study_store, tmp_path, stated=5000, stopping="fixed")
    baseline = log_adult_run(study_store, "income-logreg@1")
    candidate = log_adult_run(study_store, "income-logreg-noisy@2", flip=0.02, seed=4)
    attach_to_study(name, run=baseline, store=study_store)
    # decided under another policy than registered, on fewer examples than stated
    rec = decide(baseline, candidate, policy=policy, output=tmp_path / "out", store=study_store)
    kinds = {r.rule for r in rec.verdict.rules if r.kind == "deviation"}
    assert kinds == {
        "study_deviation_policy",
        "study_deviation_sample_size",
        "study_deviation_weak_policy",  # superiority ships any gain above 0, not +1 point
    }
    said = "3 deviations from the registered plan (policy, sample size, weak policy)"
    assert said in rec.verdict.summary
    assert rec.decision.summary == rec.verdict.summary
    memo = (tmp_path / "out" / "memo.md").read_text(encoding="utf-8")
    assert "deviation from study 'adult-retrain': the decision used policy 'superiority'" in memo
    assert "1,200 paired examples read, 24% of the planned 5,000" in memo
    assert (
        "policy 'superiority' ships on superiority (any improvement above 0); the study "
        "registered +1.0 point as the effect that matters" in " ".join(memo.split())
    )
    status = study_status(name, store=study_store)
    assert status.state == "decided" and status.decisions == [rec.decision.decision_id]
    assert status.runs == [baseline, candidate] and status.outcome == rec.verdict.verdict.value
    assert {d.kind for d in status.deviations} == {"policy", "sample_size", "weak_policy"}
    events = [e.payload for e in load_study(name, store=study_store).events]
    assert {"event": "attach", "decision": rec.decision.decision_id} in events


def test_a_run_of_another_suite_is_refused_and_nothing_is_recorded(
    study_store: Store, tmp_path: Path
):
    name = _registered(study_store, tmp_path)
    other = adult_subset(600, version="other-rows")
    assay.register_suite(other, store=study_store)
    stray = log_adult_run(study_store, "income-logreg@1", suite=other)
    before = _ledger_size(study_store)
    with pytest.raises(SuiteMismatchError, match="Nothing was attached"):
        attach_to_study(name, run=stray, store=study_store)
    stray_candidate = log_adult_run(study_store, "income-logreg-noisy@2", flip=0.1, suite=other)
    with pytest.raises(SuiteMismatchError, match="Nothing was recorded"):
        decide(stray, stray_candidate, store=study_store, study=name, output=tmp_path / "o")
    assert _ledger_size(study_store) == before
    assert study_store.decisions.list() == []


def test_a_tampered_registration_is_detected(study_store: Store, tmp_path: Path):
    name = _registered(study_store, tmp_path)
    entry = study_store.decisions.entries(kind="study")[0]
    payload = json.loads(canonical_json(entry.payload))
    payload["registration"]["plan"]["minimum_effect"] = 0.001  # an effect easier to "find"
    with study_store.engine.begin() as conn:
        conn.execute(
            sa.text("UPDATE ledger SET payload = :p WHERE sequence = :s"),
            {"p": canonical_json(payload), "s": entry.sequence},
        )
    with pytest.raises(StorageError, match="no longer verifies"):
        study_status(name, store=study_store)
    run = log_adult_run(study_store, "income-logreg@1")
    with pytest.raises(StorageError, match="no longer verifies"):
        attach_to_study(name, run=run, store=study_store)
    (listed,) = list_studies(store=study_store)
    assert any("no longer matches its digest" in p for p in listed.problems)


def test_futility_on_a_clustered_suite_takes_cluster_means(study_store: Store, tmp_path: Path):
    suite = adult_subset(cluster_size=4)
    assay.register_suite(suite, store=study_store)
    register_study(write_study(tmp_path), store=study_store)
    baseline = log_adult_run(study_store, "income-logreg@1", suite=suite)
    candidate = log_adult_run(study_store, "income-logreg-noisy@2", flip=0.12, seed=3, suite=suite)
    for run in (baseline, candidate):
        attach_to_study("adult-retrain", run=run, store=study_store)
    fut = study_status("adult-retrain", store=study_store).futility
    assert fut is not None and (fut["unit"], fut["units"], fut["n"]) == ("cluster", 300, 1200)
    # independently: each block's mean difference, blocks in evaluation order
    frame = study_store.runs.records(baseline).to_pandas()[["cluster", "accuracy"]]
    frame["candidate"] = study_store.runs.records(candidate).column("accuracy").to_numpy()
    means = frame.groupby("cluster", sort=False)[["accuracy", "candidate"]].mean()
    diffs = (means["candidate"] - means["accuracy"]).to_numpy()
    assert fut["estimate"] == pytest.approx(diffs.mean(), abs=1e-12)
    assert fut["high"] == pytest.approx(
        _independent_eb_upper(diffs, confidence=1 - 0.05 / 3), abs=1e-12
    )
