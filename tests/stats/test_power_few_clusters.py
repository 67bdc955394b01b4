"""The paired t power at one degree of freedom (a slice of two clusters): scipy's noncentral t
cdf is NaN deep in the lower tail there, which once made a comparison fail."""

from __future__ import annotations

import math

import pytest
from statsmodels.stats.power import TTestPower

from assay.stats import minimum_detectable_effect, paired_t_power


@pytest.mark.parametrize("alpha", [0.05, 0.025, 0.01])
@pytest.mark.parametrize("n", [2, 3])
def test_minimum_detectable_effect_at_few_units_has_the_asked_power(n: int, alpha: float) -> None:
    effect = minimum_detectable_effect(n, 1.0, alpha=alpha, power=0.8)
    assert math.isfinite(effect) and effect > 0
    # independent reference: the upper tail alone (statsmodels, one-sided at alpha / 2); the
    # lower tail of a two-sided test adds at most the central t's alpha / 2 times a tiny factor
    upper = TTestPower().power(effect, n, alpha / 2, alternative="larger")
    assert upper == pytest.approx(0.8, abs=1e-6)
    assert paired_t_power(n, effect, 1.0, alpha=alpha) == pytest.approx(0.8, abs=1e-9)
