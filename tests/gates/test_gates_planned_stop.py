"""A candidate stopped early by plan: the comparison carries the stop, gates judge on it."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import numpy as np
import pytest

import assay
from assay.testing import synthetic_suite

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
    run = assay.evaluate(_model(0.7, 0), suite=data, name="base@1", store=store).run
    return run.run_id


def _stopped(
    store: assay.Store, data: assay.SuiteData, baseline: str, p: float, **plan: object
) -> assay.LoggedRun:
    stop = assay.early_stop_plan(baseline, suite=data, store=store, seed=2)
    stop = dataclasses.replace(stop, **plan)  # type: ignore[arg-type]
    return assay.evaluate(_model(p, 1), suite=data, name=f"cand@{p}", store=store, early_stop=stop)


def test_a_clearly_better_stopped_candidate_ships_on_the_sequence(
    store: assay.Store, data: assay.SuiteData, baseline: str
) -> None:
    cand = _stopped(store, data, baseline, 0.95)
    stop = cand.run.manifest.provenance["early_stop"]
    assert stop["decision"] == "not_worse" and stop["n_used"] < N
    comparison = assay.compare_runs(baseline, cand.run.run_id, store=store)
    planned = comparison.early_stop
    assert planned is not None and planned.metric == "accuracy"
    assert (planned.difference.low, planned.difference.high) == (stop["low"], stop["high"])
    assert planned.n_total - planned.n_used == comparison.coverage.baseline_only
    assert any("stopped early by plan on accuracy" in m for m in comparison.methods)
    # the sequence's interval is wider than the fixed-sample one at the same n
    fixed = comparison.result("accuracy").difference
    assert planned.difference.high - planned.difference.low > fixed.high - fixed.low
    verdict = assay.gate(comparison)
    rules = {o.rule: o for o in verdict.rules}
    assert verdict.verdict == "SHIP"
    assert rules["coverage"].outcome == "pass"
    assert f"its planned early stop left {N - stop['n_used']:,} unevaluated" in (
        rules["coverage"].reason
    )
    reason = rules["non_inferiority"].reason
    assert "anytime-valid interval of the planned early stop" in reason
    assert f"[{100 * stop['low']:+.1f}, {100 * stop['high']:+.1f}]" in reason


def test_dropped_records_still_fail_coverage(
    store: assay.Store, data: assay.SuiteData, baseline: str
) -> None:
    cand = _stopped(store, data, baseline, 0.95)
    records = store.runs.records(cand.run.run_id).slice(10)  # ten evaluated rows dropped
    dropped = assay.log_run(
        records.drop_columns(["latency_ms"]),
        suite=data,
        model="dropper@1",
        store=store,
        provenance={"early_stop": cand.run.manifest.provenance["early_stop"]},
    )
    verdict = assay.gate(assay.compare_runs(baseline, dropped.run.run_id, store=store))
    coverage = next(o for o in verdict.rules if o.rule == "coverage")
    assert verdict.verdict == "BLOCK" and coverage.outcome == "fail"
    assert coverage.reason.startswith("the candidate lacks 10 of the baseline's 2,000")


def test_a_stop_planned_against_another_run_is_not_used(
    store: assay.Store, data: assay.SuiteData, baseline: str
) -> None:
    other = assay.evaluate(_model(0.7, 5), suite=data, name="base@2", store=store).run.run_id
    cand = _stopped(store, data, other, 0.95)
    comparison = assay.compare_runs(baseline, cand.run.run_id, store=store)
    assert comparison.early_stop is None
    assert any("not paired with this baseline run" in m for m in comparison.methods)
    verdict = assay.gate(comparison)
    assert verdict.verdict == "BLOCK"  # the unevaluated examples count as missing
    assert "anytime-valid" not in next(
        o.reason for o in verdict.rules if o.rule == "non_inferiority"
    )


def test_a_stop_at_another_confidence_is_not_used(
    store: assay.Store, data: assay.SuiteData, baseline: str
) -> None:
    cand = _stopped(store, data, baseline, 0.95, confidence=0.9)
    comparison = assay.compare_runs(baseline, cand.run.run_id, store=store)
    assert comparison.early_stop is None
    assert any("0.9 confidence sequence" in m for m in comparison.methods)


def test_an_undecided_stop_is_inconclusive_and_says_what_would_settle_it(
    store: assay.Store, data: assay.SuiteData, baseline: str
) -> None:
    # a candidate about one margin worse: the sequence runs through the suite undecided
    cand = _stopped(store, data, baseline, 0.69)
    comparison = assay.compare_runs(baseline, cand.run.run_id, store=store)
    assert comparison.early_stop is not None and comparison.early_stop.decision == "undecided"
    assert comparison.early_stop.n_used == N and comparison.coverage.baseline_only == 0
    verdict = assay.gate(comparison)
    ni = next(o for o in verdict.rules if o.rule == "non_inferiority")
    assert ni.outcome == "inconclusive" and "anytime-valid" in ni.reason
    assert "re-run the candidate on the whole suite, or on a larger one" in (ni.to_settle or "")


def test_comparisons_without_a_stop_are_unchanged(
    store: assay.Store, data: assay.SuiteData, baseline: str
) -> None:
    cand = assay.evaluate(_model(0.72, 1), suite=data, name="full@1", store=store).run.run_id
    comparison = assay.compare_runs(baseline, cand, store=store)
    assert comparison.early_stop is None
    assert not any("early" in m for m in comparison.methods)
    assert comparison.model_dump()["early_stop"] is None
