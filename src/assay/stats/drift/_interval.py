"""Intervals for drift distances: the Poisson bootstrap over binned counts.

Giving every row an independent Poisson(1) weight and summing the weights per bin is the same
as drawing each bin's count from Poisson(its count): so resampling ``(B, k)`` Poisson counts is
the row-level Poisson bootstrap of any statistic computed from the bins, exactly, at the cost
of ``B x k`` draws. Both windows are resampled independently (they are independent samples).

Distances are biased upward in finite samples (noise alone moves two histograms apart), so the
interval is the *basic* (reverse-percentile) bootstrap interval
``[2 t - q_hi, 2 t - q_lo]``, which removes that bias once, clipped at the distance's range.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

__all__ = ["DriftMeasure", "poisson_bootstrap_interval", "poisson_resamples"]

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class DriftMeasure:
    """One drift distance of one column, with its interval."""

    name: str
    """``"wasserstein"`` (normalised), ``"psi"``, ``"js"`` or ``"ks"``."""
    estimate: float
    """The distance between the two windows as observed."""
    low: float
    """Lower bound of the interval."""
    high: float
    """Upper bound of the interval."""
    confidence: float
    """Confidence level of the interval."""
    method: str
    """How the distance and its interval were computed, in words."""
    resamples: int | None = None
    """Bootstrap resamples (``None`` for an analytic interval)."""
    seed: int | None = None
    """Seed of the resampling when given as an integer."""


def poisson_resamples(
    counts: npt.ArrayLike, resamples: int, rng: np.random.Generator
) -> FloatArray:
    """``(resamples, k)`` Poisson bootstrap counts of one window's bins."""
    c = np.asarray(counts, dtype=np.float64)
    out: FloatArray = rng.poisson(c, size=(resamples, c.size)).astype(np.float64)
    return out


def poisson_bootstrap_interval(
    statistic: Callable[[FloatArray, FloatArray], FloatArray],
    ref_counts: npt.ArrayLike,
    cur_counts: npt.ArrayLike,
    *,
    confidence: float,
    resamples: int,
    rng: np.random.Generator,
    bounds: tuple[float, float] = (0.0, np.inf),
    draws: tuple[FloatArray, FloatArray] | None = None,
) -> tuple[float, float, float]:
    """``(estimate, low, high)`` of ``statistic(ref_counts, cur_counts)``, basic interval.

    ``draws`` passes resampled counts already drawn (one set shared by every distance of a
    column, as every resampling in assay shares its weights across statistics).
    """
    r = np.asarray(ref_counts, dtype=np.float64)
    c = np.asarray(cur_counts, dtype=np.float64)
    estimate = float(statistic(r, c))
    if draws is None:
        draws = (poisson_resamples(r, resamples, rng), poisson_resamples(c, resamples, rng))
    values = statistic(*draws)
    values = values[np.isfinite(values)]
    if values.size == 0 or not np.isfinite(estimate):
        return estimate, float("nan"), float("nan")
    alpha = 1.0 - confidence
    q_lo, q_hi = np.quantile(values, [alpha / 2.0, 1.0 - alpha / 2.0])
    low = float(np.clip(2.0 * estimate - q_hi, *bounds))
    high = float(np.clip(2.0 * estimate - q_lo, *bounds))
    return estimate, low, max(low, high)
