"""The empirical-Bernstein sequence as a running state, updated with each new batch.

Every term of the predictable plug-in sequence (:func:`empirical_bernstein_confidence_sequence`)
is a running sum or a running extreme, so a look after a new batch needs only the batch and a
handful of carried numbers: O(new observations) per look instead of recomputing the whole
prefix. The carried sums enter ``np.cumsum`` as the first element of the batch, so every
partial sum is accumulated in the same order as one pass over all the observations: a sequence
built batch by batch is bit for bit the one built at once, wherever the batches are cut.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

__all__ = ["BernsteinState", "RunningBernstein", "bernstein_step"]

_FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class BernsteinState:
    """What the sequence carries from one observation to the next (on the [0, 1] scale)."""

    t: int = 0
    """Observations seen."""
    sum_x: float = 0.0
    """Sum of the observations on their own scale (the running mean's numerator)."""
    sum_z: float = 0.0
    """Sum of the rescaled observations (μ̂ without its prior 1/2)."""
    sum_sq: float = 0.0
    """Sum of squared deviations from μ̂ (σ̂² without its prior 1/4)."""
    mu: float = 0.5
    """μ̂ after the last observation (the prior 1/2 before any)."""
    var: float = 0.25
    """σ̂² after the last observation (the prior 1/4 before any)."""
    sum_lam: float = 0.0
    """Σ λ_i."""
    sum_lam_z: float = 0.0
    """Σ λ_i z_i."""
    sum_v_psi: float = 0.0
    """Σ v_i ψ_E(λ_i)."""
    low: float = -math.inf
    """The running intersection's lower bound on [0, 1] (−inf before any observation)."""
    high: float = math.inf
    """The running intersection's upper bound on [0, 1]."""


def _carry(first: float, values: _FloatArray) -> _FloatArray:
    """Running sums of ``values`` continuing from ``first``, in one left-to-right pass."""
    return np.cumsum(np.concatenate([[first], values]))[1:]


def bernstein_step(
    x: _FloatArray,
    state: BernsteinState,
    *,
    lo: float,
    span: float,
    log_term: float,
    truncation: float,
) -> tuple[_FloatArray, _FloatArray, _FloatArray, BernsteinState]:
    """Extend the sequence by the observations ``x``: (mean, low01, high01) at each, and the
    state after the last. ``log_term`` is log(2/α); bounds are on the [0, 1] scale."""
    z = (x - lo) / span
    t = np.arange(state.t + 1, state.t + z.size + 1, dtype=np.float64)
    sum_z = _carry(state.sum_z, z)
    mu = (0.5 + sum_z) / (t + 1.0)
    mu_prev = np.concatenate([[state.mu], mu[:-1]])
    sum_sq = _carry(state.sum_sq, (z - mu) ** 2)
    var = (0.25 + sum_sq) / (t + 1.0)
    var_prev = np.concatenate([[state.var], var[:-1]])
    lam = np.minimum(np.sqrt(2.0 * log_term / (var_prev * t * np.log1p(t))), truncation)
    v = 4.0 * (z - mu_prev) ** 2
    psi = (-np.log1p(-lam) - lam) / 4.0
    sum_lam = _carry(state.sum_lam, lam)
    sum_lam_z = _carry(state.sum_lam_z, lam * z)
    sum_v_psi = _carry(state.sum_v_psi, v * psi)
    centre = sum_lam_z / sum_lam
    radius = (log_term + sum_v_psi) / sum_lam
    low01 = np.maximum.accumulate(np.concatenate([[state.low], np.clip(centre - radius, 0, 1)]))
    high01 = np.minimum.accumulate(np.concatenate([[state.high], np.clip(centre + radius, 0, 1)]))
    sum_x = _carry(state.sum_x, x)
    after = BernsteinState(
        t=state.t + z.size,
        sum_x=float(sum_x[-1]),
        sum_z=float(sum_z[-1]),
        sum_sq=float(sum_sq[-1]),
        mu=float(mu[-1]),
        var=float(var[-1]),
        sum_lam=float(sum_lam[-1]),
        sum_lam_z=float(sum_lam_z[-1]),
        sum_v_psi=float(sum_v_psi[-1]),
        low=float(low01[-1]),
        high=float(high01[-1]),
    )
    return sum_x / t, low01[1:], high01[1:], after


class RunningBernstein:
    """The empirical-Bernstein sequence of observations in ``bounds``, fed batch by batch.

    :meth:`update` adds a batch and returns (estimate, low, high) after its last observation,
    equal to the last element of :func:`empirical_bernstein_confidence_sequence` on every
    observation so far. The observations must already be finite and within ``bounds``.
    """

    def __init__(self, confidence: float, bounds: tuple[float, float], truncation: float) -> None:
        self.confidence = confidence
        self.bounds = bounds
        self.truncation = truncation
        self.state = BernsteinState()

    def update(self, x: _FloatArray) -> tuple[float, float, float]:
        """Add the observations ``x`` (at least one); the interval after the last of them."""
        lo, hi = self.bounds
        span = hi - lo
        mean, low01, high01, self.state = bernstein_step(
            np.asarray(x, dtype=np.float64),
            self.state,
            lo=lo,
            span=span,
            log_term=math.log(2.0 / (1.0 - self.confidence)),
            truncation=self.truncation,
        )
        return float(mean[-1]), float(lo + span * low01[-1]), float(lo + span * high01[-1])
