"""A current window's column, read once, in the shape the drift statistics need.

From a table every count is exact: the finite values are sorted once, and the reference's bin
edges, its range and its sketch points are found in them by binary search. From a profile the
counts are exact when it was built on the reference's bins (``profile(..., bins=reference)``)
and estimated from its KLL sketch otherwise; its sketch's rank error is then added to KS.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pyarrow as pa

from assay.monitor._profile import _ds, bin_counts
from assay.monitor._profile_model import ColumnProfile, NumericSummary
from assay.monitor._table import numeric_values, string_counts

__all__ = [
    "CategoricalWindow",
    "NumericWindow",
    "categorical_window",
    "numeric_window",
    "sketch_points",
]

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class NumericWindow:
    """A numeric column of the current window."""

    rows: int
    missing: int
    inf: int
    counts: FloatArray
    sums: FloatArray
    ks_values: FloatArray
    ks_weights: FloatArray | None
    ks_sorted: bool
    rank_error: float
    out_of_range: int
    notes: tuple[str, ...] = ()

    @property
    def n(self) -> int:
        return round(float(self.counts.sum()))


@dataclass(frozen=True)
class CategoricalWindow:
    """A categorical column of the current window: value counts, plus values in "other"."""

    rows: int
    missing: int
    values: list[str]
    counts: npt.NDArray[np.int64]
    other: int = 0


def sketch_points(kll_bytes: bytes) -> tuple[FloatArray, FloatArray, float]:
    """A KLL sketch's retained items (sorted, unique), their weights, and its rank error."""
    sk = _ds().kll_doubles_sketch.deserialize(kll_bytes)
    if sk.is_empty():
        return np.empty(0), np.empty(0), 0.0
    pairs = np.asarray(list(sk), dtype=np.float64).reshape(-1, 2)
    items, inverse = np.unique(pairs[:, 0], return_inverse=True)
    weights = np.bincount(inverse, weights=pairs[:, 1]).astype(np.float64)
    error = float(sk.normalized_rank_error(False)) if sk.is_estimation_mode() else 0.0
    return items, weights, error


def _from_sorted(ordered: FloatArray, edges: FloatArray) -> tuple[FloatArray, FloatArray]:
    counts, sums = bin_counts(ordered, edges)
    return counts.astype(np.float64), sums


def numeric_window(column: pa.ChunkedArray, ref: NumericSummary) -> NumericWindow:
    """The window's numeric column from table values (every count exact)."""
    v = numeric_values(column)
    ordered = np.sort(v.finite)
    counts, sums = _from_sorted(ordered, np.asarray(ref.edges, dtype=np.float64))
    out = 0
    if ordered.size and ref.count:
        out = int(np.searchsorted(ordered, ref.minimum, "left"))
        out += int(ordered.size - np.searchsorted(ordered, ref.maximum, "right"))
    return NumericWindow(
        v.rows, v.nulls + v.nan, v.inf, counts, sums, ordered, None, True, 0.0, out
    )


def numeric_window_from_profile(col: ColumnProfile, ref: NumericSummary) -> NumericWindow:
    """The window's numeric column from its profile (exact bins when on the reference's edges)."""
    cur = col.numeric
    assert cur is not None
    items, weights, error = sketch_points(cur.kll)
    notes: list[str] = []
    if cur.edges == ref.edges and cur.exact_bins:
        counts = np.asarray(cur.counts, dtype=np.float64)
        sums = np.asarray(cur.sums, dtype=np.float64)
    else:
        sk = _ds().kll_doubles_sketch.deserialize(cur.kll)
        pmf = (
            np.asarray(sk.get_pmf(list(ref.edges)), dtype=np.float64)
            if cur.count
            else np.zeros(len(ref.edges) + 1)
        )
        counts = pmf * cur.count
        ranks = np.clip(np.cumsum(pmf) - pmf / 2.0, 0.0, 1.0)
        mids = (
            np.asarray(sk.get_quantiles(list(ranks)), dtype=np.float64)
            if cur.count
            else np.zeros(pmf.size)
        )
        sums = counts * mids
        notes.append(
            "current bins estimated from its KLL sketch (profile not built on the reference bins)"
        )
    out = 0
    if cur.count and ref.count and (cur.minimum < ref.minimum or cur.maximum > ref.maximum):
        sk = _ds().kll_doubles_sketch.deserialize(cur.kll)
        below = sk.get_cdf([ref.minimum], False)[0] if cur.minimum < ref.minimum else 0.0
        above = 1.0 - sk.get_cdf([ref.maximum], True)[0] if cur.maximum > ref.maximum else 0.0
        out = max(round((below + above) * cur.count), 1)
        notes.append("out-of-range count estimated from the window's KLL sketch")
    return NumericWindow(
        col.rows,
        col.missing,
        col.inf,
        counts,
        sums,
        items,
        weights,
        False,
        error,
        out,
        tuple(notes),
    )


def categorical_window(column: pa.ChunkedArray) -> CategoricalWindow:
    """The window's categorical column from table values."""
    values, counts = string_counts(column)
    return CategoricalWindow(len(column), column.null_count, values, counts)


def categorical_window_from_profile(col: ColumnProfile) -> CategoricalWindow:
    """The window's categorical column from its profile."""
    cat = col.categorical
    assert cat is not None
    return CategoricalWindow(
        col.rows,
        col.missing,
        list(cat.categories),
        np.asarray(cat.counts, dtype=np.int64),
        cat.other,
    )
