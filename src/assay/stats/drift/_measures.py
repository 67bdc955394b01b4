"""Distances between a reference and a current distribution given as binned counts.

Every function takes counts of shape ``(..., k)`` (the leading axes are bootstrap resamples)
and returns one value per leading index, so a whole Poisson bootstrap is one array call.

* **PSI** (population stability index): ``sum((q - p) * ln(q / p))`` over the bins, natural
  log, with both proportions floored at :data:`PSI_FLOOR` (``1e-4``) so an empty bin does not
  give an infinite index.
* **Jensen-Shannon distance**: the square root of the Jensen-Shannon divergence in base 2, so it
  lies in ``[0, 1]`` (scipy's ``jensenshannon(p, q, base=2)``).
* **Wasserstein distance** (earth mover's, order 1) between the two binned distributions, each
  bin's mass placed at the mean of the values that fell in it (exact when every bin holds one
  value; otherwise off by at most the within-bin spread).
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

__all__ = ["PSI_FLOOR", "js_distance", "psi", "wasserstein_binned"]

FloatArray = npt.NDArray[np.float64]

PSI_FLOOR = 1e-4
"""Floor applied to both proportions of a PSI bin (documented default)."""


def _proportions(counts: FloatArray) -> FloatArray:
    total = counts.sum(axis=-1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        out: FloatArray = np.where(total > 0, counts / np.where(total > 0, total, 1.0), np.nan)
    return out


def psi(
    ref_counts: npt.ArrayLike, cur_counts: npt.ArrayLike, floor: float = PSI_FLOOR
) -> FloatArray:
    """Population stability index of binned counts (natural log, proportions floored)."""
    p = np.maximum(_proportions(np.asarray(ref_counts, dtype=np.float64)), floor)
    q = np.maximum(_proportions(np.asarray(cur_counts, dtype=np.float64)), floor)
    out: FloatArray = np.sum((q - p) * np.log(q / p), axis=-1)
    return out


def _kl2(a: FloatArray, m: FloatArray) -> FloatArray:
    positive = a > 0
    ratio = np.divide(a, m, out=np.ones_like(a), where=positive)
    logs = np.log2(ratio, out=np.zeros_like(a), where=positive)
    out: FloatArray = np.sum(a * logs, axis=-1)
    return out


def js_distance(ref_counts: npt.ArrayLike, cur_counts: npt.ArrayLike) -> FloatArray:
    """Jensen-Shannon distance (base 2, in [0, 1]) between two binned distributions."""
    p = _proportions(np.asarray(ref_counts, dtype=np.float64))
    q = _proportions(np.asarray(cur_counts, dtype=np.float64))
    m = 0.5 * (p + q)
    div = 0.5 * (_kl2(p, m) + _kl2(q, m))
    out: FloatArray = np.sqrt(np.clip(div, 0.0, 1.0))
    return out


def wasserstein_binned(
    ref_counts: npt.ArrayLike,
    cur_counts: npt.ArrayLike,
    ref_support: npt.ArrayLike,
    cur_support: npt.ArrayLike,
) -> FloatArray:
    """Order-1 Wasserstein distance between two discrete distributions.

    ``ref_counts[..., j]`` is the mass at ``ref_support[j]`` (a bin's mean value), likewise for
    the current window; the distance is the integral of ``|F_ref - F_cur|`` over the merged
    support, in the column's own units.
    """
    p = _proportions(np.asarray(ref_counts, dtype=np.float64))
    q = _proportions(np.asarray(cur_counts, dtype=np.float64))
    xs = np.concatenate([np.asarray(ref_support, np.float64), np.asarray(cur_support, np.float64)])
    order = np.argsort(xs, kind="stable")
    gap = np.diff(xs[order])
    # The CDF gap on the merged support: cumulative (reference mass - current mass).
    signed = np.concatenate([p, -q], axis=-1)[..., order]
    cdf_gap = np.abs(np.cumsum(signed, axis=-1)[..., :-1])
    out: FloatArray = cdf_gap @ gap
    return out
