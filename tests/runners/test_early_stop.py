"""Planned early stopping: decisions, savings, determinism, time-uniform error rate, storage."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats as sps

import assay
from assay.errors import ParameterError
from assay.runners import (
    CallableAdapter,
    EarlyStop,
    EarlyStopDecision,
    early_stop_decision,
    evaluate_suite_early_stop,
    replay_early_stop,
    sequential_decision,
)
from assay.stats import paired_empirical_bernstein_confidence_sequence
from assay.testing import synthetic_suite

N = 5000


def _model(correct: np.ndarray) -> CallableAdapter:
    """Answers example i ("question i") right exactly when correct[i]."""

    def answer(question: str) -> str:
        i = int(question.split()[-1])
        return f"answer {i}" if correct[i] else "wrong"

    return CallableAdapter(answer)


def _correct(p: float, seed: int) -> np.ndarray:
    return np.random.default_rng(seed).random(N) < p


@pytest.fixture(scope="module")
def suite() -> assay.SuiteData:
    return synthetic_suite(N, seed=3)


def _by_id(correct: np.ndarray) -> dict[str, float]:
    return {f"ex-{i:06d}": float(c) for i, c in enumerate(correct)}


def test_clearly_better_candidate_stops_early_against_fixed_value(suite: assay.SuiteData) -> None:
    plan = EarlyStop(metric="accuracy", baseline=0.6, seed=1)
    records, result = evaluate_suite_early_stop(suite, _model(_correct(0.85, 1)), plan)
    assert result.decision is EarlyStopDecision.NOT_WORSE
    assert result.n_used < N / 4
    assert result.n_used >= plan.min_examples and result.n_used % plan.check_every == 0
    assert records.num_rows == result.n_used == result.n_observations
    assert result.low > 0.0 and result.planned and result.comparison == "fixed"
    # The reported estimate is the evaluated examples' accuracy minus the fixed baseline.
    acc = records.column("accuracy").to_numpy()
    assert result.estimate == pytest.approx(acc.mean() - 0.6)


def test_clearly_worse_candidate_stops_with_worse_in_a_paired_plan(
    suite: assay.SuiteData,
) -> None:
    base = _correct(0.8, 2)
    cand = base & _correct(0.6, 3)  # loses ~40% of the baseline's right answers
    plan = EarlyStop(metric="accuracy", baseline=_by_id(base), seed=4)
    records, result = evaluate_suite_early_stop(suite, _model(cand), plan)
    assert result.decision is EarlyStopDecision.WORSE
    assert result.n_used < N / 4 and result.high < 0.0
    # Independent reference: the paired sequence over the returned records, in their order.
    ids = records.column("example_id").to_pylist()
    b = np.array([_by_id(base)[i] for i in ids])
    cs = paired_empirical_bernstein_confidence_sequence(b, records.column("accuracy").to_numpy())
    assert cs.final.high == pytest.approx(result.high)
    assert cs.first_time_below(0.0) is not None and cs.first_time_below(0.0) <= result.n_used


def test_equal_candidate_runs_to_the_end_undecided(suite: assay.SuiteData) -> None:
    base, cand = _correct(0.7, 5), _correct(0.7, 6)
    plan = EarlyStop(metric="accuracy", baseline=_by_id(base), seed=7)
    records, result = evaluate_suite_early_stop(suite, _model(cand), plan)
    assert result.decision is EarlyStopDecision.UNDECIDED
    assert result.n_used == N == records.num_rows
    assert result.low <= 0.0 <= result.high
    assert (
        sorted(records.column("example_id").to_pylist())
        == suite.examples.column("example_id").to_pylist()
    )


def test_a_margin_lets_an_equal_candidate_stop_as_not_worse(suite: assay.SuiteData) -> None:
    base, cand = _correct(0.7, 5), _correct(0.7, 6)
    plan = EarlyStop(metric="accuracy", baseline=_by_id(base), margin=0.15, seed=7)
    _, result = evaluate_suite_early_stop(suite, _model(cand), plan)
    assert result.decision is EarlyStopDecision.NOT_WORSE
    assert result.low > -0.15 and result.n_used < N


def test_same_seed_same_order_and_records(suite: assay.SuiteData) -> None:
    model = _model(_correct(0.85, 1))
    plan = EarlyStop(metric="accuracy", baseline=0.6, seed=11)
    a, ra = evaluate_suite_early_stop(suite, model, plan)
    b, rb = evaluate_suite_early_stop(suite, model, plan)
    c, _ = evaluate_suite_early_stop(suite, model, EarlyStop("accuracy", 0.6, seed=12))
    keep = ["example_id", "accuracy", "output", "error"]
    assert a.select(keep).equals(b.select(keep)) and ra == rb
    expected = np.random.default_rng(11).permutation(N)[: a.num_rows]
    assert a.column("example_id").to_pylist() == [f"ex-{i:06d}" for i in expected]
    assert c.column("example_id").to_pylist()[:50] != a.column("example_id").to_pylist()[:50]


def test_wrong_decisions_stay_below_alpha_over_500_null_paths() -> None:
    # Truth exactly at the boundary: true difference 0, margin 0; every decision is wrong.
    rng = np.random.default_rng(2024)
    plan = EarlyStop(metric="accuracy", baseline=0.7, check_every=25, min_examples=25)
    paths = 500
    wrong = naive_wrong = 0
    for _ in range(paths):
        x = (rng.random(2000) < 0.7).astype(float)
        decision, _ = sequential_decision(plan, x)
        wrong += decision is not EarlyStopDecision.UNDECIDED
        # The same looks with a fixed-n Wald interval: the simulation must be able to fail.
        n = np.arange(25, 2001, 25)
        mean = np.cumsum(x)[n - 1] / n
        half = sps.norm.ppf(0.975) * np.sqrt(mean * (1 - mean) / n)
        naive_wrong += bool(np.any(np.abs(mean - 0.7) > half))
    tolerance = 3 * np.sqrt(0.05 * 0.95 / paths)
    assert wrong / paths <= 0.05 + tolerance
    assert naive_wrong / paths > 0.05 + tolerance


def test_paired_null_at_the_margin_rarely_says_not_worse() -> None:
    rng = np.random.default_rng(7)
    plan = EarlyStop(metric="accuracy", baseline={}, margin=0.1, check_every=50)
    paths, wrong = 500, 0
    for _ in range(paths):
        base = (rng.random(1500) < 0.8).astype(float)
        cand = (rng.random(1500) < 0.7).astype(float)  # true difference −0.1 = −margin
        decision, _ = sequential_decision(plan, cand, base)
        wrong += decision is EarlyStopDecision.NOT_WORSE
    assert wrong / paths <= 0.05 + 3 * np.sqrt(0.05 * 0.95 / paths)


def test_decision_follows_the_metric_goal() -> None:
    assert early_stop_decision(0.01, 0.2, 0.0, "higher") is EarlyStopDecision.NOT_WORSE
    assert early_stop_decision(0.01, 0.2, 0.0, "lower") is EarlyStopDecision.WORSE
    assert early_stop_decision(-0.2, -0.01, 0.0, "lower") is EarlyStopDecision.NOT_WORSE
    assert early_stop_decision(-0.04, 0.3, 0.05, "higher") is EarlyStopDecision.NOT_WORSE
    assert early_stop_decision(-0.3, 0.04, 0.05, "lower") is EarlyStopDecision.NOT_WORSE
    assert early_stop_decision(-0.06, 0.3, 0.05, "higher") is EarlyStopDecision.UNDECIDED


def test_bad_plans_are_rejected(suite: assay.SuiteData) -> None:
    model = _model(_correct(0.5, 0))
    with pytest.raises(ParameterError, match="'metric' parameter"):
        evaluate_suite_early_stop(suite, model, EarlyStop(metric="f1", baseline=0.5))
    with pytest.raises(ParameterError, match="'margin' parameter of EarlyStop"):
        evaluate_suite_early_stop(suite, model, EarlyStop("accuracy", 0.5, margin=-0.1))
    with pytest.raises(ParameterError, match="'baseline' parameter of EarlyStop"):
        evaluate_suite_early_stop(suite, model, EarlyStop("accuracy", 1.5))


def test_log_run_stores_the_partial_run_with_its_provenance(
    suite: assay.SuiteData, store: assay.Store
) -> None:
    base = _correct(0.6, 8)
    full = assay.log_run(
        [
            {"example_id": f"ex-{i:06d}", "accuracy": float(c), "output": ""}
            for i, c in enumerate(base)
        ],
        suite=suite,
        model="base@1",
        store=store,
    )
    plan = EarlyStop(metric="accuracy", baseline=_by_id(base), seed=9)
    records, result = evaluate_suite_early_stop(suite, _model(_correct(0.9, 10)), plan)
    assert result.n_used < N
    logged = assay.log_run(
        records,
        suite=suite,
        model="cand@1",
        store=store,
        provenance={"early_stop": result.to_dict()},
    )
    got = store.runs.records(logged.run.run_id)
    assert got.num_rows == result.n_used
    cmp = assay.compare_runs(full.run.run_id, logged.run.run_id, store=store, shared_only=True)
    assert cmp.coverage.shared == result.n_used
    assert cmp.coverage.baseline_only == N - result.n_used
    assert logged.run.manifest.provenance["early_stop"] == result.to_dict()


def test_evaluate_records_the_planned_stop_in_the_manifest(store):
    import assay
    from assay.runners import EarlyStop
    from assay.testing import synthetic_suite

    data = synthetic_suite(3000, seed=3)

    def always_right(text: str) -> str:
        return text.replace("question", "answer")

    plan = EarlyStop(metric="accuracy", baseline=0.5, seed=1)
    run = assay.evaluate(
        always_right, suite=data, model="oracle@1", store=store, early_stop=plan
    ).run
    stop = run.manifest.provenance["early_stop"]
    assert stop["decision"] == "not_worse" and stop["planned"] is True
    assert run.n_records == stop["n_used"] < 3000


def test_judging_the_replayed_interval_rarely_passes_a_candidate_at_the_margin() -> None:
    # What the gates do with a planned stop: replay it and judge non-inferiority on the final
    # interval (pass when low >= -margin). True difference exactly -margin: every pass is
    # wrong, and the one-sided error must stay below alpha / 2 = 2.5%.
    rng = np.random.default_rng(11)
    n, paths, margin = 1500, 400, 0.05
    ids = [f"e{i}" for i in range(n)]
    wrong, stopped_early = 0, 0
    for k in range(paths):
        base = (rng.random(n) < 0.8).astype(float)
        cand = (rng.random(n) < 0.75).astype(float)
        plan = EarlyStop("accuracy", dict(zip(ids, base, strict=True)), margin=margin, seed=k)
        result, used = replay_early_stop(plan, ids, dict(zip(ids, cand, strict=True)))
        assert len(used) == result.n_used and len(set(used)) == len(used)
        wrong += result.low >= -margin
        stopped_early += result.n_used < n
    assert wrong / paths <= 0.025 + 3 * np.sqrt(0.025 * 0.975 / paths)
    assert stopped_early > 0  # some paths do stop (as worse), so the looks are exercised


@pytest.mark.parametrize(
    ("paired", "check_every", "min_examples", "p"),
    [(True, 50, 100, 0.85), (True, 7, 20, 0.7), (False, 25, 25, 0.9), (False, 100, 300, 0.7)],
)
def test_a_replay_from_recorded_scores_is_the_runners_stop(
    suite: assay.SuiteData, paired: bool, check_every: int, min_examples: int, p: float
) -> None:
    correct = _correct(p, 21)

    def answer(question: str) -> str:
        i = int(question.split()[-1])
        if i % 13 == 0:
            raise RuntimeError("the model failed")  # errored records enter no sequence
        return f"answer {i}" if correct[i] else "wrong"

    base = _correct(0.7, 22)
    plan = EarlyStop(
        metric="accuracy",
        baseline=_by_id(base) if paired else 0.7,
        check_every=check_every,
        min_examples=min_examples,
        seed=3,
    )
    records, ran = evaluate_suite_early_stop(suite, CallableAdapter(answer), plan)
    scores = dict(
        zip(
            records.column("example_id").to_pylist(),
            records.column("accuracy").to_numpy(zero_copy_only=False),
            strict=True,
        )
    )
    replayed, evaluated = replay_early_stop(
        plan, suite.examples.column("example_id").to_pylist(), scores
    )
    assert replayed.to_dict() == ran.to_dict()
    assert evaluated == records.column("example_id").to_pylist()
    assert records.column("error").null_count < records.num_rows
