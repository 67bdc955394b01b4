"""worst_group and max_disparity: the conformance kit, bounds, small groups, coverage."""

from __future__ import annotations

import numpy as np
import pytest

from assay.core import MetricComparison
from assay.errors import ConfigError, GateError
from assay.gates import Policy, PolicyRules, Rule, evaluate_policy
from assay.stats import binary_mean_interval
from assay.testing import check_rule_kind
from assay.testing._comparisons import comparison_of, given_interval


def test_both_kinds_pass_the_conformance_kit() -> None:
    check_rule_kind(
        "worst_group",
        params={"min": 0.5},
        slice="every:lang",
        expected={"better": "pass", "worse": "fail", "uncertain": "inconclusive"},
    )
    # the kit's worse case has groups 0.3 apart (en 0.40, de 0.10): beyond the 0.1 allowed
    check_rule_kind(
        "max_disparity",
        params={"max": 0.1},
        slice="every:lang",
        expected={"better": "pass", "worse": "fail", "uncertain": "inconclusive"},
    )


def _group(value: str, est: float, half: float, n: int = 500) -> MetricComparison:
    iv = given_interval(est, est - half, est + half)
    return MetricComparison(
        metric="accuracy",
        goal="higher",
        slice_attribute="sex",
        slice_value=value,
        n=n,
        baseline=iv,
        candidate=iv,
        difference=given_interval(0.0, -0.01, 0.01),
        test="paired t",
        p_value=0.5,
    )


def _judge(rule: dict[str, object], *groups: MetricComparison) -> tuple[str, str]:
    policy = Policy(
        name="fair",
        rules=PolicyRules(
            quality=(
                Rule.model_validate(
                    {"name": "r", "metric": "accuracy", "slice": "every:sex", **rule}
                ),
            )
        ),
    )
    outcome = evaluate_policy(policy, comparison_of(list(groups))).rules[0]
    return outcome.outcome, outcome.reason


def test_the_gap_is_judged_on_its_simultaneous_bounds() -> None:
    wide_gap = (_group("F", 0.93, 0.01), _group("M", 0.83, 0.01))
    outcome, reason = _judge({"kind": "max_disparity", "max": 0.05}, *wide_gap)
    assert outcome == "fail" and "F 0.93 vs M 0.83" in reason
    assert _judge({"kind": "max_disparity", "max": 0.2}, *wide_gap)[0] == "pass"
    assert _judge({"kind": "max_disparity", "max": 0.1}, *wide_gap)[0] == "inconclusive"
    assert _judge({"kind": "worst_group", "min": 0.85}, *wide_gap)[0] == "fail"
    assert _judge({"kind": "worst_group", "min": 0.8}, *wide_gap)[0] == "pass"


def test_a_small_group_wholly_on_the_wrong_side_fails_the_rule() -> None:
    groups = (_group("F", 0.93, 0.01), _group("M", 0.91, 0.01), _group("X", 0.2, 0.3, n=12))
    outcome, reason = _judge({"kind": "max_disparity", "max": 0.1}, *groups)
    assert outcome == "fail" and "too small to judge: X (n=12)" in reason
    assert "X wholly on the wrong side" in reason
    outcome, reason = _judge({"kind": "worst_group", "min": 0.9}, *groups)
    assert outcome == "fail" and "X (n=12)" in reason
    outcome, _ = _judge({"kind": "max_disparity", "max": 0.1}, groups[2])
    assert outcome == "inconclusive"


def test_a_small_group_never_lets_the_rule_pass_unless_ignored() -> None:
    # x: 3 right of 25 (Wilson [0.04, 0.30]), under min_n: before, the rule passed on f and m
    e = binary_mean_interval(np.r_[np.ones(3), np.zeros(22)])
    small = _group("x", e.estimate, 0.0, n=25).model_copy(
        update={"candidate": given_interval(e.estimate, e.low, e.high)}
    )
    big = (_group("f", 0.95, 0.01), _group("m", 0.95, 0.01))
    assert _judge({"kind": "worst_group", "min": 0.8}, *big, small)[0] == "fail"
    unsure = _group("x", 0.8, 0.15, n=25)
    outcome, reason = _judge({"kind": "worst_group", "min": 0.8}, *big, unsure)
    assert outcome == "inconclusive" and "x (n=25)" in reason and "not settled" in reason
    outcome, _ = _judge({"kind": "max_disparity", "max": 0.3}, *big, unsure)
    assert outcome == "inconclusive"
    for kind, limit in (("worst_group", "min"), ("max_disparity", "max")):
        rule = {"kind": kind, limit: 0.8 if kind == "worst_group" else 0.3}
        outcome, reason = _judge({**rule, "ignore_small_groups": True}, *big, unsure)
        assert outcome == "pass" and "x (n=25) (ignored: ignore_small_groups)" in reason


def test_a_rule_that_is_not_over_the_groups_of_one_attribute_is_refused() -> None:
    policy = Policy(
        name="fair",
        rules=PolicyRules(
            quality=(
                Rule.model_validate(
                    {"name": "r", "metric": "accuracy", "kind": "worst_group", "min": 0.5}
                ),
            )
        ),
    )
    with pytest.raises(GateError, match="every:ATTRIBUTE"):
        overall = _group("F", 0.9, 0.01).model_copy(
            update={"slice_attribute": None, "slice_value": None}
        )
        evaluate_policy(policy, comparison_of([overall, _group("F", 0.9, 0.01)]))
    with pytest.raises(ConfigError, match="'min' or 'max'"):
        Rule.model_validate({"name": "r", "metric": "accuracy", "kind": "worst_group"})
    with pytest.raises(ConfigError, match="max"):
        Rule.model_validate({"name": "r", "metric": "accuracy", "kind": "max_disparity", "max": -1})


@pytest.mark.slow
def test_the_simultaneous_gap_interval_covers_the_true_gap() -> None:
    """Three groups (accuracy 0.70, 0.80, 0.85; 300 examples each): the largest gap's
    interval, built from the groups' own intervals, covers the true 0.15 at least 95% of the
    time (it is conservative by construction)."""
    from assay.gates._kinds_fairness import MaxDisparity
    from assay.gates._registry import RuleCase

    rule = Rule.model_validate(
        {
            "name": "r",
            "metric": "accuracy",
            "slice": "every:sex",
            "kind": "max_disparity",
            "max": 0.15,
        }
    )
    hits, sims = 0, 400
    for seed in range(sims):
        rng = np.random.default_rng(seed)
        results = []
        for name, p in (("a", 0.70), ("b", 0.80), ("c", 0.85)):
            e = binary_mean_interval((rng.random(300) < p).astype(float))
            iv = given_interval(e.estimate, e.low, e.high)
            results.append(
                _group(name, e.estimate, 0.0).model_copy(update={"candidate": iv, "n": 300})
            )
        judgement = MaxDisparity().judge(
            RuleCase(rule, rule.parameters, "accuracy", tuple(results), comparison_of(results))
        )
        low, high = (float(x) for x in judgement.summary.split("[")[1].split("]")[0].split(", "))
        hits += low <= 0.15 <= high
    assert hits / sims >= 0.94
