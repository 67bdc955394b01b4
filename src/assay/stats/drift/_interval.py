"""Intervals for drift distances: the Poisson bootstrap over binned counts.

Giving every row an independent Poisson(1) weight and summing the weights per bin is the same
as drawing each bin's count from Poisson(its count): so resampling ``(B, k)`` Poisson counts is
the row-level Poisson bootstrap of any statistic computed from the bins, exactly, at the cost
of ``B x k`` draws. Both windows are resampled independently (they are independent samples).

Distances are biased upward in finite samples (noise alone moves two histograms apart), and
the bias of a distance depends on the true distance: it is largest at 0, where the estimate
is pure noise. An interval that re-centres on the estimate (the basic interval on the distance
itself) removes a bias only when it is the same at the estimate as at the truth, so each
distance is bootstrapped on the scale where that holds:

* PSI and the *squared* Jensen-Shannon distance (the divergence) are smooth quadratic-type
  functions of the proportions whose bias barely depends on the true value. The bootstrap
  values ``t*`` scatter around ``t + b`` (``b = mean(t*) - t``) while ``t`` lies around the
  truth plus ``b``, so the interval is the percentile interval shifted by ``-2 b``,
  ``[q_lo - 2 b, q_hi - 2 b]``, which keeps the statistic's right skew (the basic interval
  mirrors it), clipped at the range; the JS bounds are its square roots.
* The Wasserstein distance is ``integral |D|`` with ``D`` the CDF gap; writing the estimated gap
  as ``D + E`` (``E`` the sampling error of both windows), ``|W_hat - W| <= integral |E|`` by
  the triangle inequality, whatever ``W``. The interval is ``W_hat -/+ h`` with ``h`` the
  ``confidence`` quantile of the bootstrap's ``integral |E*|`` plus the mass-weighted gap
  between the two windows' mean positions within each bin (which the resampling holds fixed):
  valid at every true distance, 0 included.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

__all__ = [
    "DriftMeasure",
    "cdf_gap_interval",
    "poisson_bootstrap_interval",
    "poisson_resamples",
]

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

    @property
    def estimate_outside(self) -> str | None:
        """Why the estimate lies outside its interval, in words (``None`` when it does not).

        PSI and Jensen-Shannon intervals are corrected for the upward bias of the observed
        distance, so near zero the whole interval can sit below the estimate."""
        finite = np.isfinite([self.estimate, self.low, self.high]).all()
        if not finite or self.low <= self.estimate <= self.high:
            return None
        side = "above" if self.estimate > self.high else "below"
        if self.name in ("psi", "js"):
            return (
                f"the estimate {self.estimate:.3g} is {side} its interval: sampling noise alone "
                "makes the observed distance larger than the true one, and the interval is "
                "corrected for that bias (shifted down by twice the bootstrap bias)"
            )
        return f"the estimate {self.estimate:.3g} is {side} its interval (clipped at its range)"


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
    squared: bool = False,
) -> tuple[float, float, float]:
    """``(estimate, low, high)`` of ``statistic(ref_counts, cur_counts)``, bias-shifted percentile.

    ``draws`` passes resampled counts already drawn (one set shared by every distance of a
    column, as every resampling in assay shares its weights across statistics). ``squared``
    takes the interval of the statistic's square and returns its square roots (for a
    distance that is the root of a smooth divergence, such as Jensen-Shannon).
    """
    if squared:
        est, lo, hi = poisson_bootstrap_interval(
            lambda a, b: statistic(a, b) ** 2,
            ref_counts,
            cur_counts,
            confidence=confidence,
            resamples=resamples,
            rng=rng,
            bounds=(bounds[0] ** 2, bounds[1] ** 2),
            draws=draws,
        )
        return float(np.sqrt(est)), float(np.sqrt(lo)), float(np.sqrt(hi))
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
    bias = float(np.mean(values)) - estimate
    low = float(np.clip(q_lo - 2.0 * bias, *bounds))
    high = float(np.clip(q_hi - 2.0 * bias, *bounds))
    return estimate, low, max(low, high)


def cdf_gap_interval(
    ref_counts: npt.ArrayLike,
    cur_counts: npt.ArrayLike,
    ref_support: npt.ArrayLike,
    cur_support: npt.ArrayLike,
    *,
    confidence: float,
    draws: tuple[FloatArray, FloatArray],
    scale: float = 1.0,
) -> tuple[float, float, float]:
    """``(estimate, low, high)`` of the Wasserstein-1 distance ``integral |F_ref - F_cur|``.

    The half-width is the ``confidence`` quantile of ``integral |E*|`` over the bootstrap
    ``draws``, ``E*`` the resampled CDF gap minus the observed one, plus the within-bin
    position gap (module docstring), all divided by ``scale``.
    """
    r = np.asarray(ref_counts, dtype=np.float64)
    c = np.asarray(cur_counts, dtype=np.float64)
    xs = np.concatenate([np.asarray(ref_support, np.float64), np.asarray(cur_support, np.float64)])
    order = np.argsort(xs, kind="stable")
    gap = np.diff(xs[order]) / scale

    def l1(p: FloatArray, q: FloatArray) -> FloatArray:
        signed = np.concatenate([p, -q], axis=-1)[..., order]
        out: FloatArray = np.abs(np.cumsum(signed, axis=-1)[..., :-1]) @ gap
        return out

    if r.sum() <= 0 or c.sum() <= 0:
        return float("nan"), float("nan"), float("nan")
    p, q = r / r.sum(), c / c.sum()
    estimate = float(l1(p, q))
    dr, dc = draws
    with np.errstate(invalid="ignore", divide="ignore"):
        ps = dr / dr.sum(axis=-1, keepdims=True)
        qs = dc / dc.sum(axis=-1, keepdims=True)
    noise = l1(ps - p, qs - q)
    noise = noise[np.isfinite(noise)]
    if noise.size == 0 or not np.isfinite(estimate):
        return estimate, float("nan"), float("nan")
    # Positions are held fixed by the resampling: add the gap between the two windows' mean
    # positions within each bin (both windows' position noise, moved onto the other's points).
    rsup = np.asarray(ref_support, np.float64)
    csup = np.asarray(cur_support, np.float64)
    moved = 0.0
    if rsup.size == csup.size:
        moved = float(np.sum(np.maximum(p, q) * np.abs(csup - rsup)) / scale)
    half = float(np.quantile(noise, confidence)) + moved
    return estimate, max(estimate - half, 0.0), estimate + half
