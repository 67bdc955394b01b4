"""Bootstrap intervals and p-values from replicates: percentile and BCa (scipy's definition).

Every function here is vectorised over leading axes: ``replicates`` is ``(..., B)``, one row
per statistic (or per simulated dataset), so thousands of intervals cost one sort.

BCa follows ``scipy.stats.bootstrap(method="BCa")`` exactly:

* bias correction ``z0 = Φ⁻¹(p)`` with ``p = (#{θ*_b < θ̂} + #{θ*_b ≤ θ̂}) / (2B)``, the
  mid-rank proportion of replicates below the estimate;
* acceleration ``a = Σ d_i³ / (6 (Σ d_i²)^{3/2})`` with ``d_i = mean(θ_(·)) - θ_(i)`` over the
  leave-one-out (jackknife) values; jackknife values may carry multiplicities (``weights``),
  which gives the same number as repeating them;
* levels ``α_j = Φ(z0 + (z0 + z_j) / (1 - a (z0 + z_j)))`` and the interval is the linear
  (numpy default) quantile of the replicates at those levels.

Where scipy returns NaN (the estimate lies outside the replicates, so ``z0`` is infinite, or
``1 - a (z0 + z) <= 0``) the percentile interval is used instead and a note says so.

With ``n_clusters`` (the replicates resample G clusters) every nominal tail τ (α/2 two-sided,
α one-sided) is first expanded to Φ(√(G/(G−1)) · t⁻¹(τ; G−1)) (Hesterberg's expanded
percentile, :func:`assay.stats._clustered.expanded_tail`), in the percentile levels and as
the ``z_j`` of BCa: a bootstrap over few clusters is otherwise too narrow. Without clusters
the levels are scipy's.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import numpy.typing as npt

from assay._util import check_choice, check_int
from assay.errors import ParameterError
from assay.stats._checks import ALTERNATIVES, check_confidence
from assay.stats._clustered import expanded_tail
from assay.stats._results import Alternative
from assay.stats._scipy import special

__all__ = [
    "IntervalMethod",
    "bca_acceleration",
    "bca_bias_correction",
    "bca_levels",
    "beyond_resamples",
    "bootstrap_interval",
    "bootstrap_p_value",
    "interval_levels",
    "quantile_at",
    "sorted_interval",
]

IntervalMethod = Literal["bca", "percentile"]
FloatArray = npt.NDArray[np.float64]
_CUBE_MIN = 4096  # shorter arrays: one power per element costs less than the look-ups
_CUBE_VALUES = 12  # more distinct values in the sample: one power per element


def quantile_at(sorted_replicates: FloatArray, levels: npt.ArrayLike) -> FloatArray:
    """Linear-interpolation quantiles of sorted rows at per-row ``levels`` in [0, 1].

    ``sorted_replicates`` is ``(..., B)`` sorted along the last axis; ``levels`` broadcasts
    against its leading axes with one trailing axis of quantiles, e.g. ``(..., 2)``. This is
    ``np.quantile(x, level)`` (method ``"linear"``) with a different level for every row.
    """
    x = np.asarray(sorted_replicates, dtype=np.float64)
    b = x.shape[-1]
    lv = np.clip(np.asarray(levels, dtype=np.float64), 0.0, 1.0)
    h = lv * (b - 1)
    lo = np.floor(h).astype(np.int64)
    hi = np.minimum(lo + 1, b - 1)
    frac = h - lo
    shape = np.broadcast_shapes(x.shape[:-1], lv.shape[:-1])
    xb = np.broadcast_to(x, (*shape, b))
    lo_b = np.broadcast_to(lo, (*shape, lv.shape[-1]))
    hi_b = np.broadcast_to(hi, (*shape, lv.shape[-1]))
    x_lo = np.take_along_axis(xb, lo_b, axis=-1)
    x_hi = np.take_along_axis(xb, hi_b, axis=-1)
    # same form as numpy's linear method, so results agree with np.quantile bit for bit
    out: FloatArray = x_lo + frac * (x_hi - x_lo)
    return np.where(frac >= 0.5, x_hi - (1.0 - frac) * (x_hi - x_lo), out)


def interval_levels(
    confidence: float, alternative: Alternative, n_clusters: int | None = None
) -> tuple[float, float]:
    """Tail levels of a percentile interval: (α/2, 1 - α/2) two-sided, one tail otherwise;
    with ``n_clusters`` (G >= 2) each tail τ expanded to Φ(√(G/(G−1)) · t⁻¹(τ; G−1))."""
    alpha = 1.0 - confidence
    if alternative == "two-sided":
        if n_clusters is not None:
            tail = expanded_tail(alpha / 2, n_clusters)
            return tail, 1.0 - tail
        return alpha / 2, 1.0 - alpha / 2
    if n_clusters is not None:
        alpha = expanded_tail(alpha, n_clusters)
    if alternative == "greater":
        return alpha, 1.0
    return 0.0, 1.0 - alpha


def beyond_resamples(
    confidence: float, alternative: Alternative, n_clusters: int | None, resamples: int
) -> bool:
    """Whether the expanded tail for ``n_clusters`` lies below what ``resamples`` replicates
    resolve, 1 / (B + 1): the p-value, at least that share read through the same expansion,
    can then never fall below α, and the quantile at the tail would only be the range of the
    replicates, far short of the interval stated. Such an interval is left unbounded (G = 2,
    3 and 4 at 95% with 2,000 resamples) unless its replicates do not vary. Never without
    clusters."""
    if n_clusters is None:
        return False
    lo_p, hi_p = interval_levels(confidence, alternative, n_clusters)
    tail = lo_p if alternative != "less" else 1.0 - hi_p
    return tail * (resamples + 1) <= 1.0


def bca_bias_correction(estimate: npt.ArrayLike, replicates: npt.ArrayLike) -> FloatArray:
    """``z0``: Φ⁻¹ of the mid-rank proportion of replicates below the estimate (scipy's)."""
    theta = np.asarray(estimate, dtype=np.float64)[..., None]
    reps = np.asarray(replicates, dtype=np.float64)
    if reps.ndim == 0 or reps.shape[-1] == 0:
        shape = f"shape {reps.shape}"
        raise ParameterError("replicates", "bca_bias_correction", "at least one replicate", shape)
    below = np.count_nonzero(reps < theta, axis=-1) + np.count_nonzero(reps <= theta, axis=-1)
    z0: FloatArray = special.ndtri(below / (2.0 * reps.shape[-1]))
    return z0


def _cube(d: FloatArray) -> FloatArray:
    """``d ** 3`` bit for bit, with the power taken once per distinct value when a long array
    holds few of them (leave-one-out quantiles take at most three values per model, their
    differences at most nine): the values a sample holds are handed out by comparisons, and
    any element that is not bitwise one of them takes its own power."""
    flat = d.reshape(-1)
    if flat.size < _CUBE_MIN:
        cubed: FloatArray = d**3
        return cubed
    values = np.unique(flat[:: flat.size // 512])
    if values.size > _CUBE_VALUES:
        many: FloatArray = d**3
        return many
    small = np.zeros(flat.size, dtype=np.uint8)
    for v in values[1:]:
        small += flat >= v
    codes = small.astype(np.intp)  # a take with small integer indices converts them first
    out = np.take(values**3, codes)
    missed = np.take(values.view(np.int64), codes) != flat.view(np.int64)
    if missed.any():
        out[missed] = flat[missed] ** 3
    return out.reshape(d.shape)


def bca_acceleration(jackknife: npt.ArrayLike, weights: npt.ArrayLike | None = None) -> FloatArray:
    """Acceleration from leave-one-out values ``(..., J)``, each repeated ``weights`` times.

    Zero when the jackknife values do not vary (the formula's 0/0).
    """
    jk = np.asarray(jackknife, dtype=np.float64)
    if weights is None:  # unit multiplicities: the same sums without multiplying by ones
        d = jk.sum(axis=-1, keepdims=True) / jk.shape[-1] - jk
        num, den = _cube(d).sum(axis=-1), (d**2).sum(axis=-1)
        with np.errstate(divide="ignore", invalid="ignore"):
            unit: FloatArray = np.where(den > 0, num / (6.0 * den**1.5), 0.0)
        return unit
    given = np.asarray(weights, float)
    if (given < 0).any():
        raise ParameterError("weights", "bca_acceleration", "non-negative multiplicities", weights)
    try:
        w = np.broadcast_to(given, jk.shape)
    except ValueError:
        expected = f"one multiplicity per jackknife value {jk.shape}"
        raise ParameterError("weights", "bca_acceleration", expected, given.shape) from None
    total = w.sum(axis=-1, keepdims=True)
    d = (w * jk).sum(axis=-1, keepdims=True) / total - jk
    num = (w * d**3).sum(axis=-1)
    den = (w * d**2).sum(axis=-1)
    with np.errstate(divide="ignore", invalid="ignore"):
        a = num / (6.0 * den**1.5)
    out: FloatArray = np.where(den > 0, a, 0.0)
    return out


def bca_levels(
    z0: npt.ArrayLike,
    acceleration: npt.ArrayLike,
    confidence: float,
    alternative: Alternative,
    n_clusters: int | None = None,
) -> tuple[FloatArray, FloatArray]:
    """BCa-adjusted quantile levels ``(low, high)``; NaN where BCa is undefined. With
    ``n_clusters`` the nominal tails are expanded first (:func:`interval_levels`)."""
    lo_p, hi_p = interval_levels(confidence, alternative, n_clusters)
    z = np.asarray(z0, dtype=np.float64)
    a = np.asarray(acceleration, dtype=np.float64)

    def adjust(p: float) -> FloatArray:
        if p <= 0.0 or p >= 1.0:
            return np.full(np.broadcast_shapes(z.shape, a.shape), p)
        num = z + float(special.ndtri(p))
        den = 1.0 - a * num
        with np.errstate(invalid="ignore", divide="ignore"):
            level = special.ndtr(z + num / den)
        return np.where(np.isfinite(z) & (den > 0), level, np.nan)

    return adjust(lo_p), adjust(hi_p)


def bootstrap_p_value(
    replicates: npt.ArrayLike, null: float = 0.0, alternative: Alternative = "two-sided"
) -> FloatArray:
    """p-value of ``H0: θ = null`` from bootstrap replicates of θ, as ``(c + 1) / (B + 1)``.

    ``c`` counts replicates on the null side: ``#{θ* <= null}`` for ``alternative="greater"``,
    ``#{θ* >= null}`` for ``"less"``; two-sided is twice the smaller one-sided p-value, capped
    at 1. This inverts the percentile interval (the p-value is about the smallest α at which
    the percentile interval excludes ``null``), and ``+1`` keeps it away from an impossible 0.
    Replicates that all equal ``null`` (a comparison of a model with itself) give p = 1.
    """
    check_choice(alternative, "alternative", "bootstrap_p_value", ALTERNATIVES)
    reps = np.asarray(replicates, dtype=np.float64)
    b = reps.shape[-1]
    p_greater = (np.count_nonzero(reps <= null, axis=-1) + 1.0) / (b + 1.0)
    p_less = (np.count_nonzero(reps >= null, axis=-1) + 1.0) / (b + 1.0)
    if alternative == "greater":
        return np.asarray(p_greater, dtype=np.float64)
    if alternative == "less":
        return np.asarray(p_less, dtype=np.float64)
    return np.asarray(np.minimum(1.0, 2.0 * np.minimum(p_greater, p_less)), dtype=np.float64)


def bootstrap_interval(
    estimate: npt.ArrayLike,
    replicates: npt.ArrayLike,
    *,
    confidence: float,
    method: IntervalMethod,
    alternative: Alternative = "two-sided",
    jackknife: npt.ArrayLike | None = None,
    jackknife_weights: npt.ArrayLike | None = None,
    n_clusters: int | None = None,
) -> tuple[FloatArray, FloatArray, npt.NDArray[np.bool_]]:
    """``(low, high, bca_fell_back)`` over leading axes; one-sided bounds are ±inf.

    ``bca_fell_back`` marks rows where BCa was undefined and the percentile interval is
    returned instead. ``n_clusters``: the replicates resample that many clusters (2 or
    more), and the tails are expanded for them (module docstring); ``None``: scipy's levels.
    """
    fn = "bootstrap_interval"
    check_confidence(confidence, fn)
    check_choice(method, "method", fn, ("bca", "percentile"))
    check_choice(alternative, "alternative", fn, ALTERNATIVES)
    if method == "bca" and jackknife is None:
        raise ParameterError("jackknife", fn, "leave-one-out values for BCa", None)
    if n_clusters is not None:
        n_clusters = check_int(n_clusters, "n_clusters", fn, minimum=2)
    reps = np.sort(np.asarray(replicates, dtype=np.float64), axis=-1)
    if reps.ndim == 0 or reps.shape[-1] == 0:
        raise ParameterError("replicates", fn, "at least one replicate", f"shape {reps.shape}")
    a = None  # (BCa without jackknife refused above)
    if method == "bca" and jackknife is not None:
        a = bca_acceleration(jackknife, jackknife_weights)
    return sorted_interval(estimate, reps, a, confidence, alternative, n_clusters)


def sorted_interval(
    estimate: npt.ArrayLike,
    sorted_replicates: FloatArray,
    acceleration: npt.ArrayLike | None,
    confidence: float,
    alternative: Alternative,
    n_clusters: int | None = None,
) -> tuple[FloatArray, FloatArray, npt.NDArray[np.bool_]]:
    """:func:`bootstrap_interval` from replicates sorted along the last axis (checked, at
    least one per row) and the BCa acceleration of each row (``None``: percentile)."""
    reps = sorted_replicates
    lo_p, hi_p = interval_levels(confidence, alternative, n_clusters)
    shape = reps.shape[:-1]
    pct_lo = np.full(shape, lo_p)
    pct_hi = np.full(shape, hi_p)
    fell_back = np.zeros(shape, dtype=bool)
    if acceleration is not None:
        z0 = bca_bias_correction(estimate, reps)
        b_lo, b_hi = bca_levels(z0, acceleration, confidence, alternative, n_clusters)
        fell_back = ~(np.isfinite(b_lo) & np.isfinite(b_hi))
        pct_lo = np.where(fell_back, pct_lo, b_lo)
        pct_hi = np.where(fell_back, pct_hi, b_hi)
    q = quantile_at(reps, np.stack([pct_lo, pct_hi], axis=-1))
    # replicates that do not vary have nothing to expand
    spread = reps[..., 0] < reps[..., -1]
    unbounded = beyond_resamples(confidence, alternative, n_clusters, reps.shape[-1]) & spread
    low = np.where(alternative == "less" or unbounded, -np.inf, q[..., 0])
    high = np.where(alternative == "greater" or unbounded, np.inf, q[..., 1])
    return np.asarray(low, dtype=np.float64), np.asarray(high, dtype=np.float64), fell_back
