"""The normal-mixture SPRT: closed forms, numerical integration of the mixture, properties."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import integrate, stats

from assay.errors import ParameterError
from assay.stats import msprt_interval, msprt_p_value


def _mixture_lr(est: float, se: float, tau: float, one_sided: bool) -> float:
    """Λ by integrating the likelihood ratio over the (half-)normal mixture numerically."""

    def integrand(theta: float) -> float:
        prior = stats.norm.pdf(theta, 0.0, tau) * (2.0 if one_sided else 1.0)
        return float(prior * math.exp((theta * est - theta**2 / 2) / se**2))

    lo = 0.0 if one_sided else -12 * tau
    return float(integrate.quad(integrand, lo, 12 * tau, epsabs=0, epsrel=1e-11, limit=200)[0])


@pytest.mark.parametrize(
    ("est", "se", "tau"), [(0.1, 0.05, 0.2), (-0.03, 0.02, 0.05), (0.0, 1.0, 3.0)]
)
def test_p_value_is_one_over_the_integrated_mixture_ratio(
    est: float, se: float, tau: float
) -> None:
    two = _mixture_lr(est, se, tau, one_sided=False)
    assert float(msprt_p_value(est, se, tau)) == pytest.approx(min(1.0, 1 / two), rel=1e-8)
    greater = _mixture_lr(est, se, tau, one_sided=True)
    assert float(msprt_p_value(est, se, tau, "greater")) == pytest.approx(
        min(1.0, 1 / greater), rel=1e-8
    )
    less = _mixture_lr(-est, se, tau, one_sided=True)
    assert float(msprt_p_value(est, se, tau, "less")) == pytest.approx(min(1.0, 1 / less), rel=1e-8)


@pytest.mark.parametrize("alternative", ["two-sided", "greater", "less"])
def test_interval_bounds_are_where_the_test_starts_to_reject(alternative: str) -> None:
    est, se, tau = 0.4, 0.1, 0.3
    lo, hi = msprt_interval(est, se, tau, 0.9, alternative)  # type: ignore[arg-type]
    for bound in (float(lo), float(hi)):
        if math.isinf(bound):
            continue
        # Testing theta_0 = bound is testing est - bound = 0: p equals alpha exactly there.
        assert float(msprt_p_value(est - bound, se, tau, alternative)) == pytest.approx(
            0.1, rel=1e-9
        )  # type: ignore[arg-type]
    if alternative == "greater":
        assert math.isinf(float(hi)) and float(hi) > 0
    if alternative == "less":
        assert math.isinf(float(lo)) and float(lo) < 0


def test_one_sided_bound_is_tighter_than_two_sided() -> None:
    lo2, _ = msprt_interval(0.0, 0.1, 0.2)
    lo1, _ = msprt_interval(0.0, 0.1, 0.2, alternative="greater")
    assert float(lo2) < float(lo1) < 0


def test_vectorised_over_looks_and_wider_than_fixed() -> None:
    n = np.arange(100, 3001, 100)
    se = np.sqrt(2.0 / n)
    lo, hi = msprt_interval(np.zeros(n.size), se, 0.1)
    assert lo.shape == n.shape and np.all(np.diff(hi) < 0)
    assert np.all(hi > 1.959964 * se)
    assert np.all(msprt_p_value(np.zeros(n.size), se, 0.1) == 1.0)


def test_bad_parameters() -> None:
    with pytest.raises(ParameterError, match="'se' parameter of msprt_p_value"):
        msprt_p_value(0.1, 0.0, 0.1)
    with pytest.raises(ParameterError, match="'tau' parameter of msprt_interval"):
        msprt_interval(0.1, 0.1, -1.0)
    with pytest.raises(ParameterError, match="'alternative'"):
        msprt_p_value(0.1, 0.1, 0.1, "both")  # type: ignore[arg-type]
    with pytest.raises(ParameterError, match="'confidence'"):
        msprt_interval(0.1, 0.1, 0.1, confidence=95)
