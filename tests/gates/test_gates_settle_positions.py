"""Non-inferiority's advice is true wherever the interval lies against 0 and the margin."""

from __future__ import annotations

import re

import pytest

from assay.core import RuleOutcome
from assay.gates import evaluate_policy, load_policy, sample_size_to_settle
from assay.testing import comparison_of, given_interval, metric_result

MARGIN = 0.02  # 2 points


def _judge(diff: tuple[float, float, float], goal: str = "higher") -> RuleOutcome:
    metric = "accuracy" if goal == "higher" else "error_share"
    policy = load_policy(
        "name: p\nrules:\n  quality:\n"
        f"    - {{name: ni, metric: {metric}, kind: non_inferiority, margin: {MARGIN}}}\n"
    )
    result = metric_result(diff, metric=metric, goal=goal, n=2000)  # type: ignore[arg-type]
    (outcome,) = evaluate_policy(policy, comparison_of([result])).rules
    return outcome


def _total(text: str) -> int:
    match = re.search(r"\(([\d,]+) in all\)", text)
    assert match, text
    return int(match.group(1).replace(",", ""))


@pytest.mark.parametrize(
    ("diff", "outcome"),
    [
        ((0.01, 0.002, 0.018), "pass"),  # entirely above 0
        ((-0.01, -0.015, -0.005), "pass"),  # entirely below 0, above the margin
        ((-0.05, -0.06, -0.03), "fail"),  # entirely below the margin
    ],
)
def test_settled_positions_give_no_advice(diff: tuple[float, float, float], outcome: str) -> None:
    judged = _judge(diff)
    assert judged.outcome == outcome and judged.to_settle is None


def test_across_the_margin_with_a_gain_assumes_no_true_difference() -> None:
    judged = _judge((0.005, -0.025, 0.035))
    assert judged.outcome == "inconclusive" and judged.to_settle is not None
    assert "rule out a 2.0-point drop if the candidate is truly no worse" in judged.to_settle
    iv = given_interval(0.005, -0.025, 0.035)
    assert _total(judged.to_settle) == sample_size_to_settle(iv, 2000, MARGIN).total  # type: ignore[union-attr]


def test_below_zero_inside_the_margin_needs_the_distance_to_the_margin() -> None:
    """The old advice sized the sample for the whole margin: far too few examples."""
    judged = _judge((-0.015, -0.03, 0.0))
    assert judged.outcome == "inconclusive" and judged.to_settle is not None
    assert "if the true difference is the observed −1.5 points" in judged.to_settle
    iv = given_interval(-0.015, -0.03, 0.0)
    whole = sample_size_to_settle(iv, 2000, MARGIN)
    needed = sample_size_to_settle(iv, 2000, MARGIN - 0.015)
    assert whole is not None and needed is not None
    assert _total(judged.to_settle) == needed.total > 10 * whole.total


def test_beyond_the_margin_says_more_examples_would_likely_fail_it() -> None:
    judged = _judge((-0.03, -0.045, -0.015))
    assert judged.outcome == "inconclusive" and judged.to_settle is not None
    text = judged.to_settle
    assert text.startswith("the observed difference (−3.0 points) is already beyond the 2.0-point")
    assert "more likely to fail the rule than to pass it" in text
    assert "entirely beyond the 2.0-point margin if the true difference is the observed" in text
    needed = sample_size_to_settle(given_interval(-0.03, -0.045, -0.015), 2000, 0.01)
    assert needed is not None and _total(text) == needed.total


def test_on_the_margin_promises_no_sample_size() -> None:
    judged = _judge((-0.02, -0.035, -0.005))
    assert judged.outcome == "inconclusive" and judged.to_settle is not None
    assert "lies on the 2.0-point margin" in judged.to_settle
    assert "in all" not in judged.to_settle


def test_lower_is_better_mirrors_the_positions() -> None:
    judged = _judge((0.015, 0.0, 0.03), goal="lower")  # worse, inside the margin
    assert judged.to_settle is not None
    assert (
        "rule out a 2.0-point rise if the true difference is the observed +1.5" in judged.to_settle
    )
    beyond = _judge((0.03, 0.015, 0.045), goal="lower")
    assert beyond.to_settle is not None and "already beyond" in beyond.to_settle


def test_a_latency_budget_leads_with_milliseconds_at_one_count_of_decimals() -> None:
    """The demo's case: a tiny baseline, a huge relative change; the ms come first."""
    policy = load_policy(
        "name: p\nrules:\n  cost:\n"
        "    - {name: b, metric: latency_p95, kind: budget, max_increase: 0.2}\n"
    )
    result = metric_result(
        (2.327, 1.452, 7.75),
        metric="latency_p95",
        goal="lower",
        baseline=(0.1424, 0.13, 0.29),
        candidate=(2.47, 1.62, 7.87),
    )
    (judged,) = evaluate_policy(policy, comparison_of([result])).rules
    assert judged.reason == (
        "latency_p95: +2.33 ms [+1.45, +7.75] over the baseline's 0.14 ms "
        "(+1634% [+1020%, +5442%]), entirely above the +20.0% allowed increase (+0.03 ms)"
    )
