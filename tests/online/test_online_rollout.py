"""The staged rollout plan: durations against closed-form sample sizes, gates, serialisation."""

from __future__ import annotations

import json
import math

import pyarrow as pa
import pytest
from scipy import stats

from assay.errors import ConfigError, ParameterError
from assay.online import (
    ExperimentPlan,
    Guardrail,
    MetricBaseline,
    RolloutPlan,
    baselines_from_readout,
    design_from_plan,
    plan_policy,
    readout,
    rollout_markdown,
    rollout_plan,
)

# These plans are sized at small traffic on purpose; how long they take is asserted, and the
# warning about it is tested in test_online_ab_cli.py.
pytestmark = pytest.mark.filterwarnings("ignore::assay.errors.UnderpoweredWarning")

ALPHA, POWER, T = 0.05, 0.8, 3_000.0
ZZ = stats.norm.ppf(1 - ALPHA / 2) + stats.norm.ppf(POWER)


def plan_for(**changes: object) -> ExperimentPlan:
    base: dict[str, object] = {
        "name": "ranker",
        "hypothesis": "h",
        "primary_metric": "converted",
        "mde": 0.05,
        "guardrails": (
            Guardrail("latency_ms", 0.02, higher_is_better=False),
            Guardrail("retained", 0.01),
        ),
        "daily_traffic": T,
    }
    return ExperimentPlan(**(base | changes))  # type: ignore[arg-type]


BASELINES = {
    "latency_ms": MetricBaseline(kind="mean", baseline=200.0, sd=40.0),
    "retained": MetricBaseline(kind="proportion", baseline=0.4),
}


def closed_units(var_c: float, var_t: float, delta: float, share: float) -> int:
    """Units of both groups for a two-sample z test: n_c = (z+z)²(σc² + σt²/r)/δ², r = s/(1−s)."""
    r = share / (1 - share)
    n_c = ZZ**2 * (var_c + var_t / r) / delta**2
    return math.ceil(n_c) + math.ceil(n_c * r)


def check(units: int, days: int, expected: int) -> None:
    # The solver counts the far tail of the two-sided test too (a power of about 1e-6), so
    # it may need a few millionths fewer units than the closed form.
    slack = 2 + 1e-5 * expected
    assert 0 <= expected - units <= slack
    assert days == math.ceil(units / T - 1e-9)
    assert (days - 1) * T < expected <= days * T + slack


def test_guardrail_durations_are_the_closed_form_sample_sizes() -> None:
    rp = rollout_plan(plan_for(), baselines=BASELINES)
    partial = [s for s in rp.steps if s.stage in ("canary", "ramp")]
    assert [s.traffic_share for s in partial] == [0.01, 0.05, 0.2, 0.5]
    for step in partial:
        s = step.traffic_share
        lat, ret = step.sizing[:2]
        assert (lat.metric, lat.role, ret.metric) == ("latency_ms", "guardrail", "retained")
        assert lat.effect == pytest.approx(4.0)  # 2% of 200 ms, a rise
        check(lat.units, lat.days, closed_units(40.0**2, 40.0**2, 4.0, s))
        p1, p2 = 0.4, 0.4 * (1 - 0.01)  # a 1% relative drop of the retention rate
        assert ret.effect == pytest.approx(p2 - p1)
        check(ret.units, ret.days, closed_units(p1 * (1 - p1), p2 * (1 - p2), p2 - p1, s))
        top = max(step.sizing, key=lambda z: z.days)
        assert step.min_days == max(top.days, 1) and step.sized_by == top.metric


def test_the_decision_step_is_also_sized_for_the_primary_mde() -> None:
    plan = plan_for()
    design = design_from_plan(plan, kind="proportion", baseline=0.1)
    assert design.sample_size.mde_absolute == pytest.approx(0.005)
    rp = rollout_plan(plan, design, baselines=BASELINES)
    decision = rp.steps[-2]
    assert decision.name == "ramp 50%" and "decision step" in decision.notes[0]
    (primary,) = [z for z in decision.sizing if z.role == "primary"]
    check(primary.units, primary.days, closed_units(0.09, 0.105 * 0.895, 0.005, 0.5))
    # At a 50/50 split the step needs exactly the design's units.
    assert primary.units == design.sample_size.n_total
    assert decision.min_days == max(z.days for z in decision.sizing)
    assert all(z.role == "guardrail" for s in rp.steps[:-2] for z in s.sizing)


def test_stages_durations_and_criteria() -> None:
    plan = plan_for()
    lat = {"latency_ms": BASELINES["latency_ms"]}
    rp = rollout_plan(plan, baselines=lat, shadow_days=5, min_step_days=3)
    assert [s.stage for s in rp.steps] == ["shadow", "canary", "ramp", "ramp", "ramp", "full"]
    assert [s.name for s in rp.steps][:2] == ["shadow", "canary 1%"]
    shadow, full = rp.steps[0], rp.steps[-1]
    assert (shadow.traffic_share, shadow.min_days, full.min_days) == (0.0, 5, None)
    assert all((s.min_days or 0) >= 3 for s in rp.steps[1:-1])
    floored = [s for s in rp.steps[1:-1] if max(z.days for z in s.sizing) < 3]
    assert floored and all(s.min_days == 3 and s.sized_by is None for s in floored)
    assert rp.total_min_days == sum(s.min_days or 0 for s in rp.steps)
    policy_rules = {r.name for _, _, r in plan_policy(plan).tiered()}
    ramp = rp.steps[2]
    entry = {c.rule for c in ramp.entry}
    assert {"sample_ratio", "error_rate", "duration"} <= entry
    assert {"latency_ms_non_inferiority", "retained_non_inferiority"} <= entry
    assert {c.rule for c in ramp.rollback} == {
        "latency_ms_non_inferiority",
        "retained_non_inferiority",
        "sample_ratio",
        "error_rate",
    }
    full_rules = {c.rule for c in full.entry}
    assert policy_rules <= full_rules  # every gate of the plan's policy guards the full rollout
    assert "canary 1%" not in {c.text for c in rp.steps[1].entry}
    assert any("shadow" in c.text for c in rp.steps[1].entry)


def test_a_sequential_plan_needs_at_least_as_long() -> None:
    fixed = rollout_plan(plan_for(), baselines=BASELINES)
    seq = rollout_plan(plan_for(sequential=True), baselines=BASELINES)
    for a, b in zip(fixed.steps, seq.steps, strict=True):
        assert (b.min_days or 0) >= (a.min_days or 0)
    assert seq.sequential and "always-valid" in seq.steps[1].rollback[0].text


def test_rollout_plan_serialises_and_renders() -> None:
    rp = rollout_plan(plan_for(), design_from_plan(plan_for(), baseline=0.1), baselines=BASELINES)
    back = RolloutPlan.model_validate(json.loads(json.dumps(rp.to_dict())))
    assert back == rp
    text = rollout_markdown(rp)
    assert text.startswith("## Staged rollout plan")
    for s in rp.steps:
        days = "—" if s.min_days is None else f"{s.min_days} day(s)"
        assert f"| {s.name} |" in text and days in text
    assert f"At least {rp.total_min_days} day(s)" in text


def test_guardrails_without_a_baseline_are_noted_not_sized() -> None:
    rp = rollout_plan(plan_for(), baselines={"retained": BASELINES["retained"]})
    assert rp.notes[0] == "guardrail 'latency_ms' is not sized: no baseline given"
    assert "no design given" in rp.notes[1]
    assert all(z.metric == "retained" for s in rp.steps for z in s.sizing)


def test_baselines_from_a_readout() -> None:
    t = pa.table(
        {
            "metric": ["retained", "retained", "latency_ms", "latency_ms"],
            "arm": ["control", "treatment"] * 2,
            "n": [10_000] * 4,
            "sum": [4000.0, 4100.0, 2e6, 2e6],
            "sum_squares": [4000.0, 4100.0, 9_999 * 1600.0 + 4e8, 9_999 * 1600.0 + 4e8],
        }
    )
    got = baselines_from_readout(readout(t))
    assert got["retained"] == MetricBaseline(kind="proportion", baseline=0.4)
    assert got["latency_ms"].kind == "mean" and got["latency_ms"].baseline == pytest.approx(200)
    assert got["latency_ms"].sd == pytest.approx(40.0, rel=1e-3)


@pytest.mark.parametrize(
    ("kwargs", "parameter"),
    [
        ({"steps": (0.05, 0.01, 1.0)}, "steps"),
        ({"steps": (0.01, 0.5)}, "steps"),
        ({"steps": (1.0,)}, "steps"),
        ({"shadow_days": -1}, "shadow_days"),
        ({"max_error_rate": 0.0}, "max_error_rate"),
        ({"treatment": "control"}, "treatment"),
    ],
)
def test_bad_arguments_say_which(kwargs: dict[str, object], parameter: str) -> None:
    with pytest.raises(ParameterError, match=f"'{parameter}' parameter of rollout_plan"):
        rollout_plan(plan_for(), **kwargs)  # type: ignore[arg-type]


def test_traffic_comes_from_the_plan_or_the_caller() -> None:
    with pytest.raises(ParameterError, match="'daily_traffic'"):
        rollout_plan(plan_for(daily_traffic=None), baselines=BASELINES)
    a = rollout_plan(plan_for(daily_traffic=None), daily_traffic=T, baselines=BASELINES)
    assert a == rollout_plan(plan_for(), baselines=BASELINES).model_copy(
        update={"experiment": a.experiment}
    )
    with pytest.raises(ParameterError, match="'plan' parameter of design_from_plan"):
        design_from_plan(plan_for(mde=0.0), baseline=0.1)
    with pytest.raises(ConfigError, match="'sd' parameter of MetricBaseline"):
        MetricBaseline(kind="mean", baseline=1.0)
    with pytest.raises(ConfigError, match="'baseline' parameter of MetricBaseline"):
        MetricBaseline(kind="proportion", baseline=1.2)
