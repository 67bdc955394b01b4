"""A/B design: statsmodels power functions, Dunnett's table, round trips, simulation, edges."""

from __future__ import annotations

import itertools
import json
import math
from pathlib import Path

import numpy as np
import pytest
from scipy import stats
from statsmodels.stats.power import NormalIndPower

from assay.errors import ParameterError
from assay.stats import ab_mde_by_week, ab_sample_size, dunnett_critical_value, msprt_p_value

GOLDEN = json.loads((Path(__file__).parents[1] / "golden" / "online_reference.json").read_text())


@pytest.mark.parametrize(
    "case", GOLDEN["design"], ids=lambda c: f"{c['kind']}-{c.get('method', c.get('distribution'))}"
)
def test_sample_size_matches_statsmodels(case: dict) -> None:
    kwargs: dict = {
        "mde": case["mde"],
        "alpha": case["alpha"],
        "power": case["power"],
        "alternative": case["alternative"],
    }
    if case["kind"] == "mean":
        kwargs |= {"sd": case["sd"], "ratio": case["ratio"], "distribution": case["distribution"]}
    else:
        kwargs |= {
            "kind": "proportion",
            "baseline": case["baseline"],
            "proportion_method": case["method"],
        }
    plan = ab_sample_size(**kwargs)
    assert plan.n_per_arm_unrounded == pytest.approx(case["statsmodels_n"], rel=1e-6)
    assert plan.n_per_arm == math.ceil(case["statsmodels_n"] - 1e-7)
    assert plan.n_treatment_per_arm == math.ceil(plan.n_per_arm_unrounded * plan.ratio - 1e-9)


@pytest.mark.parametrize("rho", [0.3, 0.7, 0.95])
def test_cuped_scales_the_variance_by_one_minus_rho_squared(rho: float) -> None:
    plain = ab_sample_size(mde=0.05, sd=2.0)
    cuped = ab_sample_size(mde=0.05, sd=2.0, cuped_correlation=rho)
    assert cuped.n_per_arm_unrounded == pytest.approx(
        plain.n_per_arm_unrounded * (1 - rho**2), rel=1e-9
    )
    ref = NormalIndPower().solve_power(0.05 / (2.0 * math.sqrt(1 - rho**2)), alpha=0.05, power=0.8)
    assert cuped.n_per_arm_unrounded == pytest.approx(ref, rel=1e-6)
    assert cuped.variance_factor == pytest.approx(1 - rho**2)


def test_relative_mde_is_a_fraction_of_the_baseline() -> None:
    rel = ab_sample_size(mde=0.1, relative=True, kind="proportion", baseline=0.2)
    ab = ab_sample_size(mde=0.02, kind="proportion", baseline=0.2)
    assert rel.n_per_arm == ab.n_per_arm
    assert rel.mde_absolute == pytest.approx(0.02) and rel.mde_relative == pytest.approx(0.1)


@pytest.mark.parametrize("arms", [3, 4, 6])
def test_bonferroni_divides_alpha_by_the_comparisons(arms: int) -> None:
    plan = ab_sample_size(mde=0.1, sd=1.0, arms=arms)
    ref = NormalIndPower().solve_power(0.1, alpha=0.05 / (arms - 1), power=0.8)
    assert plan.n_per_arm_unrounded == pytest.approx(ref, rel=1e-6)
    assert plan.alpha_per_comparison == pytest.approx(0.05 / (arms - 1))
    assert plan.n_total == plan.n_per_arm + (arms - 1) * plan.n_treatment_per_arm


@pytest.mark.parametrize("k", ["2", "3", "4", "5"])
def test_dunnett_critical_values_match_dunnetts_table(k: str) -> None:
    assert dunnett_critical_value(int(k)) == pytest.approx(
        GOLDEN["dunnett_two_sided_0.05"][k], abs=0.006
    )
    if k in GOLDEN["dunnett_one_sided_0.05"]:
        one = dunnett_critical_value(int(k), alternative="greater")
        assert one == pytest.approx(GOLDEN["dunnett_one_sided_0.05"][k], abs=0.006)


@pytest.mark.parametrize("rho", [0.5, 2 / 3])
def test_dunnett_critical_value_by_simulation(rho: float) -> None:
    rng = np.random.default_rng(3)
    shared = rng.standard_normal((400_000, 1))
    z = math.sqrt(rho) * shared + math.sqrt(1 - rho) * rng.standard_normal((400_000, 3))
    c = dunnett_critical_value(3, 0.05, correlation=rho)
    assert np.mean(np.abs(z).max(axis=1) > c) == pytest.approx(0.05, abs=0.002)


def test_dunnett_lies_between_unadjusted_and_bonferroni() -> None:
    plain = ab_sample_size(mde=0.1, sd=1.0, arms=4, adjustment="none")
    dun = ab_sample_size(mde=0.1, sd=1.0, arms=4, adjustment="dunnett")
    bon = ab_sample_size(mde=0.1, sd=1.0, arms=4, adjustment="bonferroni")
    assert plain.n_per_arm < dun.n_per_arm < bon.n_per_arm
    assert dun.critical_value == pytest.approx(dunnett_critical_value(3), abs=1e-6)
    assert dunnett_critical_value(1) == pytest.approx(stats.norm.isf(0.025))


def test_days_come_from_daily_traffic() -> None:
    plan = ab_sample_size(mde=0.1, sd=1.0, daily_traffic=1000, traffic_fraction=0.5)
    assert plan.days == math.ceil(plan.n_total / 500)
    assert ab_sample_size(mde=0.1, sd=1.0).days is None


def _horizon_power(delta: float, var: float, tau: float, alpha: float) -> float:
    # Closed-form two-sided mSPRT boundary (Johari et al. 2017), written out independently.
    w = math.sqrt(
        var * (var + tau**2) / tau**2 * (2 * math.log(1 / alpha) + math.log((var + tau**2) / var))
    )
    s = math.sqrt(var)
    return float(stats.norm.cdf((delta - w) / s) + stats.norm.cdf((-delta - w) / s))


@pytest.mark.parametrize(("tau", "sd"), [(None, 1.0), (0.05, 2.0), (0.5, 1.0)])
def test_sequential_horizon_reaches_the_power_at_the_last_look(
    tau: float | None, sd: float
) -> None:
    plan = ab_sample_size(mde=0.1, sd=sd, sequential=True, tau=tau)
    var = 2 * sd**2 / plan.n_per_arm_unrounded
    tau_abs = (tau if tau is not None else 0.1 / sd) * sd
    assert _horizon_power(0.1, var, tau_abs, 0.05) == pytest.approx(0.8, abs=1e-7)
    assert plan.inflation > 1 and plan.n_per_arm > plan.n_fixed_horizon
    assert plan.tau == pytest.approx(tau if tau is not None else 0.1 / sd)


def test_sequential_power_by_simulation() -> None:
    plan = ab_sample_size(mde=0.2, sd=1.0, sequential=True)
    n = plan.n_per_arm
    rng = np.random.default_rng(11)
    diff = rng.normal(0.2, math.sqrt(2 / n), 6000)
    p = msprt_p_value(diff, math.sqrt(2 / n), plan.tau)
    assert np.mean(p <= 0.05) == pytest.approx(0.8, abs=0.02)


def test_fixed_design_power_by_simulation() -> None:
    plan = ab_sample_size(mde=0.25, sd=1.0)
    n = plan.n_per_arm
    rng = np.random.default_rng(5)
    c = rng.normal(0.0, 1.0, (3000, n))
    t = rng.normal(0.25, 1.0, (3000, n))
    z = (t.mean(1) - c.mean(1)) / np.sqrt(t.var(1, ddof=1) / n + c.var(1, ddof=1) / n)
    assert np.mean(np.abs(z) > 1.959964) == pytest.approx(0.8, abs=0.025)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"sd": 1.5},
        {"sd": 1.5, "distribution": "t"},
        {"sd": 1.5, "arms": 3, "adjustment": "dunnett"},
        {"sd": 1.5, "sequential": True, "tau": 0.05},
        {"kind": "proportion", "baseline": 0.1},
        {"kind": "proportion", "baseline": 0.1, "proportion_method": "arcsine"},
        {"kind": "proportion", "baseline": 0.3, "sequential": True, "tau": 0.02},
        {"sd": 1.0, "alternative": "greater", "cuped_correlation": 0.5, "ratio": 2.0},
    ],
)
def test_mde_by_week_inverts_the_sample_size(kwargs: dict) -> None:
    rows = ab_mde_by_week(daily_traffic=700, weeks=4, **kwargs)
    assert [r.weeks for r in rows] == [1, 2, 3, 4]
    assert all(a.mde_absolute > b.mde_absolute for a, b in itertools.pairwise(rows))
    ratio = kwargs.get("ratio", 1.0)
    arms = kwargs.get("arms", 2)
    for row in rows:
        plan = ab_sample_size(mde=row.mde_absolute, **kwargs)
        n_c = 700 * 7 * row.weeks / (1 + (arms - 1) * ratio)
        assert plan.n_per_arm_unrounded == pytest.approx(n_c, rel=1e-6)


def test_unreachable_proportion_effect_is_nan() -> None:
    rows = ab_mde_by_week(daily_traffic=0.2, weeks=1, kind="proportion", baseline=0.5)
    assert math.isnan(rows[0].mde_absolute)


@pytest.mark.parametrize(
    ("kwargs", "parameter"),
    [
        ({"mde": 0.1, "sd": 1.0, "alpha": 1.5}, "alpha"),
        ({"mde": 0.1}, "sd"),
        ({"mde": 0.1, "sd": -1.0}, "sd"),
        ({"mde": 0.0, "sd": 1.0}, "mde"),
        ({"mde": 0.1, "kind": "proportion"}, "baseline"),
        ({"mde": 0.1, "kind": "proportion", "baseline": 0.95}, "mde"),
        ({"mde": 0.1, "sd": 1.0, "relative": True}, "baseline"),
        ({"mde": 0.1, "sd": 1.0, "arms": 1}, "arms"),
        ({"mde": 0.1, "sd": 1.0, "adjustment": "sidak"}, "adjustment"),
        (
            {"mde": 0.1, "sd": 1.0, "sequential": True, "adjustment": "dunnett", "arms": 3},
            "sequential",
        ),
        ({"mde": 0.1, "sd": 1.0, "cuped_correlation": 1.0}, "cuped_correlation"),
        ({"mde": 0.1, "kind": "proportion", "baseline": 0.1, "distribution": "t"}, "distribution"),
        ({"mde": 0.1, "sd": 1.0, "power": 0.01}, "power"),
        ({"mde": 0.1, "sd": 1.0, "daily_traffic": 0}, "daily_traffic"),
        ({"mde": 0.1, "sd": 1.0, "tau": -1.0, "sequential": True}, "tau"),
    ],
)
def test_bad_parameters_are_named(kwargs: dict, parameter: str) -> None:
    with pytest.raises(ParameterError) as info:
        ab_sample_size(**kwargs)
    assert info.value.parameter == parameter
    assert "ab_sample_size" in str(info.value)


def test_plan_states_its_method_and_parameters() -> None:
    plan = ab_sample_size(mde=0.1, sd=1.0, arms=3, adjustment="dunnett", cuped_correlation=0.5)
    assert "dunnett" in plan.method and "normal approximation" in plan.method
    assert "1-rho^2=0.75" in plan.method
    assert plan.notes
