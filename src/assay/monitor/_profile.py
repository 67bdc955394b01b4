"""``profile(table, name=...)``: the profile of a table, optionally on a reference's bins."""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa

from assay._util import check_int, require
from assay.errors import DataError
from assay.monitor._profile_model import CategoricalSummary, ColumnProfile, NumericSummary, Profile
from assay.monitor._table import as_table, column_kind, numeric_values, string_counts

__all__ = ["KLL_K", "MAX_CATEGORIES", "profile"]

KLL_K = 400
"""KLL sketch size: normalized rank error about 0.7% (99% confidence)."""
HLL_LG_K = 12
"""HyperLogLog size: 2^12 buckets, relative error about 1.6%."""
FREQUENT_LG_K = 10
"""Frequent-items sketch size (up to 768 tracked values)."""
MAX_CATEGORIES = 1000
"""Categories whose counts are kept exactly; the rest are counted as "other"."""
MAX_DISTINCT_NUMERIC = 4096
"""Integer-valued numeric columns with at most this many distinct values get a distinct-count
sketch; other numeric columns (continuous) do not."""
_PERCENTILES = np.arange(1, 100) / 100.0


def _ds() -> Any:
    return require("datasketches", "monitor", feature="monitor profiles")


def _sorted_quantiles(
    ordered: npt.NDArray[np.float64], qs: npt.NDArray[np.float64]
) -> npt.NDArray[np.float64]:
    """numpy's default ("linear") quantiles of an already sorted sample, by indexing."""
    h = (ordered.size - 1) * qs
    lo = np.floor(h).astype(np.intp)
    hi = np.minimum(lo + 1, ordered.size - 1)
    out: npt.NDArray[np.float64] = ordered[lo] + (h - lo) * (ordered[hi] - ordered[lo])
    return out


def pinned_edges(
    sorted_finite: npt.NDArray[np.float64],
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.intp]]:
    """Percentile edges of a sorted sample and each fine bin's decile group."""
    if sorted_finite.size == 0:
        return np.empty(0), np.zeros(1, dtype=np.intp)
    with np.errstate(over="ignore", invalid="ignore"):
        qs = _sorted_quantiles(sorted_finite, _PERCENTILES)
    qs = np.where(np.isfinite(qs), qs, np.quantile(sorted_finite, _PERCENTILES))
    edges = np.unique(qs)
    deciles = np.unique(qs[9::10])
    return edges, coarse_groups(edges, deciles)


def coarse_groups(
    edges: npt.NDArray[np.float64], deciles: npt.NDArray[np.float64]
) -> npt.NDArray[np.intp]:
    """For each fine bin (``len(edges) + 1``), the index of the decile bin containing it."""
    lower = np.concatenate([[-np.inf], edges])
    return np.searchsorted(deciles, lower, side="right").astype(np.intp)


def bin_counts(
    ordered: npt.NDArray[np.float64], edges: npt.NDArray[np.float64]
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float64]]:
    """Counts and value sums of sorted ``ordered`` in the bins of ``edges``.

    Bin ``j`` holds ``edges[j-1] <= x < edges[j]``: a contiguous run of the sorted values, found
    by binary search of the edges; its sum is one ``reduceat`` (empty bins give 0).
    """
    bounds = np.concatenate([[0], np.searchsorted(ordered, edges, "left"), [ordered.size]])
    counts = np.diff(bounds).astype(np.int64)
    if ordered.size == 0:
        return counts, np.zeros(counts.size)
    with np.errstate(over="ignore", invalid="ignore"):
        sums = np.add.reduceat(ordered, np.minimum(bounds[:-1], ordered.size - 1))
    return counts, np.where(counts > 0, sums, 0.0).astype(np.float64)


def _numeric(values: npt.NDArray[np.float64], bins: NumericSummary | None) -> NumericSummary:
    ds = _ds()
    ordered = np.sort(values)
    if bins is not None:
        edges, groups = np.asarray(bins.edges, np.float64), np.asarray(bins.coarse, np.intp)
    else:
        edges, groups = pinned_edges(ordered)
    with np.errstate(over="ignore", invalid="ignore"):
        counts, sums = bin_counts(ordered, edges)
    kll = ds.kll_doubles_sketch(KLL_K)
    if ordered.size:
        kll.update(ordered)
    hll_bytes = None
    # Distinct counts for integer-valued columns (codes, counts, ratings); a continuous column
    # has as many distinct values as rows, and a sketch of it would cost a call per value.
    head = ordered[:: max(ordered.size // 1000, 1)]
    if (
        ordered.size
        and np.array_equal(head, np.floor(head))
        and np.array_equal(ordered, np.floor(ordered))
    ):
        n_distinct = int(np.count_nonzero(np.diff(ordered))) + 1
        if n_distinct <= MAX_DISTINCT_NUMERIC:
            hll = ds.hll_sketch(HLL_LG_K)
            for v in np.unique(ordered).tolist():
                hll.update(float(v))
            hll_bytes = bytes(hll.serialize_compact())
    n = int(ordered.size)
    with np.errstate(over="ignore", invalid="ignore"):
        # Values near the float limits overflow the moments to inf; the bins stay exact.
        mean = float(ordered.mean()) if n else float("nan")
        centred = ordered - mean if n else ordered
        m2 = float(np.dot(centred, centred)) if n else 0.0
    return NumericSummary(
        edges=tuple(float(e) for e in edges),
        coarse=tuple(int(g) for g in groups),
        counts=tuple(int(c) for c in counts),
        sums=tuple(float(s) for s in sums),
        exact_bins=True,
        count=n,
        mean=mean,
        m2=m2,
        minimum=float(ordered[0]) if n else float("nan"),
        maximum=float(ordered[-1]) if n else float("nan"),
        kll=bytes(kll.serialize()),
        hll=hll_bytes,
    )


def categorical_summary(
    values: list[str], counts: npt.NDArray[np.int64], max_categories: int
) -> CategoricalSummary:
    """Exact top counts, the rest as "other", and the two sketches."""
    ds = _ds()
    order = sorted(range(len(values)), key=lambda i: (-int(counts[i]), values[i]))
    kept = order[:max_categories]
    freq = ds.frequent_strings_sketch(FREQUENT_LG_K)
    hll = ds.hll_sketch(HLL_LG_K)
    for v, c in zip(values, counts.tolist(), strict=True):
        freq.update(v, int(c))
        hll.update(v)
    return CategoricalSummary(
        categories=tuple(values[i] for i in kept),
        counts=tuple(int(counts[i]) for i in kept),
        other=int(sum(int(counts[i]) for i in order[max_categories:])),
        frequent=bytes(freq.serialize()),
        hll=bytes(hll.serialize_compact()),
    )


def profile_column(
    name: str,
    column: pa.ChunkedArray,
    bins: ColumnProfile | None = None,
    max_categories: int = MAX_CATEGORIES,
) -> ColumnProfile:
    """The profile of one column (on ``bins``' edges when given and numeric)."""
    kind = column_kind(column.type)
    dtype = str(column.type)
    if kind == "numeric":
        v = numeric_values(column)
        ref = bins.numeric if bins is not None and bins.kind == "numeric" else None
        return ColumnProfile(
            name, kind, dtype, v.rows, v.nulls, v.nan, v.inf, numeric=_numeric(v.finite, ref)
        )
    if kind == "categorical":
        values, counts = string_counts(column)
        summary = categorical_summary(values, counts, max_categories)
        return ColumnProfile(
            name, kind, dtype, len(column), column.null_count, 0, 0, categorical=summary
        )
    return ColumnProfile(name, kind, dtype, len(column), column.null_count, 0, 0)


def profile(
    data: Any,
    *,
    name: str = "profile",
    bins: Profile | None = None,
    max_categories: int = MAX_CATEGORIES,
) -> Profile:
    """The profile of a table (pyarrow, pandas, polars, or a Parquet/CSV/JSONL path).

    With ``bins`` (a reference profile), numeric columns are counted on the reference's pinned
    edges, so the window's bins line up with the reference exactly and window profiles merge
    exactly. Works on a stored run's records table like on any other.
    """
    max_categories = check_int(max_categories, "max_categories", "profile", minimum=1)
    table = as_table(data)
    if len(set(table.column_names)) != len(table.column_names):
        raise DataError("the table has duplicate column names", expected="unique column names")
    columns = []
    for col_name in table.column_names:
        ref = None
        if bins is not None and col_name in bins.column_names:
            ref = bins.column(col_name)
        columns.append(profile_column(col_name, table.column(col_name), ref, max_categories))
    return Profile(name=str(name), rows=table.num_rows, columns=tuple(columns))
