"""Power and planning: statsmodels and closed forms, simulated power, round trips, edges."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
from scipy import stats
from statsmodels.stats.power import TTestPower

from assay.errors import ParameterError
from assay.stats import (
    mcnemar_mde,
    mcnemar_power,
    mcnemar_sample_size,
    mcnemar_test,
    minimum_detectable_effect,
    paired_mean_difference,
    paired_t_power,
    required_sample_size,
)

GOLDEN = json.loads((Path(__file__).parents[1] / "golden" / "stats_a_reference.json").read_text())
SIDES = {"two-sided": "two-sided", "one-sided": "larger"}


# --- paired t: reference values ------------------------------------------------------------


@pytest.mark.parametrize("alternative", ["two-sided", "one-sided"])
@pytest.mark.parametrize("n", [5, 20, 200])
def test_mde_matches_statsmodels_ttest_power(n: int, alternative: str) -> None:
    ours = minimum_detectable_effect(n, 2.5, alpha=0.05, power=0.8, alternative=alternative)  # type: ignore[arg-type]
    ref = TTestPower().solve_power(nobs=n, alpha=0.05, power=0.8, alternative=SIDES[alternative])
    assert ours == pytest.approx(2.5 * ref, rel=1e-5)  # statsmodels' solver stops earlier
    sm_power = TTestPower().power(
        effect_size=ours / 2.5, nobs=n, alpha=0.05, alternative=SIDES[alternative]
    )
    assert sm_power == pytest.approx(0.8, abs=1e-9)
    assert paired_t_power(n, ours, 2.5, alternative=alternative) == pytest.approx(0.8, abs=1e-9)  # type: ignore[arg-type]


@pytest.mark.parametrize(("effect", "n"), [(0.2, 50), (0.5, 34), (1.0, 8)])
def test_power_matches_statsmodels(effect: float, n: int) -> None:
    ref = TTestPower().power(effect_size=effect, nobs=n, alpha=0.05, alternative="two-sided")
    assert paired_t_power(n, effect * 3.0, 3.0) == pytest.approx(ref, rel=1e-10)


@pytest.mark.parametrize("effect", [0.1, 0.35, 0.8, 1.5])
def test_required_sample_size_is_the_smallest_n_reaching_power(effect: float) -> None:
    n = required_sample_size(effect, 1.0, power=0.9)
    ref = TTestPower().solve_power(effect_size=effect, alpha=0.05, power=0.9)
    assert n == math.ceil(ref)
    assert paired_t_power(n, effect, 1.0) >= 0.9 > paired_t_power(n - 1, effect, 1.0)


def test_large_n_agrees_with_the_normal_closed_form() -> None:
    n, sd = 100_000, 0.4
    closed = (stats.norm.ppf(0.975) + stats.norm.ppf(0.8)) * sd / math.sqrt(n)
    assert minimum_detectable_effect(n, sd) == pytest.approx(closed, rel=1e-4)


def test_clusters_set_degrees_of_freedom_and_the_design_effect_scales_n() -> None:
    n, g, deff = 120, 6, 3.0
    mde = minimum_detectable_effect(n, 1.0, n_clusters=g, design_effect=deff)
    # Independent check with scipy's noncentral t: df = G - 1, noncentrality on n / deff.
    crit = stats.t.ppf(0.975, g - 1)
    nc = mde * math.sqrt(n / deff)
    power = stats.nct.sf(crit, g - 1, nc) + stats.nct.cdf(-crit, g - 1, nc)
    assert power == pytest.approx(0.8, abs=1e-8)
    assert mde > minimum_detectable_effect(n, 1.0, design_effect=deff)
    assert minimum_detectable_effect(n, 1.0, design_effect=deff) > minimum_detectable_effect(n, 1.0)
    plain = required_sample_size(0.05, 1.0)
    assert required_sample_size(0.05, 1.0, design_effect=2.0) == pytest.approx(2 * plain, rel=0.01)
    assert required_sample_size(0.05, 1.0, design_effect=2.0, cluster_size=500) > 2 * plain


def test_mde_and_required_sample_size_are_inverse() -> None:
    for n in (10, 87, 1500):
        mde = minimum_detectable_effect(n, 1.7)
        assert required_sample_size(mde * (1 + 1e-9), 1.7) == n
        assert required_sample_size(mde * (1 - 1e-6), 1.7) == n + 1


def test_planned_paired_sample_reaches_its_power_by_simulation() -> None:
    n = required_sample_size(0.5, 1.0)
    planned = paired_t_power(n, 0.5, 1.0)
    rng = np.random.default_rng(41)
    base = rng.normal(size=(4000, n))
    cand = base + rng.normal(0.5, 1.0, size=(4000, n))
    rate = np.mean(
        [paired_mean_difference(b, c).p_value < 0.05 for b, c in zip(base, cand, strict=True)]
    )
    assert rate >= 0.8 - 0.015 and abs(rate - planned) < 0.015


# --- McNemar planning --------------------------------------------------------------------


@pytest.mark.parametrize("case", GOLDEN["connor_1987"])
def test_mcnemar_sample_size_matches_connor_1987(case: dict[str, float | str]) -> None:
    n = mcnemar_sample_size(
        float(case["p_baseline_only"]),
        float(case["p_candidate_only"]),
        alpha=float(case["alpha"]),
        power=float(case["power"]),
        alternative=case["alternative"],  # type: ignore[arg-type]
    )
    assert n == case["n"]


@pytest.mark.parametrize(("pb", "pc"), [(0.1, 0.2), (0.05, 0.15), (0.3, 0.1)])
def test_mcnemar_planned_n_reaches_power_by_simulation(pb: float, pc: float) -> None:
    n = mcnemar_sample_size(pb, pc)
    assert mcnemar_power(n, pb, pc) >= 0.8 > mcnemar_power(n - 1, pb, pc)
    counts = np.random.default_rng(42).multinomial(n, [pb, pc, 1 - pb - pc], size=4000)
    rejected = []
    for b_only, c_only, _ in counts:
        rest = np.zeros(n - b_only - c_only)
        base = np.r_[np.ones(b_only), np.zeros(c_only), rest]
        cand = np.r_[np.zeros(b_only), np.ones(c_only), rest]
        rejected.append(mcnemar_test(base, cand, method="asymptotic").p_value < 0.05)
    # Connor's formula is a normal approximation and errs on the safe side: the planned n
    # reaches the stated power (within simulation error) without overshooting by much.
    assert 0.8 - 0.015 <= np.mean(rejected) <= 0.8 + 0.03


def test_mcnemar_mde_inverts_the_sample_size() -> None:
    for n, psi in ((234, 0.3), (60, 0.5), (1000, 0.05)):
        for power in (0.8, 0.3):
            delta = mcnemar_mde(n, psi, power=power)
            pb, pc = (psi - delta) / 2, (psi + delta) / 2
            assert mcnemar_power(n, pb, pc) == pytest.approx(power, abs=1e-9)


def test_mcnemar_design_effect_multiplies_n() -> None:
    n1 = mcnemar_sample_size(0.1, 0.2)
    n2 = mcnemar_sample_size(0.1, 0.2, design_effect=2.0)
    assert n2 in (2 * n1 - 1, 2 * n1)
    assert mcnemar_mde(200, 0.3, design_effect=2.0) == pytest.approx(mcnemar_mde(100, 0.3))


# --- degenerate inputs ---------------------------------------------------------------------


def test_nothing_is_detectable_from_one_unit_or_one_cluster() -> None:
    assert minimum_detectable_effect(1, 1.0) == math.inf
    assert minimum_detectable_effect(0, 1.0) == math.inf
    assert minimum_detectable_effect(50, 1.0, n_clusters=1) == math.inf
    assert mcnemar_mde(3, 0.01) == math.inf


@pytest.mark.parametrize(
    ("call", "parameter"),
    [
        (lambda: minimum_detectable_effect(10, 0.0), "sd_of_differences"),
        (lambda: minimum_detectable_effect(10, 1.0, power=0.04), "power"),
        (lambda: minimum_detectable_effect(10, 1.0, n_clusters=11), "n_clusters"),
        (lambda: minimum_detectable_effect(10, 1.0, alternative="greater"), "alternative"),
        (lambda: required_sample_size(0.0, 1.0), "effect"),
        (lambda: required_sample_size(0.1, 1.0, design_effect=-1.0), "design_effect"),
        (lambda: paired_t_power(1, 0.1, 1.0), "n"),
        (lambda: mcnemar_sample_size(0.2, 0.2), "p_candidate_only"),
        (lambda: mcnemar_sample_size(0.6, 0.5), "p_candidate_only"),
        (lambda: mcnemar_sample_size(-0.1, 0.5), "p_baseline_only"),
        (lambda: mcnemar_mde(100, 0.0), "discordance"),
    ],
)
def test_bad_parameters_name_the_parameter(call: object, parameter: str) -> None:
    with pytest.raises(ParameterError, match=f"The '{parameter}' parameter of "):
        call()  # type: ignore[operator]
