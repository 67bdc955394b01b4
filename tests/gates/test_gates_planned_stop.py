"""A candidate stopped early by plan: the stop is replayed from the records, gates judge on it."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pytest

import assay
from assay.cli import main
from assay.core import PlannedStop
from assay.errors import ConfigError, CoverageWarning, ParameterError
from assay.runners import EarlyStop, evaluate_suite_early_stop
from assay.testing import synthetic_suite

# the default policy reports these suites' 20-odd-example slices without letting them block
pytestmark = pytest.mark.filterwarnings("ignore::assay.errors.SmallSliceWarning")

N = 2000


def _model(p: float, seed: int) -> Callable[[str], str]:
    right = np.random.default_rng(seed).random(N) < p

    def answer(question: str) -> str:
        i = int(question.rsplit(" ", 1)[-1])
        return f"answer {i}" if right[i] else "wrong"

    return answer


@pytest.fixture
def data(store: assay.Store) -> assay.SuiteData:
    return assay.register_suite(synthetic_suite(N, seed=3), store=store)


@pytest.fixture
def baseline(store: assay.Store, data: assay.SuiteData) -> str:
    return assay.evaluate(_model(0.7, 0), suite=data, model="base@1", store=store).run.run_id


def _stopped(
    store: assay.Store,
    data: assay.SuiteData,
    baseline: str,
    p: float,
    policy: Path | None = None,
    name: str = "cand@1",
    **change: Any,
) -> assay.LoggedRun:
    plan = assay.early_stop_plan(baseline, suite=data, store=store, seed=2, policy=policy)
    plan = dataclasses.replace(plan, **change)
    return assay.evaluate(_model(p, 1), suite=data, model=name, store=store, early_stop=plan)


def _rules(verdict: Any) -> dict[str, Any]:
    return {o.rule: o for o in verdict.rules}


def _relog(
    store: assay.Store, data: assay.SuiteData, run: assay.LoggedRun, records: pa.Table, **stop: Any
) -> str:
    """The run's records (some left out, say) stored again with its stop, parts changed."""
    provenance = {"early_stop": {**run.run.manifest.provenance["early_stop"], **stop}}
    logged = assay.log_run(
        records.drop_columns(["latency_ms"]),
        suite=data,
        model=f"relogged@{len(store.runs.list())}",  # a new run each time, not a duplicate
        store=store,
        provenance=provenance,
    )
    return logged.run.run_id


def test_a_clearly_better_stopped_candidate_ships_on_the_sequence(
    store: assay.Store, data: assay.SuiteData, baseline: str
) -> None:
    cand = _stopped(store, data, baseline, 0.95)
    stop = cand.run.manifest.provenance["early_stop"]
    assert stop["decision"] == "not_worse" and stop["n_used"] < N
    comparison = assay.compare_runs(baseline, cand.run.run_id, store=store)
    planned = comparison.early_stop
    assert isinstance(planned, PlannedStop) and planned.metric == "accuracy"
    # the replay from the records reproduces the run's own stop exactly
    assert (planned.n_used, planned.decision) == (stop["n_used"], stop["decision"])
    assert planned.difference.low == pytest.approx(stop["low"], abs=1e-12)
    assert planned.difference.high == pytest.approx(stop["high"], abs=1e-12)
    assert planned.unevaluated == N - stop["n_used"] == comparison.coverage.baseline_only
    assert any("Replayed from both runs' records" in m for m in comparison.methods)
    # the sequence's interval is wider than the fixed-sample one at the same n
    fixed = comparison.result("accuracy").difference
    assert planned.difference.high - planned.difference.low > fixed.high - fixed.low
    verdict = assay.gate(comparison)
    rules = _rules(verdict)
    assert verdict.verdict == "SHIP" and rules["coverage"].outcome == "pass"
    assert f"its planned early stop left {planned.unevaluated:,} unevaluated" in (
        rules["coverage"].reason
    )
    reason = rules["non_inferiority"].reason
    assert "anytime-valid interval of the planned early stop" in reason
    assert f"[{100 * stop['low']:+.1f}, {100 * stop['high']:+.1f}]" in reason


def test_dropped_records_make_the_stop_unusable(
    store: assay.Store, data: assay.SuiteData, baseline: str
) -> None:
    cand = _stopped(store, data, baseline, 0.95)
    records = store.runs.records(cand.run.run_id).slice(10)  # ten evaluated rows dropped
    comparison = assay.compare_runs(baseline, _relog(store, data, cand, records), store=store)
    assert comparison.early_stop is None
    assert "it lacks 10 of them and has 0 others" in comparison.early_stop_note
    assert comparison.early_stop_note in comparison.methods
    verdict = assay.gate(comparison)
    coverage = _rules(verdict)["coverage"]
    assert verdict.verdict == "BLOCK" and coverage.outcome == "fail"
    assert coverage.reason.startswith(f"the candidate lacks {N - records.num_rows:,} of the")


def test_a_partial_baseline_excuses_exactly_the_unevaluated_examples(
    store: assay.Store, data: assay.SuiteData
) -> None:
    full = assay.evaluate(_model(0.7, 0), suite=data, model="base@1", store=store).run.run_id
    part = store.runs.records(full).slice(300)  # a baseline without its first 300 examples
    with pytest.warns(CoverageWarning, match="cover 1700 of the suite's 2000"):
        base = assay.log_run(
            part.drop_columns(["latency_ms"]), suite=data, model="part@1", store=store
        ).run.run_id
    cand = _stopped(store, data, base, 0.95)
    evaluated = set(store.runs.records(cand.run.run_id).column("example_id").to_pylist())
    comparison = assay.compare_runs(base, cand.run.run_id, store=store)
    assert comparison.early_stop is not None
    base_ids = set(part.column("example_id").to_pylist())
    assert comparison.early_stop.unevaluated == len(base_ids - evaluated)
    assert _rules(assay.gate(comparison))["coverage"].outcome == "pass"
    # forty evaluated records dropped: the replay no longer matches, coverage counts them
    kept = store.runs.records(cand.run.run_id).slice(40)
    dropped = assay.compare_runs(base, _relog(store, data, cand, kept), store=store)
    assert dropped.early_stop is None
    assert _rules(assay.gate(dropped))["coverage"].outcome == "fail"


def test_the_interval_comes_from_the_records_not_the_provenance(
    store: assay.Store, data: assay.SuiteData, baseline: str
) -> None:
    cand = _stopped(store, data, baseline, 0.95)
    records = store.runs.records(cand.run.run_id)
    forged = _relog(store, data, cand, records, low=0.5, high=0.6, estimate=0.55)
    planned = assay.compare_runs(baseline, forged, store=store).early_stop
    real = cand.run.manifest.provenance["early_stop"]
    assert planned is not None and planned.difference.low == pytest.approx(real["low"])
    lied = _relog(store, data, cand, records, n_used=real["n_used"] + 50)
    comparison = assay.compare_runs(baseline, lied, store=store)
    assert comparison.early_stop is None
    assert "it lacks 50 of them and has 0 others" in comparison.early_stop_note
    # the same examples with their scores changed: the replay no longer stops where the run did
    zeroed = records.set_column(
        records.column_names.index("accuracy"), "accuracy", pa.array([0.0] * records.num_rows)
    )
    changed = assay.compare_runs(baseline, _relog(store, data, cand, zeroed), store=store)
    assert changed.early_stop is None
    assert "scores changed after the stop" in changed.early_stop_note


def test_a_stop_planned_against_another_run_is_not_used(
    store: assay.Store, data: assay.SuiteData, baseline: str
) -> None:
    other = assay.evaluate(_model(0.7, 5), suite=data, model="base@2", store=store).run.run_id
    cand = _stopped(store, data, other, 0.95)
    comparison = assay.compare_runs(baseline, cand.run.run_id, store=store)
    assert comparison.early_stop is None
    line = f"paired with baseline run {other[:12]}, not with this one; compare with that run"
    assert any(line in m for m in comparison.methods)
    rules = _rules(assay.gate(comparison))
    assert rules["coverage"].outcome == "fail"  # the unevaluated examples count as missing
    assert rules["coverage"].reason.endswith("planned early stop is not used (see the methods)")
    assert "anytime-valid" not in rules["non_inferiority"].reason
    assert assay.compare_runs(other, cand.run.run_id, store=store).early_stop is not None


def test_a_stop_at_another_confidence_is_not_used(
    store: assay.Store, data: assay.SuiteData, baseline: str
) -> None:
    cand = _stopped(store, data, baseline, 0.95, confidence=0.9)
    comparison = assay.compare_runs(baseline, cand.run.run_id, store=store)
    assert comparison.early_stop is None
    assert any("confidence 0.9 and the comparison 0.95" in m for m in comparison.methods)
    assert _rules(assay.gate(comparison))["coverage"].outcome == "fail"


def test_an_undecided_stop_is_inconclusive_and_asks_for_new_examples(
    store: assay.Store, data: assay.SuiteData, baseline: str
) -> None:
    # a candidate about one margin worse: the sequence runs through the suite undecided
    cand = _stopped(store, data, baseline, 0.69)
    comparison = assay.compare_runs(baseline, cand.run.run_id, store=store)
    assert comparison.early_stop is not None and comparison.early_stop.decision == "undecided"
    assert comparison.early_stop.n_used == N and comparison.coverage.baseline_only == 0
    ni = _rules(assay.gate(comparison))["non_inferiority"]
    assert ni.outcome == "inconclusive" and "anytime-valid" in ni.reason
    assert "used every example of the suite without deciding" in (ni.to_settle or "")


def _table(n: int) -> pa.Table:
    return pa.table(
        {
            "example_id": [f"ex-{i:06d}" for i in range(n)],
            "input": [f"question {i}" for i in range(n)],
            "reference": [f"answer {i}" for i in range(n)],
        }
    )


def _policy(tmp_path: Path, rule: str) -> Path:
    path = tmp_path / "policy.yaml"
    path.write_text(f"name: p\nrules:\n  quality:\n    - {rule}\n")
    return path


def test_superiority_and_relative_margins_are_judged_on_the_sequence(
    store: assay.Store, data: assay.SuiteData, baseline: str, tmp_path: Path
) -> None:
    superiority = _policy(tmp_path, "{name: better, metric: accuracy, kind: superiority}")
    cand = _stopped(store, data, baseline, 0.95, policy=superiority)
    assert cand.run.manifest.provenance["early_stop"]["margin"] == 0.0
    verdict = assay.gate(assay.compare_runs(baseline, cand.run.run_id, store=store), superiority)
    assert verdict.verdict == "SHIP"
    assert "entirely above zero (anytime-valid" in _rules(verdict)["better"].reason
    relative = _policy(
        tmp_path, "{name: ni, metric: accuracy, kind: non_inferiority, relative_margin: 0.05}"
    )
    cand = _stopped(store, data, baseline, 0.95, policy=relative, name="cand@2")
    stop = cand.run.manifest.provenance["early_stop"]
    comparison = assay.compare_runs(baseline, cand.run.run_id, store=store)
    assert comparison.early_stop is not None
    base_mean = comparison.early_stop.baseline_mean
    assert stop["margin"] == pytest.approx(0.05 * base_mean)  # the plan's margin ...
    reason = _rules(assay.gate(comparison, relative))["ni"].reason
    assert f"−{100 * 0.05 * base_mean:.1f}-point margin" in reason  # ... is the gate's
    assert "of the baseline run's" in reason and "over all its examples" in reason


def test_a_lower_is_better_metric_stops_worse_and_blocks(
    store: assay.Store, tmp_path: Path
) -> None:
    data = assay.register_suite(
        assay.make_suite(
            "lower",
            _table(N),
            metrics=[{"name": "miss", "goal": "lower", "scorer": "exact_match"}],
        ),
        store=store,
    )
    # "miss" is lower-is-better, so the candidate that matches more often is the worse one
    base = assay.evaluate(_model(0.3, 0), suite=data, model="b@1", store=store).run.run_id
    plan = assay.early_stop_plan(base, suite=data, store=store, seed=2)
    cand = assay.evaluate(_model(0.9, 1), suite=data, model="c@1", store=store, early_stop=plan)
    stop = cand.run.manifest.provenance["early_stop"]
    assert stop["decision"] == "worse" and stop["goal"] == "lower" and stop["low"] > 0.01
    verdict = assay.gate(assay.compare_runs(base, cand.run.run_id, store=store))
    ni = _rules(verdict)["non_inferiority"]
    assert verdict.verdict == "BLOCK" and ni.outcome == "fail"
    assert "entirely above" in ni.reason and "anytime-valid" in ni.reason


def test_non_mean_metrics_and_clustered_suites_are_refused(store: assay.Store) -> None:
    f1 = assay.register_suite(
        assay.make_suite(
            "f1",
            _table(200),
            metrics=[{"name": "label_f1", "aggregate": "macro_f1", "scorer": "exact_match"}],
        ),
        store=store,
    )
    base = assay.evaluate(_model(0.7, 0), suite=f1, model="b@1", store=store).run.run_id
    with pytest.raises(ConfigError, match="aggregates as 'macro_f1', not as a mean"):
        assay.early_stop_plan(base, suite=f1, store=store)
    clustered = assay.register_suite(synthetic_suite(200, cluster_size=4, seed=3), store=store)
    base = assay.evaluate(_model(0.7, 0), suite=clustered, model="b@2", store=store).run.run_id
    with pytest.raises(ConfigError, match="has clustered examples"):
        assay.early_stop_plan(base, suite=clustered, store=store)
    with pytest.raises(ParameterError, match="a suite without clusters"):
        evaluate_suite_early_stop(clustered, _model(0.7, 0), EarlyStop("accuracy", 0.5))


def test_comparisons_without_a_stop_are_unchanged(
    store: assay.Store, data: assay.SuiteData, baseline: str
) -> None:
    cand = assay.evaluate(_model(0.72, 1), suite=data, model="full@1", store=store).run.run_id
    comparison = assay.compare_runs(baseline, cand, store=store)
    assert comparison.early_stop is None
    assert not any("early" in m for m in comparison.methods)


def test_cli_gate_compares_at_the_policys_confidence_and_uses_the_stop(
    store: assay.Store,
    data: assay.SuiteData,
    baseline: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    policy = tmp_path / "at90.yaml"
    policy.write_text(
        "name: at90\nconfidence: 0.9\nrules:\n  quality:\n"
        "    - {name: ni, metric: accuracy, kind: non_inferiority, margin: 0.02}\n"
    )
    cand = _stopped(store, data, baseline, 0.95, policy=policy)
    assert cand.run.manifest.provenance["early_stop"]["confidence"] == 0.9
    argv = ["gate", baseline, cand.run.run_id, "--policy", str(policy), "--json"]
    assert main(argv) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["verdict"]["verdict"] == "SHIP" and out["comparison"]["confidence"] == 0.9
    assert out["comparison"]["early_stop"]["n_used"] < N
    assert main(argv[:-1]) == 0
    assert "Replayed from both runs' records" in capsys.readouterr().out
    assert main(["report", baseline, cand.run.run_id, "--policy", str(policy), "-o", "r"]) == 0
    assert "anytime-valid" in (tmp_path / "r" / "report.md").read_text()


def test_the_replay_does_not_depend_on_the_examples_row_order(
    store: assay.Store, data: assay.SuiteData, baseline: str
) -> None:
    # the same suite (same digest) with its rows reversed: the stored copy keeps the old order
    flipped = assay.SuiteData(
        suite=data.suite, examples=data.examples.take(list(range(N - 1, -1, -1)))
    )
    assert flipped.digest == data.digest
    plan = assay.early_stop_plan(baseline, suite=data, store=store, seed=2)
    run = assay.evaluate(_model(0.95, 1), suite=flipped, model="c@9", store=store, early_stop=plan)
    comparison = assay.compare_runs(baseline, run.run.run_id, store=store)
    assert comparison.early_stop is not None
    assert comparison.early_stop.n_used == run.run.manifest.provenance["early_stop"]["n_used"]


def test_across_suite_versions_only_the_candidates_suite_is_excused(
    store: assay.Store, data: assay.SuiteData, baseline: str
) -> None:
    # the candidate ran on a smaller version of the suite (its first 1,000 examples)
    half = assay.register_suite(
        assay.make_suite(
            "synthetic", _table(N // 2), metrics=[{"name": "accuracy", "scorer": "exact_match"}]
        ),
        store=store,
    )
    scores = assay.early_stop_plan(baseline, suite=data, store=store).baseline
    plan = EarlyStop("accuracy", scores, margin=0.01, seed=2, baseline_run=baseline)
    cand = assay.evaluate(_model(0.95, 1), suite=half, model="half@1", store=store, early_stop=plan)
    n_used = cand.run.manifest.provenance["early_stop"]["n_used"]
    comparison = assay.compare_runs(baseline, cand.run.run_id, store=store, shared_only=True)
    assert comparison.early_stop is not None
    assert comparison.early_stop.unevaluated == N // 2 - n_used  # not the other version's 1,000
    coverage = _rules(assay.gate(comparison))["coverage"]
    assert coverage.outcome == "fail"
    assert coverage.reason.startswith(f"the candidate lacks {N // 2:,} of the baseline's {N:,}")
