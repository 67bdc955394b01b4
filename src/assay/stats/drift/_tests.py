"""The two drift tests: Kolmogorov-Smirnov for numeric columns, chi-squared for categories.

:func:`ks_from_points` evaluates the two-sample KS distance exactly between a reference given
as sorted points with weights (raw values with weight 1, or a KLL sketch's retained items with
their weights) and current values (raw, or weighted items). Between two reference points the
reference CDF is flat and the current one monotone, so the supremum is reached at a reference
point or just left of one: evaluating there is exact, and needs no sort of the current values.
When the reference is a sketch, its normalized rank error ``eps`` bounds how far the sketch's
CDF can be from the data's: the distance is reported with ``eps`` added to its upper side, and
the p-value is computed from ``max(D - eps, 0)`` so the sketch can never cause an alarm.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from assay.stats._scipy import stats as _stats

__all__ = ["DriftTest", "chi2_homogeneity", "ks_from_points", "ks_p_value", "ks_p_values"]


@dataclass(frozen=True)
class DriftTest:
    """A test of "same distribution" for one column."""

    name: str
    """``"ks"`` or ``"chi2"``."""
    statistic: float
    """KS distance (sup of the CDF gap) or the chi-squared statistic."""
    p_value: float
    """The p-value (before any multiplicity adjustment)."""
    method: str
    """How the statistic and p-value were computed, in words."""
    n_reference: int
    """Values in the reference."""
    n_current: int
    """Values in the current window."""
    rank_error: float = 0.0
    """Sketch rank error added to the KS distance's upper side (0 when exact)."""
    dof: int | None = None
    """Degrees of freedom of a chi-squared test."""


def ks_from_points(
    ref_points: npt.ArrayLike,
    ref_weights: npt.ArrayLike,
    cur_values: npt.ArrayLike,
    cur_weights: npt.ArrayLike | None = None,
    *,
    cur_sorted: bool = False,
) -> float:
    """Exact KS distance between a weighted reference (sorted, unique points) and current values.

    With ``cur_sorted`` (unweighted current values in ascending order) the current CDF is read by
    a binary search of each reference point, which costs ``O(m log n)`` instead of ``O(n log m)``.
    """
    points = np.asarray(ref_points, dtype=np.float64)
    w = np.asarray(ref_weights, dtype=np.float64)
    cur = np.asarray(cur_values, dtype=np.float64)
    if points.size == 0 or cur.size == 0:
        return float("nan")
    cw = None if cur_weights is None else np.asarray(cur_weights, dtype=np.float64)
    total_cur = float(cur.size if cw is None else cw.sum())
    cum = np.cumsum(w)
    f_ref = cum / cum[-1]
    f_ref_left = (cum - w) / cum[-1]
    m = points.size
    if cur_sorted and cw is None:
        f_cur = np.searchsorted(cur, points, "right") / total_cur
        f_cur_left = np.searchsorted(cur, points, "left") / total_cur
        return float(max(np.max(np.abs(f_ref - f_cur)), np.max(np.abs(f_ref_left - f_cur_left))))
    le = np.bincount(np.searchsorted(points, cur, "left"), weights=cw, minlength=m + 1)
    lt = np.bincount(np.searchsorted(points, cur, "right"), weights=cw, minlength=m + 1)
    f_cur = np.cumsum(le)[:m] / total_cur
    f_cur_left = np.cumsum(lt)[:m] / total_cur
    gap = max(np.max(np.abs(f_ref - f_cur)), np.max(np.abs(f_ref_left - f_cur_left)))
    return float(gap)


def ks_p_value(distance: float, n_reference: int, n_current: int) -> float:
    """Two-sided p-value of a two-sample KS distance: Smirnov's asymptotic distribution.

    ``kstwo.sf(D, round(n*m/(n+m)))`` (scipy's ``ks_2samp(method="asymp")``).
    """
    if n_reference <= 0 or n_current <= 0 or not np.isfinite(distance):
        return float("nan")
    return float(ks_p_values(np.array([distance]), n_reference, n_current)[0])


def ks_p_values(
    distances: npt.ArrayLike, n_reference: int, n_current: int
) -> npt.NDArray[np.float64]:
    """:func:`ks_p_value` of many distances with the same two sample sizes, in one call."""
    d = np.asarray(distances, dtype=np.float64)
    en = n_reference * n_current / (n_reference + n_current)
    out: npt.NDArray[np.float64] = np.clip(_stats.kstwo.sf(d, np.round(en)), 0.0, 1.0)
    return out


def chi2_homogeneity(
    ref_counts: npt.ArrayLike, cur_counts: npt.ArrayLike
) -> tuple[float, float, int]:
    """Pearson's chi-squared test that two count vectors come from one distribution.

    The 2 x k contingency table without continuity correction (scipy's
    ``chi2_contingency(correction=False)``); categories empty in both are dropped. Returns
    ``(statistic, p_value, dof)``; one category left gives ``(0, 1, 0)``.
    """
    r = np.asarray(ref_counts, dtype=np.float64)
    c = np.asarray(cur_counts, dtype=np.float64)
    keep = (r + c) > 0
    r, c = r[keep], c[keep]
    if r.size < 2 or r.sum() == 0 or c.sum() == 0:
        return 0.0, 1.0, 0
    table = np.vstack([r, c])
    expected = table.sum(axis=1, keepdims=True) * table.sum(axis=0, keepdims=True) / table.sum()
    stat = float(np.sum((table - expected) ** 2 / expected))
    dof = int(r.size - 1)
    return stat, float(_stats.chi2.sf(stat, dof)), dof
