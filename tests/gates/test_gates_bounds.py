"""Each rule kind judged on interval bounds: pass, fail, inconclusive, and exactly on the bound."""

from __future__ import annotations

import pytest
from statsmodels.stats.proportion import proportion_confint

from assay.core import MetricComparison, RuleOutcome
from assay.gates import evaluate_policy, load_policy
from assay.testing import comparison_of as comparison
from assay.testing import metric_result as result


def _judge(rule: str, results: list[MetricComparison], **kwargs: object) -> RuleOutcome:
    policy = load_policy(f"name: p\nrules:\n  quality:\n    - {rule}\n")
    (outcome,) = evaluate_policy(policy, comparison(results, **kwargs)).rules  # type: ignore[arg-type]
    return outcome


def _candidate(low: float, high: float, estimate: float | None = None) -> MetricComparison:
    est = (low + high) / 2 if estimate is None else estimate
    return result(candidate=(est, low, high))


@pytest.mark.parametrize(
    ("low", "high", "expected"),
    [
        (0.81, 0.85, "pass"),
        (0.80, 0.85, "pass"),  # lower bound exactly on the minimum
        (0.75, 0.85, "inconclusive"),
        (0.75, 0.80, "inconclusive"),  # upper bound exactly on the minimum
        (0.70, 0.79, "fail"),
        (0.80, 0.80, "pass"),  # a point interval on the limit
    ],
)
def test_threshold_min(low: float, high: float, expected: str) -> None:
    outcome = _judge(
        "{name: t, metric: accuracy, kind: threshold, min: 0.80}", [_candidate(low, high)]
    )
    assert outcome.outcome == expected
    assert (outcome.to_settle is not None) == (expected == "inconclusive")


@pytest.mark.parametrize(
    ("low", "high", "expected"),
    [
        (0.01, 0.05, "pass"),
        (0.01, 0.10, "pass"),
        (0.05, 0.15, "inconclusive"),
        (0.10, 0.15, "inconclusive"),
        (0.11, 0.15, "fail"),
    ],
)
def test_threshold_max(low: float, high: float, expected: str) -> None:
    outcome = _judge(
        "{name: t, metric: accuracy, kind: threshold, max: 0.10}", [_candidate(low, high)]
    )
    assert outcome.outcome == expected


def test_threshold_range_fails_when_either_side_fails() -> None:
    rule = "{name: t, metric: accuracy, kind: threshold, min: 0.2, max: 0.6}"
    assert _judge(rule, [_candidate(0.3, 0.5)]).outcome == "pass"
    assert _judge(rule, [_candidate(0.5, 0.7)]).outcome == "inconclusive"
    assert _judge(rule, [_candidate(0.65, 0.7)]).outcome == "fail"


def test_threshold_reason_words_and_units() -> None:
    outcome = _judge(
        "{name: t, metric: accuracy, kind: threshold, min: 0.80}", [_candidate(0.70, 0.79, 0.745)]
    )
    assert outcome.reason == "accuracy: 74.5% [70.0%, 79.0%], entirely below the 80.0% minimum"


@pytest.mark.parametrize(
    ("diff", "expected"),
    [
        ((0.00, -0.005, 0.005), "pass"),
        ((-0.005, -0.01, 0.00), "pass"),  # lower bound exactly on −margin
        ((-0.01, -0.02, 0.00), "inconclusive"),
        ((-0.02, -0.03, -0.01), "inconclusive"),  # upper bound exactly on −margin
        ((-0.02, -0.03, -0.011), "fail"),
    ],
)
def test_non_inferiority_higher_is_better(diff: tuple[float, float, float], expected: str) -> None:
    outcome = _judge(
        "{name: ni, metric: accuracy, kind: non_inferiority, margin: 0.01}", [result(diff)]
    )
    assert outcome.outcome == expected


@pytest.mark.parametrize(
    ("diff", "expected"),
    [
        ((0.0, -0.005, 0.005), "pass"),
        ((0.005, 0.0, 0.01), "pass"),  # upper bound exactly on +margin
        ((0.01, 0.0, 0.02), "inconclusive"),
        ((0.02, 0.01, 0.03), "inconclusive"),  # lower bound exactly on +margin
        ((0.02, 0.011, 0.03), "fail"),
        ((-0.02, -0.03, -0.011), "pass"),  # a large drop in a lower-is-better metric is good
    ],
)
def test_non_inferiority_flips_for_lower_is_better(
    diff: tuple[float, float, float], expected: str
) -> None:
    res = result(diff, metric="log_loss", goal="lower", baseline=(0.3, 0.29, 0.31))
    outcome = _judge("{name: ni, metric: log_loss, kind: non_inferiority, margin: 0.01}", [res])
    assert outcome.outcome == expected


def test_non_inferiority_reason_in_points() -> None:
    res = result((-0.021, -0.034, -0.008), slice="age_band=60+")
    outcome = _judge(
        "{name: ni, metric: accuracy, slice: age_band=60+, kind: non_inferiority, margin: 0.005}",
        [result(), res],
    )
    assert outcome.outcome == "fail"
    assert outcome.reason == (
        "accuracy on age_band=60+: −2.1 points [−3.4, −0.8], entirely below the −0.5-point margin"
    )
    assert outcome.slice == "age_band=60+"
    assert outcome.evidence == ["accuracy on age_band=60+"]


def test_relative_margin_is_a_share_of_the_baseline() -> None:
    # 5% of a 0.60 baseline is a 3-point margin: a [−2.5, −0.5] difference passes.
    res = result((-0.015, -0.025, -0.005), baseline=(0.60, 0.58, 0.62))
    rule = "{name: ni, metric: accuracy, kind: non_inferiority, relative_margin: 0.05}"
    assert _judge(rule, [res]).outcome == "pass"
    rule2 = "{name: ni, metric: accuracy, kind: non_inferiority, relative_margin: 0.02}"
    assert _judge(rule2, [res]).outcome == "inconclusive"


@pytest.mark.parametrize(
    ("diff", "goal", "expected"),
    [
        ((0.02, 0.01, 0.03), "higher", "pass"),
        ((0.01, 0.0, 0.02), "higher", "inconclusive"),  # lower bound exactly 0 is not > 0
        ((-0.01, -0.02, 0.0), "higher", "fail"),  # upper bound exactly 0: entirely ≤ 0
        ((-0.02, -0.03, -0.01), "higher", "fail"),
        ((-0.02, -0.03, -0.01), "lower", "pass"),
        ((-0.01, -0.02, 0.0), "lower", "inconclusive"),
        ((0.01, 0.0, 0.02), "lower", "fail"),
    ],
)
def test_superiority(diff: tuple[float, float, float], goal: str, expected: str) -> None:
    res = result(diff, goal=goal)  # type: ignore[arg-type]
    outcome = _judge("{name: s, metric: accuracy, kind: superiority}", [res])
    assert outcome.outcome == expected


def test_superiority_with_the_observed_difference_against_the_candidate() -> None:
    outcome = _judge(
        "{name: s, metric: accuracy, kind: superiority}", [result((-0.005, -0.02, 0.01))]
    )
    assert outcome.outcome == "inconclusive"
    assert outcome.to_settle is not None
    assert "does not favour the candidate" in outcome.to_settle


@pytest.mark.parametrize(
    ("candidate", "expected"),
    [
        ((450.0, 420.0, 480.0), "pass"),
        ((490.0, 470.0, 500.0), "pass"),
        ((500, 480, 530), "inconclusive"),
        ((560, 520, 600), "fail"),
    ],
)
def test_budget_max(candidate: tuple[float, float, float], expected: str) -> None:
    res = result(
        (0.0, -5.0, 5.0),
        metric="latency_p95",
        goal="lower",
        baseline=(450, 430, 470),
        candidate=candidate,
        test="bootstrap",
    )
    outcome = _judge("{name: b, metric: latency_p95, kind: budget, max: 500}", [res])
    assert outcome.outcome == expected
    if expected == "fail":
        assert outcome.reason == "latency_p95: 560 ms [520, 600], entirely above the 500 ms budget"


@pytest.mark.parametrize(
    ("diff", "expected"),
    [
        ((20.0, 10.0, 40.0), "pass"),
        ((30.0, 10.0, 50.0), "pass"),
        ((40.0, 20.0, 60.0), "inconclusive"),
        ((70.0, 51.0, 90.0), "fail"),
    ],
)
def test_budget_max_increase_on_the_relative_difference(
    diff: tuple[float, float, float], expected: str
) -> None:
    # Baseline 500 ms, +10% allowed: the difference's interval must stay at or below +50 ms.
    res = result(
        diff, metric="latency_p95", goal="lower", baseline=(500, 480, 520), test="bootstrap"
    )
    outcome = _judge("{name: b, metric: latency_p95, kind: budget, max_increase: 0.1}", [res])
    assert outcome.outcome == expected


def test_max_error_rate_blocks_a_run_with_thirty_percent_errors() -> None:
    from assay.testing import synthetic_records, synthetic_suite

    suite = synthetic_suite(400, seed=3)
    records = synthetic_records(suite, error_rate=0.3, seed=4)
    errors = records.column("error").drop_null().length()
    total = records.num_rows
    assert 0.25 < errors / total < 0.35
    policy = load_policy(
        "name: p\nrules:\n  cost:\n    - {name: errors, kind: max_error_rate, max: 0.05}\n"
    )
    verdict = evaluate_policy(policy, comparison([result()], errors=(errors, total)))
    low, high = proportion_confint(errors, total, alpha=0.05, method="wilson")
    rate = errors / total
    fmt = lambda x: f"{x * 100:.1f}%"  # noqa: E731
    (outcome,) = verdict.rules
    assert outcome.reason == (
        f"error rate of the candidate: {fmt(rate)} [{fmt(low)}, {fmt(high)}] "
        f"({errors} of {total} records, Wilson interval), entirely above the 5.0% maximum"
    )
    assert (outcome.outcome, outcome.metric, outcome.tier) == ("fail", "error_rate", "cost")
    assert verdict.verdict.value == "BLOCK"
    # the summary names the evidence (statsmodels' Wilson bounds), not the rule
    assert verdict.summary == (
        f"BLOCK: error rate {fmt(rate)} [{fmt(low)}, {fmt(high)}] above the 5.0% maximum "
        "(error-rate limit)"
    )


@pytest.mark.parametrize(
    ("errors", "records", "expected"),
    [(1, 1000, "pass"), (8, 200, "inconclusive"), (60, 200, "fail"), (0, 10, "inconclusive")],
)
def test_max_error_rate_outcomes_follow_the_wilson_interval(
    errors: int, records: int, expected: str
) -> None:
    low, high = proportion_confint(errors, records, alpha=0.05, method="wilson")
    independent = "pass" if high <= 0.05 else "fail" if low > 0.05 else "inconclusive"
    assert independent == expected
    policy = load_policy(
        "name: p\nrules:\n  cost:\n    - {name: e, kind: max_error_rate, max: 0.05}\n"
    )
    (outcome,) = evaluate_policy(policy, comparison([result()], errors=(errors, records))).rules
    assert outcome.outcome == expected


def test_every_slice_of_an_attribute_combines_the_worst_outcome() -> None:
    results = [
        result((0.0, -0.005, 0.005)),
        result((0.0, -0.005, 0.005), slice="lang=en"),
        result((-0.01, -0.02, 0.0), slice="lang=de"),
        result((0.0, -0.004, 0.004), slice="device=phone"),
    ]
    rule = "{name: ni, metric: accuracy, slice: 'every:lang', kind: non_inferiority, margin: 0.01}"
    outcome = _judge(rule, results)
    assert outcome.outcome == "inconclusive"
    assert outcome.evidence == ["accuracy on lang=en", "accuracy on lang=de"]
    assert outcome.reason.startswith("1 of 2 slices are inconclusive: accuracy on lang=de:")
    assert outcome.to_settle is not None and outcome.to_settle.startswith("accuracy on lang=de")
    everything = _judge(rule.replace("'every:lang'", "every"), results)
    assert len(everything.evidence) == 3
    results[3] = result((-0.03, -0.04, -0.02), slice="device=phone")
    assert _judge(rule.replace("'every:lang'", "every"), results).outcome == "fail"
