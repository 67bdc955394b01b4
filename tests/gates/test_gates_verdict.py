"""Verdicts: tier order, combining outcomes, non-blocking rules, unknown metrics and slices."""

from __future__ import annotations

import pytest

from assay.core import Verdict
from assay.errors import GateError
from assay.gates import default_policy, evaluate_policy, load_policy
from assay.testing import comparison_of as comparison
from assay.testing import metric_result as result

PASS = (0.02, 0.01, 0.03)
UNSURE = (0.01, -0.01, 0.03)
FAIL = (-0.02, -0.03, -0.01)


def _policy(
    safety: str, quality: str, cost: str, *, blocking: tuple[bool, bool, bool] = (True, True, True)
) -> str:
    # Written cost first: the tiers' order comes from the policy language, not the file.
    b = [str(x).lower() for x in blocking]
    return (
        "name: tiers\nrules:\n"
        f"  cost:\n    - {{name: c, metric: {cost}, kind: superiority, blocking: {b[2]}}}\n"
        f"  quality:\n    - {{name: q, metric: {quality}, kind: superiority, blocking: {b[1]}}}\n"
        f"  safety:\n    - {{name: s, metric: {safety}, kind: superiority, blocking: {b[0]}}}\n"
    )


def _three(
    s: tuple[float, float, float], q: tuple[float, float, float], c: tuple[float, float, float]
):  # type: ignore[no-untyped-def]
    return comparison(
        [
            result(s, metric="harm"),
            result(q, metric="accuracy"),
            result(c, metric="cost_per_success", baseline=(2.0, 1.9, 2.1)),
        ]
    )


@pytest.mark.parametrize(
    ("s", "q", "c", "verdict"),
    [
        (PASS, PASS, PASS, Verdict.SHIP),
        (PASS, UNSURE, PASS, Verdict.INCONCLUSIVE),
        (UNSURE, PASS, FAIL, Verdict.BLOCK),
        (FAIL, UNSURE, UNSURE, Verdict.BLOCK),
        (UNSURE, UNSURE, UNSURE, Verdict.INCONCLUSIVE),
    ],
)
def test_verdict_combines_blocking_outcomes(s, q, c, verdict) -> None:  # type: ignore[no-untyped-def]
    result_ = evaluate_policy(
        load_policy(_policy("harm", "accuracy", "cost_per_success")), _three(s, q, c)
    )
    assert [r.tier for r in result_.rules] == ["safety", "quality", "cost"]
    assert [r.rule for r in result_.rules] == ["s", "q", "c"]
    assert result_.verdict is verdict


def test_summary_names_the_deciding_evidence_in_tier_order() -> None:
    v = evaluate_policy(
        load_policy(_policy("harm", "accuracy", "cost_per_success")), _three(FAIL, PASS, FAIL)
    )
    assert v.summary == (
        "BLOCK: harm −2.0 points [−3.0, −1.0], entirely at or below zero (superiority); "
        "cost_per_success −0.02 [−0.03, −0.01], entirely at or below zero (superiority)"
    )
    v = evaluate_policy(
        load_policy(_policy("harm", "accuracy", "cost_per_success")), _three(PASS, UNSURE, PASS)
    )
    assert v.summary == (
        "INCONCLUSIVE: accuracy +1.0 points [−1.0, +3.0], the interval includes zero "
        "(superiority); no blocking rule fails"
    )


def test_non_blocking_rules_are_reported_but_do_not_decide() -> None:
    policy = load_policy(
        _policy("harm", "accuracy", "cost_per_success", blocking=(True, True, False))
    )
    v = evaluate_policy(policy, _three(PASS, PASS, FAIL))
    assert v.verdict is Verdict.SHIP
    assert v.rules[2].outcome == "fail" and v.rules[2].blocking is False
    assert v.summary == (
        "SHIP: harm +2.0 points [+1.0, +3.0], entirely above zero; accuracy +2.0 points "
        "[+1.0, +3.0], entirely above zero; cost_per_success −0.02 [−0.03, −0.01], entirely at "
        "or below zero (reported only)"
    )
    assert evaluate_policy(policy, _three(PASS, PASS, UNSURE)).verdict is Verdict.SHIP
    assert v.policy == "tiers" and v.policy_digest == policy.digest


def test_unknown_metric_names_the_rule_and_lists_the_metrics() -> None:
    policy = load_policy(_policy("harm", "acuracy", "cost_per_success"))
    with pytest.raises(GateError) as info:
        evaluate_policy(policy, _three(PASS, PASS, PASS))
    assert str(info.value) == (
        "Rule 'q' (quality[0]) names metric 'acuracy', which the comparison does not have. "
        "Metrics in the comparison: harm, accuracy, cost_per_success."
    )


def test_unknown_slices_name_the_rule_and_list_what_exists() -> None:
    results = [result(), result(slice="lang=en"), result(slice="lang=de")]
    policy = load_policy(
        "name: p\nrules:\n  quality:\n"
        "    - {name: a, metric: accuracy, slice: lang=fr, kind: superiority}\n"
        "    - {name: b, metric: accuracy, slice: 'every:age', kind: superiority}\n"
    )
    with pytest.raises(GateError) as info:
        evaluate_policy(policy, comparison(results))
    lines = str(info.value).splitlines()
    assert lines == [
        "Rule 'a' (quality[0]) names slice lang=fr, which the comparison does not have for "
        "'accuracy'; its slices: lang=de, lang=en.",
        "Rule 'b' (quality[1]) names slice attribute 'age', which the comparison does not have "
        "for 'accuracy'. Slice attributes: lang.",
    ]


def test_if_present_rules_are_left_out_when_the_metric_is_absent() -> None:
    v = evaluate_policy(default_policy(), comparison([result(PASS)]))
    assert [r.rule for r in v.rules] == [
        "coverage",
        "non_inferiority",
        "no_slice_regression",
        "error_rate",
    ]
    latency = result(
        (30.0, 25.0, 35.0), metric="latency_p95", goal="lower", baseline=(100, 95, 105)
    )
    v = evaluate_policy(default_policy(), comparison([result(PASS), latency]))
    assert v.rules[-1].rule == "latency_p95_budget"
    assert v.rules[-1].outcome == "fail"  # +30% [+25%, +35%] against +20% allowed
    assert v.rules[-1].reason == (
        "latency_p95: +30 ms [+25, +35] over the baseline's 100 ms (+30.0% [+25.0%, +35.0%]), "
        "entirely above the +20.0% allowed increase (+20 ms)"
    )
    assert v.verdict is Verdict.SHIP  # the latency budget is not blocking


def test_star_stands_for_every_non_operational_metric() -> None:
    results = [
        result(PASS, metric="accuracy"),
        result(UNSURE, metric="f1"),
        result((1.0, 0.5, 1.5), metric="latency_p50", goal="lower", baseline=(80, 70, 90)),
        result((0.0, -0.1, 0.1), metric="cost_per_example", goal="lower", baseline=(2, 1.9, 2.1)),
        result(PASS, metric="accuracy", slice="lang=en"),
        result(FAIL, metric="f1", slice="lang=en"),
    ]
    policy = load_policy(
        "name: p\nrules:\n  quality:\n    - {name: better, metric: '*', kind: superiority}\n"
    )
    v = evaluate_policy(policy, comparison(results))
    assert [(r.rule, r.metric, r.outcome) for r in v.rules] == [
        ("better", "accuracy", "pass"),
        ("better", "f1", "inconclusive"),
    ]
    assert v.summary == (
        "INCONCLUSIVE: f1 +1.0 points [−1.0, +3.0], the interval includes zero (superiority); "
        "no blocking rule fails"
    )


def test_the_comparison_must_be_at_the_policy_confidence() -> None:
    with pytest.raises(GateError, match=r"judges at 95.0% confidence, but .* at 90.0%"):
        evaluate_policy(default_policy(), comparison([result()], confidence=0.9))


def test_a_slice_rule_on_a_comparison_without_slices_judges_nothing() -> None:
    v = evaluate_policy(default_policy(), comparison([result(PASS)]))
    assert v.rules[2].outcome == "pass"
    assert v.rules[2].reason == "accuracy: the comparison has no slices; nothing to judge"
    assert v.verdict is Verdict.SHIP
