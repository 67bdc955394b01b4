"""Order statistics of resampled data: weighted quantiles and leave-one-out quantiles.

Quantiles are numpy's default ``"linear"`` definition throughout, computed with numpy's own
interpolation formula so that they agree with ``np.quantile`` bit for bit.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import numpy.typing as npt

from assay.stats.bootstrap._select import stable_values

__all__ = ["jackknife_quantiles", "lerp", "positions", "row_search", "weighted_quantile"]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


def lerp(a: FloatArray, b: FloatArray, t: FloatArray) -> FloatArray:
    """numpy's linear interpolation, so quantiles agree with np.quantile bit for bit."""
    diff = b - a
    return np.where(t >= 0.5, b - diff * (1.0 - t), a + diff * t)


def row_search(cum: npt.NDArray[Any], targets: npt.NDArray[Any]) -> IntArray:
    """Per row, the first column where the non-decreasing ``cum`` exceeds each target.

    ``targets`` is ``(rows,)`` or ``(rows, k)``; rows are searched at once by offsetting them.
    """
    rows, width = cum.shape
    big = (cum[:, -1].max() + 2) if width and rows else 1
    offsets = np.arange(rows, dtype=cum.dtype) * big
    flat = (cum + offsets[:, None]).ravel()
    t = targets.astype(cum.dtype)
    shaped = offsets if t.ndim == 1 else offsets[:, None]
    found = np.searchsorted(flat, np.clip(t, -1, big - 1) + shaped, side="right")
    base = np.arange(rows) * width
    return np.asarray(found - (base if t.ndim == 1 else base[:, None]), dtype=np.int64)


def positions(total: FloatArray, q: float) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Order-statistic positions (0-based) and fraction of the linear quantile of ``total``."""
    h = q * (total - 1.0)
    j = np.floor(h)
    return j, np.minimum(j + 1.0, total - 1.0), h - j


def weighted_quantile(sorted_x: FloatArray, w_sorted: FloatArray, q: float) -> FloatArray:
    """Linear quantile of values repeated by integer weights, per row of ``w_sorted``."""
    cum = np.cumsum(w_sorted, axis=-1)
    total = cum[:, -1]
    j, j1, frac = positions(total, q)
    last = sorted_x.size - 1
    lo = np.minimum(row_search(cum, j), last)
    hi = np.minimum(row_search(cum, j1), last)
    return np.where(total >= 1, lerp(sorted_x[lo], sorted_x[hi], frac), np.nan)


def jackknife_quantiles(x: FloatArray, q: float, order: IntArray | None = None) -> FloatArray:
    """Leave-one-out linear quantiles of ``x`` (one value left out at a time; a quantile over
    clusters takes a percentile interval, which needs none).

    Removing a value only shifts order statistics: leaving out a value ranked at or below the
    ``p``-th, at ``p + 1`` or above gives one of three quantiles. ``order`` is ``argsort(x)``
    when already known.
    """
    n = x.size
    if n < 2:
        return np.full(n, np.nan)
    h = q * (n - 2.0)
    p = math.floor(h)
    frac = h - p
    # compute the three quantiles and hand them out by rank
    ranks = [p, p + 1, min(p + 2, n - 1)]
    sp = x[order[ranks]] if order is not None else stable_values(x, ranks)
    three = lerp(sp[[1, 0, 0]], sp[[2, 2, 1]], np.full(3, frac))
    # values below the (p + 1)-th rank at most p, values above it beyond p + 1; values tied
    # with it rank in example order (as in the stable sort)
    vals = np.where(x < sp[1], three[0], three[2])
    tied = np.flatnonzero(x == sp[1])
    rank = np.count_nonzero(x < sp[1]) + np.arange(tied.size)
    vals[tied] = np.where(rank <= p, three[0], np.where(rank == p + 1, three[1], three[2]))
    return np.asarray(vals, dtype=np.float64)
