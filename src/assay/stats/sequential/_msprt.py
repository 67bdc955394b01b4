"""The normal-mixture sequential probability ratio test (mSPRT) for A/B tests.

With an estimate θ̂ ~ N(θ, V) and a N(0, τ²) mixture over the effect, the mixture likelihood
ratio against θ = 0 is ``Λ = sqrt(V / (V + τ²)) · exp(θ̂² τ² / (2 V (V + τ²)))`` (Johari, Pekelis
and Walsh, 2017). ``min(1, 1/Λ)`` is an always-valid p-value and {θ₀ : Λ(θ̂ − θ₀) < 1/α} an
always-valid confidence sequence: the error rate holds however often the test is looked at.
One-sided tests mix over a half-normal on the effects of the stated direction.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import numpy.typing as npt

from assay._util import check_choice, check_probability
from assay.errors import ParameterError
from assay.stats._results import Alternative
from assay.stats._scipy import special

__all__ = ["boundary_z", "msprt_interval", "msprt_p_value"]

FloatArray = npt.NDArray[np.float64]
_ALTERNATIVES = ("two-sided", "greater", "less")


def _log_lambda(z: FloatArray, u: FloatArray, one_sided: bool) -> FloatArray:
    """log Λ for the standardised estimate ``z = θ̂/√V`` and ``u = τ²/V``."""
    base = -0.5 * np.log1p(u) + 0.5 * z * z * u / (1.0 + u)
    if not one_sided:
        return np.asarray(base, dtype=np.float64)
    return np.asarray(
        math.log(2.0) + base + special.log_ndtr(z * np.sqrt(u / (1.0 + u))), dtype=np.float64
    )


def boundary_z(u: Any, alpha: float, alternative: Alternative) -> FloatArray:
    """Standardised rejection boundary: reject when ``|θ̂|/√V`` (or ``±θ̂/√V``) reaches it.

    ``u = τ²/V``. The two-sided boundary has a closed form; the one-sided one is found by
    vectorised bisection (Λ is increasing in the estimate, and its root lies below the
    two-sided boundary).
    """
    u_arr = np.asarray(u, dtype=np.float64)
    log_inv_alpha = -math.log(alpha)
    two = np.sqrt((1.0 + u_arr) / u_arr * (2.0 * log_inv_alpha + np.log1p(u_arr)))
    if alternative == "two-sided":
        return np.asarray(two, dtype=np.float64)
    lo = np.zeros_like(two)
    hi = two.copy()
    for _ in range(64):
        mid = 0.5 * (lo + hi)
        above = _log_lambda(mid, u_arr, one_sided=True) >= log_inv_alpha
        hi = np.where(above, mid, hi)
        lo = np.where(above, lo, mid)
    return np.asarray(hi, dtype=np.float64)


def _check(se: Any, tau: Any, alternative: str, function: str) -> tuple[FloatArray, FloatArray]:
    check_choice(alternative, "alternative", function, _ALTERNATIVES)
    se_arr = np.asarray(se, dtype=np.float64)
    tau_arr = np.asarray(tau, dtype=np.float64)
    if np.any(~(se_arr > 0)) or np.any(~np.isfinite(se_arr)):
        raise ParameterError("se", function, "positive finite standard errors", se)
    if np.any(~(tau_arr > 0)) or np.any(~np.isfinite(tau_arr)):
        raise ParameterError("tau", function, "a positive finite mixture standard deviation", tau)
    return se_arr, tau_arr


def msprt_p_value(
    estimate: Any, se: Any, tau: Any, alternative: Alternative = "two-sided"
) -> FloatArray:
    """Always-valid p-value ``min(1, 1/Λ)`` of the normal-mixture SPRT of no effect.

    Vectorised over arrays (one element per look or per experiment). ``tau`` is the mixture
    standard deviation in the estimate's units; the result is valid at every look, and the
    running minimum over looks is valid too. Assumes a normal estimate with known standard
    error (a large-sample approximation for A/B metrics).

    Parameters
    ----------
    estimate, se:
        The estimate (e.g. treatment − control) and its standard error at each look.
    tau:
        Mixture standard deviation of the effect under the alternative.
    alternative:
        ``"two-sided"``, or ``"greater"``/``"less"`` (half-normal mixture on that side).
    """
    se_arr, tau_arr = _check(se, tau, alternative, "msprt_p_value")
    est = np.asarray(estimate, dtype=np.float64)
    z = est / se_arr
    if alternative == "less":
        z = -z
    u = tau_arr**2 / se_arr**2
    log_lam = _log_lambda(z, u, one_sided=alternative != "two-sided")
    return np.asarray(np.minimum(1.0, np.exp(-log_lam)), dtype=np.float64)


def msprt_interval(
    estimate: Any,
    se: Any,
    tau: Any,
    confidence: float = 0.95,
    alternative: Alternative = "two-sided",
) -> tuple[FloatArray, FloatArray]:
    """Always-valid confidence interval (a confidence sequence) from the normal-mixture SPRT.

    Returns ``(low, high)`` arrays; one-sided alternatives give an infinite bound. The interval
    at each look covers the true effect simultaneously over all looks with probability at least
    ``confidence``; the running intersection over looks keeps that guarantee.
    """
    conf = check_probability(confidence, "confidence", "msprt_interval")
    se_arr, tau_arr = _check(se, tau, alternative, "msprt_interval")
    est = np.asarray(estimate, dtype=np.float64)
    half = boundary_z(tau_arr**2 / se_arr**2, 1.0 - conf, alternative) * se_arr
    inf = np.full_like(half + est, np.inf)
    if alternative == "greater":
        return np.asarray(est - half, dtype=np.float64), inf
    if alternative == "less":
        return -inf, np.asarray(est + half, dtype=np.float64)
    return np.asarray(est - half, dtype=np.float64), np.asarray(est + half, dtype=np.float64)
