"""A/B readouts judged by release policies: the comparison, the verdict and its extra outcomes."""

from __future__ import annotations

import math

import numpy as np
import pyarrow as pa
import pytest
from scipy import stats
from statsmodels.stats.multitest import multipletests

from assay.core import Comparison, Verdict
from assay.errors import ConfigError, GateError, ParameterError
from assay.gates import load_policy, policy_to_yaml
from assay.online import (
    ExperimentPlan,
    Guardrail,
    decide_experiment,
    plan_policy,
    readout,
    readout_comparison,
)
from assay.reports import render_memo

Z = stats.norm.ppf(0.975)


def table(rows: list[tuple[str, str, int, float, float]]) -> pa.Table:
    """(metric, arm, n, mean, sd) rows; sd=None marks a proportion (mean is the rate)."""
    out: dict[str, list[object]] = {"metric": [], "arm": [], "n": [], "sum": [], "sum_squares": []}
    for metric, arm, n, mean, sd in rows:
        s = n * mean
        out["metric"].append(metric)
        out["arm"].append(arm)
        out["n"].append(n)
        out["sum"].append(s)
        out["sum_squares"].append(s if math.isnan(sd) else (n - 1) * sd**2 + n * mean**2)
    return pa.table(out)


P = math.nan  # the sd of a proportion row


def plan_for(**changes: object) -> ExperimentPlan:
    base: dict[str, object] = {
        "name": "ranker",
        "hypothesis": "The new ranker raises conversion.",
        "primary_metric": "converted",
        "guardrails": (Guardrail("latency_ms", 0.02, higher_is_better=False),),
        "sample_size_per_arm": 20_000,
    }
    return ExperimentPlan(**(base | changes))  # type: ignore[arg-type]


def data(
    n_c: int = 20_000,
    n_t: int = 20_000,
    rate_t: float = 0.12,
    latency_t: float = 200.0,
    arms: tuple[str, ...] = ("treatment",),
) -> pa.Table:
    rows = [("converted", "control", n_c, 0.10, P), ("latency_ms", "control", n_c, 200.0, 40.0)]
    for arm in arms:
        rows += [("converted", arm, n_t, rate_t, P), ("latency_ms", arm, n_t, latency_t, 40.0)]
    return table(rows)


def wald(p1: float, n1: int, p2: float, n2: int) -> tuple[float, float]:
    """Closed-form unpooled Wald interval of p2 − p1."""
    se = math.sqrt(p1 * (1 - p1) / n1 + p2 * (1 - p2) / n2)
    return p2 - p1 - Z * se, p2 - p1 + Z * se


def outcome(verdict_rules: list, rule: str) -> str:  # type: ignore[type-arg]
    return next(o.outcome for o in verdict_rules if o.rule == rule)


def test_public_names_for_decisions_and_rollout() -> None:
    import assay.online

    assert {
        "Analysis",
        "ArmDecision",
        "DEVIATION_KINDS",
        "Deviation",
        "DeviationKind",
        "ExperimentVerdict",
        "MetricBaseline",
        "RolloutCriterion",
        "RolloutPlan",
        "RolloutStep",
        "StepSizing",
        "baselines_from_readout",
        "check_deviations",
        "decide_experiment",
        "design_from_plan",
        "load_plan",
        "metric_goals",
        "plan_policy",
        "readout_comparison",
        "rollout_markdown",
        "rollout_plan",
    } <= set(assay.online.__all__)
    assert all(hasattr(assay.online, name) for name in assay.online.__all__)


# -- the comparison is the readout ---------------------------------------------------------


@pytest.mark.parametrize("seed", range(12))
def test_comparison_numbers_are_the_readouts_own(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n = rng.integers(50, 5000, size=2)
    rows = [
        ("m", "control", int(n[0]), float(rng.uniform(1, 10)), float(rng.uniform(0.5, 5))),
        ("m", "treatment", int(n[1]), float(rng.uniform(1, 10)), float(rng.uniform(0.5, 5))),
        ("rate", "control", int(n[0]), float(rng.uniform(0.05, 0.9)), P),
        ("rate", "treatment", int(n[1]), float(rng.uniform(0.05, 0.9)), P),
    ]
    sequential = bool(seed % 2)
    r = readout(table(rows), sequential=sequential, confidence=0.9)
    c = readout_comparison(r)
    assert isinstance(c, Comparison) and c.confidence == 0.9
    assert [x.metric for x in c.results] == ["m", "rate"]
    for lift in r.lifts:
        res = c.result(lift.metric)
        assert (res.baseline.estimate, res.baseline.low, res.baseline.high) == (
            lift.control_value.estimate,
            lift.control_value.low,
            lift.control_value.high,
        )
        assert (res.candidate.estimate, res.candidate.low, res.candidate.high) == (
            lift.treatment_value.estimate,
            lift.treatment_value.low,
            lift.treatment_value.high,
        )
        d = lift.absolute  # the always-valid interval when sequential
        assert (res.difference.estimate, res.difference.low, res.difference.high) == (
            d.estimate,
            d.low,
            d.high,
        )
        assert res.p_value == lift.p_value and res.p_adjusted == lift.p_value_adjusted
        assert res.n == int(n.sum()) and res.test == lift.method
        assert res.goal == "higher" and res.slice_attribute is None
        assert (res.mde is None) == sequential
    # Swapping control and treatment flips every difference.
    swapped = readout_comparison(
        readout(table(rows), control="treatment", confidence=0.9, sequential=sequential)
    )
    for res in c.results:
        other = swapped.result(res.metric).difference
        assert other.estimate == pytest.approx(-res.difference.estimate, abs=1e-12)
        assert other.low == pytest.approx(-res.difference.high, rel=1e-9, abs=1e-12)


def test_fixed_horizon_mde_is_the_closed_form() -> None:
    r = readout(data(), plan=plan_for())
    res = readout_comparison(r, plan=plan_for()).result("converted")
    se = math.sqrt(0.1 * 0.9 / 20_000 + 0.12 * 0.88 / 20_000)
    assert res.mde == pytest.approx((Z + stats.norm.ppf(0.8)) * se, rel=1e-9)
    assert (res.difference.low, res.difference.high) == pytest.approx(
        wald(0.1, 20_000, 0.12, 20_000), rel=1e-9
    )


def test_goals_come_from_the_plan_and_can_be_overridden() -> None:
    plan = plan_for(alternative="less")
    c = readout_comparison(readout(data(), plan=plan), plan=plan)
    assert c.result("latency_ms").goal == "lower" and c.result("converted").goal == "lower"
    c = readout_comparison(readout(data()), goals={"latency_ms": "lower"})
    assert c.result("latency_ms").goal == "lower" and c.result("converted").goal == "higher"
    with pytest.raises(ParameterError, match="'goals' parameter of readout_comparison"):
        readout_comparison(readout(data()), goals={"converted": "up"})  # type: ignore[dict-item]


def test_treatment_must_be_named_with_several_arms() -> None:
    r = readout(data(arms=("a", "b")))
    with pytest.raises(ParameterError, match="'treatment' parameter"):
        readout_comparison(r)
    with pytest.raises(ParameterError, match="one of a, b"):
        readout_comparison(r, "c")
    assert readout_comparison(r, "b").candidate_run == "b"


# -- the plan's policy ------------------------------------------------------------------------


def test_plan_policy_has_superiority_then_guardrails_and_round_trips() -> None:
    plan = plan_for(alpha=0.1)
    policy = plan_policy(plan)
    rules = [(t, r.name, r.kind, r.metric, r.params, r.blocking) for t, _, r in policy.tiered()]
    assert rules == [
        ("quality", "converted_superiority", "superiority", "converted", {}, True),
        (
            "quality",
            "latency_ms_non_inferiority",
            "non_inferiority",
            "latency_ms",
            {"relative_margin": 0.02},
            True,
        ),
    ]
    assert policy.confidence == pytest.approx(0.9)
    assert load_policy(policy_to_yaml(policy)).digest == policy.digest
    with pytest.raises(ConfigError, match="margin is a relative worsening"):
        plan_policy(plan_for(guardrails=(Guardrail("latency_ms", 1.5),)))


# -- verdicts with known answers --------------------------------------------------------------


def test_clear_win_ships() -> None:
    assert wald(0.10, 20_000, 0.12, 20_000)[0] > 0  # the known answer, by the closed form
    plan = plan_for()
    ev = decide_experiment(readout(data(), plan=plan), plan)
    v = ev.best.verdict
    assert ev.verdict is Verdict.SHIP and v.verdict is Verdict.SHIP and ev.trusted
    assert [o.rule for o in v.rules] == [
        "sample_ratio",
        "converted_superiority",
        "latency_ms_non_inferiority",
        "planned_sample",
    ]
    assert all(o.outcome == "pass" for o in v.rules) and ev.deviations == ()
    assert (
        v.rules[-1].reason
        == "read with 20,000 users per arm (average over the arms), 100% of the planned 20,000"
    )
    assert v.policy == "ranker (plan)"


def test_guardrail_breach_blocks() -> None:
    # latency +10 ms, se = 40·√(2/20000) = 0.4: the interval is far above the 4 ms margin.
    plan = plan_for()
    ev = decide_experiment(readout(data(latency_t=210.0), plan=plan), plan)
    v = ev.best.verdict
    assert v.verdict is Verdict.BLOCK and ev.verdict is Verdict.BLOCK
    assert outcome(v.rules, "latency_ms_non_inferiority") == "fail"
    assert outcome(v.rules, "converted_superiority") == "pass"
    assert "latency_ms_non_inferiority" in v.summary


def test_underpowered_test_is_inconclusive_and_says_what_would_settle_it() -> None:
    assert wald(0.10, 300, 0.12, 300)[0] < 0 < wald(0.10, 300, 0.12, 300)[1]
    plan = plan_for(sample_size_per_arm=300)
    ev = decide_experiment(readout(data(300, 300), plan=plan), plan)
    v = ev.best.verdict
    assert v.verdict is Verdict.INCONCLUSIVE and ev.verdict is Verdict.INCONCLUSIVE
    sup = next(o for o in v.rules if o.rule == "converted_superiority")
    assert sup.outcome == "inconclusive" and "more" in (sup.to_settle or "")


def test_sample_ratio_mismatch_blocks_a_clear_win() -> None:
    plan = plan_for()
    r = readout(data(20_000, 21_000), plan=plan)
    expected_p = stats.chisquare([20_000, 21_000]).pvalue
    assert expected_p < 0.001 and r.srm.p_value == pytest.approx(expected_p, rel=1e-9)
    ev = decide_experiment(r, plan)
    v = ev.best.verdict
    assert v.verdict is Verdict.BLOCK and not ev.trusted
    srm = v.rules[0]
    assert (srm.rule, srm.kind, srm.tier, srm.outcome, srm.blocking) == (
        "sample_ratio",
        "srm",
        "safety",
        "fail",
        True,
    )
    assert f"p={expected_p:.3g}" in srm.reason and "20,000" in srm.reason
    assert "21,000" in srm.reason and "planned 50% / 50%" in srm.reason
    assert outcome(v.rules, "converted_superiority") == "pass"  # the win itself is clear


def test_every_arm_gets_its_verdict_and_the_best_decides() -> None:
    t = table(
        [
            ("converted", "control", 20_000, 0.10, P),
            ("latency_ms", "control", 20_000, 200.0, 40.0),
            ("converted", "slow", 20_000, 0.12, P),
            ("latency_ms", "slow", 20_000, 210.0, 40.0),
            ("converted", "good", 20_000, 0.12, P),
            ("latency_ms", "good", 20_000, 200.0, 40.0),
        ]
    )
    plan = plan_for(arms=("control", "slow", "good"))
    ev = decide_experiment(readout(t, plan=plan), plan)
    assert [d.treatment for d in ev.decisions] == ["slow", "good"]
    assert ev.arm("slow").verdict.verdict is Verdict.BLOCK
    assert ev.arm("good").verdict.verdict is Verdict.SHIP
    assert ev.verdict is Verdict.SHIP and ev.best.treatment == "good"
    assert ev.arm("good").comparison.candidate_run == "good"
    with pytest.raises(KeyError):
        ev.arm("nope")


def test_family_adjusted_p_value_holds_back_a_marginal_primary() -> None:
    # Primary p ≈ 0.03 and a second family member p ≈ 0.3: Holm gives the primary 0.06.
    t = table(
        [
            ("converted", "control", 5_000, 0.100, P),
            ("converted", "treatment", 5_000, 0.1127, P),
            ("spend", "control", 5_000, 10.0, 5.0),
            ("spend", "treatment", 5_000, 10.1, 5.0),
            ("latency_ms", "control", 5_000, 200.0, 40.0),
            ("latency_ms", "treatment", 5_000, 200.0, 40.0),
        ]
    )
    plan = plan_for(
        family=("converted", "spend"), secondary_metrics=("spend",), sample_size_per_arm=5_000
    )
    r = readout(t, plan=plan)
    raw = [r.lift("converted").p_value, r.lift("spend").p_value]
    assert raw[0] < 0.05 and raw[1] > 0.05
    holm = multipletests(raw, method="holm")[1]
    v = decide_experiment(r, plan).best.verdict
    fam = next(o for o in v.rules if o.rule == "primary_family_adjusted")
    assert holm[0] >= 0.05 and f"adjusted p={holm[0]:.3g}" in fam.reason
    assert fam.outcome == "inconclusive" and fam.blocking
    assert outcome(v.rules, "converted_superiority") == "pass"
    assert v.verdict is Verdict.INCONCLUSIVE


def test_a_user_policy_judges_instead_of_the_plans() -> None:
    text = """
name: strict
confidence: 0.95
rules:
  quality:
    - name: conversion_up_two_points
      metric: converted
      kind: non_inferiority
      margin: 0.001
"""
    r = readout(data(300, 300))
    ev = decide_experiment(r, policy=text)
    v = ev.best.verdict
    assert v.policy == "strict" and v.rules[0].rule == "sample_ratio"
    assert outcome(v.rules, "conversion_up_two_points") == "inconclusive"
    with pytest.raises(GateError, match="confidence"):
        decide_experiment(readout(data(), confidence=0.9), policy=text)
    with pytest.raises(ParameterError, match="'policy' parameter of decide_experiment"):
        decide_experiment(r)


def test_the_memo_carries_the_srm_and_deviation_reasons() -> None:
    plan = plan_for()
    r = readout(data(20_000, 21_000), plan=plan, cuped=False, confidence=0.9)
    d = decide_experiment(r, plan, policy=plan_policy(plan).model_copy(update={"confidence": 0.9}))
    memo = render_memo(d.best.comparison, d.best.verdict)
    assert "sample-ratio mismatch" in memo and "significance level changed" in memo
    assert "BLOCK" in memo
    assert d.to_dict()["arms"][0]["verdict"]["verdict"] == "BLOCK"
