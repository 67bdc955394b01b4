"""Replicates of statistics of summed sufficient statistics, over slices, on shared weights.

The engine behind :func:`assay.stats.paired_bootstrap` and friends. Rows carry per-example
sufficient statistics (all metrics side by side, ``(n, K)``); every statistic is a function
of column sums. For each slice it returns the point estimate, ``B`` replicates and the
jackknife (leave-one-unit-out) values needed by BCa, all computed from sums:

* **dense path**: per-resample sums ``W @ S`` per cell on the exact unit weights of
  :class:`~assay.stats.ResampleWeights`; jackknife by subtracting each unit's contribution
  from the slice total, ``O(n K)``.
* **category fast path**: when the rows (with their cell) take few distinct values, units
  are grouped into categories and one draw of category counts serves every statistic and
  every slice; jackknife values are computed once per category and weighted by its size.
  Categories are ordered by their lowest unit index, so the draw is unchanged by swapping
  baseline and candidate columns or by reordering rows together with their unit ids.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from assay.stats.bootstrap._weights import ResampleWeights

__all__ = [
    "Layout",
    "Replicates",
    "build_layout",
    "category_codes",
    "mask_cells",
    "slice_replicates",
]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
Statistic = Callable[[FloatArray], FloatArray]

_MAX_EXACT = 2**52  # codes built with a float matrix product stay exact below this
_MAX_SMALL_RANGE = 2**20
_ROW_CHUNK = 65536


def _compact(code: IntArray) -> tuple[IntArray, int]:
    """Relabel (non-negative) codes as 0 .. m - 1 in sorted order: by counting when their
    range is small, else by sorting (the same labels)."""
    top = int(code.max()) if code.size else 0
    if top < _small_range(code.size):
        # in place: one array of the range at a time (a cumulative sum of booleans would
        # allocate two)
        rank = np.bincount(code, minlength=top + 1)
        np.minimum(rank, 1, out=rank)
        np.cumsum(rank, out=rank)
        rank -= 1
        return rank[code].astype(np.int64, copy=False), int(rank[-1]) + 1
    uniq = np.sort(code)
    keep = np.empty(uniq.size, dtype=bool)
    keep[:1] = True
    keep[1:] = uniq[1:] != uniq[:-1]
    uniq = uniq[keep]
    return np.searchsorted(uniq, code).astype(np.int64), int(uniq.size)


_SPARE_BITS = 8
"""Slices that must fit between two counting relabels in :func:`mask_cells`."""


def _small_range(n: int) -> int:
    """The code range below which :func:`_compact` counts rather than sorts ``n`` codes."""
    return 4 * n + 1024


def _column_codes(
    x: npt.NDArray[np.generic],
    lo: npt.NDArray[np.generic],
    hi: npt.NDArray[np.generic],
    limit: int,
) -> tuple[npt.NDArray[Any], npt.NDArray[np.float64], IntArray] | None:
    """Columns as small non-negative integers: (values, offsets to subtract, ranges).

    ``None`` when a column has more than ``limit`` distinct values.
    """
    lo_f, hi_f = lo.astype(np.float64), hi.astype(np.float64)
    small = float((hi_f - lo_f).max()) < _MAX_SMALL_RANGE
    integer = np.issubdtype(x.dtype, np.integer) or x.dtype == np.bool_
    if small and (integer or np.array_equal(x, np.rint(x))):
        return x, lo_f, (hi_f - lo_f + 1).astype(np.int64)
    cols, ranges = [], []
    for j in range(x.shape[1]):
        uniq, inv = np.unique(x[:, j], return_inverse=True)
        if uniq.size > limit:
            return None
        cols.append(inv.astype(np.int64).ravel())
        ranges.append(uniq.size)
    return np.stack(cols, axis=1), np.zeros(len(cols)), np.asarray(ranges, dtype=np.int64)


def _mixed_radix(x: npt.NDArray[Any], lo: FloatArray, radix: FloatArray) -> IntArray:
    """``(x - lo) @ radix`` as exact integers, in row chunks so temporaries stay small."""
    out = np.empty(x.shape[0], dtype=np.int64)
    shift = float(lo @ radix)
    for a in range(0, x.shape[0], _ROW_CHUNK):
        out[a : a + _ROW_CHUNK] = x[a : a + _ROW_CHUNK].astype(np.float64) @ radix - shift
    return out


def category_codes(
    matrix: npt.NDArray[np.generic], limit: int, leading: IntArray | None = None
) -> IntArray | None:
    """Codes equal exactly where ``leading`` and every column of ``matrix`` are equal.

    Codes are ``0 .. m - 1``; ``None`` when there are more than ``limit`` categories.
    Integer-valued columns with a small range are combined by a matrix product (mixed radix,
    exact below 2**52); other columns are factorised first.
    """
    n = matrix.shape[0]
    code = np.zeros(n, dtype=np.int64) if leading is None else leading.astype(np.int64)
    card = 1 if leading is None or n == 0 else int(code.max()) + 1
    if n == 0:
        return code
    lo, hi = matrix.min(axis=0), matrix.max(axis=0)
    varying = lo != hi
    if varying.any():
        x = matrix if varying.all() else matrix[:, varying]
        coded = _column_codes(x, lo[varying], hi[varying], limit)
        if coded is None:
            return None
        xv, offsets, ranges = coded
        start = 0
        while start < ranges.size:
            stop, width = start, 1
            while stop < ranges.size and card * width * int(ranges[stop]) < _MAX_EXACT:
                width *= int(ranges[stop])
                stop += 1
            if stop == start:  # even one more column would not fit: relabel first
                code, card = _compact(code)
                if card * int(ranges[start]) >= _MAX_EXACT:
                    return None
                continue
            radix = np.cumprod(np.r_[1, ranges[start:stop][::-1][:-1]])[::-1].astype(np.float64)
            code = code * width + _mixed_radix(xv[:, start:stop], offsets[start:stop], radix)
            card *= width
            start = stop
    code, card = _compact(code)
    return None if card > limit else code


Masks = npt.NDArray[np.bool_] | Sequence[npt.NDArray[np.bool_]]
"""Slice masks: a ``(slices, n)`` array, or one ``(n,)`` array per slice."""


def mask_cells(masks: Masks, n: int | None = None) -> IntArray:
    """Cell of each example: examples in the same cell belong to exactly the same slices.

    Each slice sets one bit of its members' codes (only its members are touched); codes are
    relabelled, keeping their order, whenever the next bit would take them past the range
    that :func:`_compact` relabels by counting (past 62 bits once the cells are so many that
    fewer than ``_SPARE_BITS`` slices would fit before the next relabel), so the final labels
    are those of the codes' sorted order whenever the relabels come.
    """
    if n is None:
        n = masks.shape[1] if isinstance(masks, np.ndarray) else len(masks[0])
    code = np.zeros(n, dtype=np.int64)
    used = 0  # bits in use
    top_bits = min(62, max(1, _small_range(n).bit_length() - 1))
    limit = top_bits
    for mask in masks:
        if used == limit:
            code, card = _compact(code)
            used = max(1, int(card - 1).bit_length())
            # counting pays while relabels are rare; once the cells nearly fill its range they
            # would come every few slices, so relabel by sorting at 62 bits from then on
            limit = top_bits if top_bits - used >= _SPARE_BITS else 62
        code[np.flatnonzero(mask)] |= 1 << used
        used += 1
    return _compact(code)[0]


@dataclass(frozen=True)
class Layout:
    """Rows to resample: summed statistics per (unit, cell), each row's unit and cell."""

    stats: npt.NDArray[Any]
    """``(m, K)`` statistics per row (float, or a compact integer type)."""
    units: IntArray
    """Resampling unit of each row (example index, or cluster index)."""
    cells: IntArray
    """Cell of each row: examples in the same cell belong to the same slices."""
    n_units: int
    """Number of resampling units (all of them, including units in no slice)."""
    slice_cells: tuple[IntArray, ...]
    """For each slice, the cells it is made of."""
    slice_n: tuple[int, ...]
    """Examples in each slice."""
    slice_units: tuple[int, ...]
    """Resampling units (clusters) with at least one example in each slice."""


def build_layout(stats: npt.NDArray[Any], clusters: IntArray | None, masks: Masks) -> Layout:
    """Group examples into cells by slice membership and, with clusters, into (cluster, cell)
    (``masks``: one per slice, each of the examples, as an array or as separate arrays)."""
    n = stats.shape[0]
    cells = mask_cells(masks, n)
    n_cells = int(cells.max()) + 1 if n else 0
    rep = np.zeros(n_cells, dtype=np.int64)
    rep[cells[::-1]] = np.arange(n)[::-1]
    slice_cells = tuple(np.flatnonzero(m[rep]) for m in masks)
    in_any = np.zeros(n, dtype=bool)
    for m in masks:
        in_any |= m
    slice_n = tuple(int(np.count_nonzero(m)) for m in masks)
    if clusters is None:
        units = np.arange(n, dtype=np.int64)
        n_units = n
        if in_any.all():
            layout_stats, layout_units, layout_cells = stats, units, cells
        else:
            rows = np.flatnonzero(in_any)
            layout_stats, layout_units, layout_cells = stats[rows], units[rows], cells[rows]
        slice_units = slice_n
    else:
        n_units = int(clusters.max()) + 1 if n else 0
        keep = np.flatnonzero(in_any)
        pair = clusters[keep] * max(n_cells, 1) + cells[keep]
        uniq, inv = np.unique(pair, return_inverse=True)
        layout_stats = np.zeros((uniq.size, stats.shape[1]))
        for j in range(stats.shape[1]):
            layout_stats[:, j] = np.bincount(inv, weights=stats[keep, j], minlength=uniq.size)
        layout_units = uniq // max(n_cells, 1)
        layout_cells = uniq % max(n_cells, 1)
        slice_units = tuple(int(np.unique(clusters[m]).size) for m in masks)
    return Layout(
        stats=layout_stats,
        units=layout_units.astype(np.int64),
        cells=layout_cells.astype(np.int64),
        n_units=n_units,
        slice_cells=slice_cells,
        slice_n=slice_n,
        slice_units=slice_units,
    )


@dataclass(frozen=True)
class Replicates:
    """What an interval needs for one statistic on one slice."""

    estimate: float
    """The statistic on the slice's data."""
    replicates: FloatArray
    """``(B,)`` bootstrap replicates."""
    jackknife: FloatArray
    """Leave-one-unit-out values."""
    jackknife_weights: FloatArray | None
    """Multiplicity of each jackknife value (``None``: one each)."""


def _fast_categories(
    layout: Layout, limit: int
) -> tuple[IntArray, FloatArray, IntArray, IntArray] | None:
    """(category of each row, table (C, K), cell of each category, sizes) or None."""
    u = np.sort(layout.units)
    if (u[1:] == u[:-1]).any():
        return None  # a cluster spans cells: its rows must keep one shared weight
    code = category_codes(layout.stats, limit, leading=layout.cells)
    if code is None:
        return None
    first = np.full(int(code.max()) + 1, np.iinfo(np.int64).max)
    np.minimum.at(first, code, layout.units)
    rank = np.empty_like(first)
    rank[np.argsort(first, kind="stable")] = np.arange(first.size)
    cat = rank[code]
    c = first.size
    rep = np.empty(c, dtype=np.int64)  # any row of a category: its rows are identical
    rep[cat] = np.arange(cat.size)
    table = layout.stats[rep].astype(np.float64)
    cat_cell = layout.cells[rep]
    sizes = np.bincount(cat, minlength=c).astype(np.int64)
    return cat, table, cat_cell, sizes


def slice_replicates(
    layout: Layout,
    statistics: Sequence[Statistic],
    weights: ResampleWeights,
    *,
    fast_path: bool = True,
) -> tuple[list[list[Replicates]], str | None]:
    """Replicates of every statistic on every slice, on one shared set of resamples.

    Returns ``[slice][statistic]`` results and a note naming the path taken.
    """
    k = layout.stats.shape[1]
    n_cells = int(layout.cells.max()) + 1 if layout.cells.size else 1
    limit = max(64, layout.units.size // 8)
    fast = _fast_categories(layout, limit) if fast_path and layout.units.size else None
    note: str | None = None
    if fast is not None:
        _, table, cat_cell, sizes = fast
        outside = layout.n_units - layout.units.size
        draw_sizes = np.append(sizes, outside) if outside > 0 else sizes
        counts = weights.category_counts(draw_sizes)
        cell_sums = np.zeros((n_cells, weights.resamples, k))
        for g in np.unique(cat_cell).tolist():
            members = np.flatnonzero(cat_cell == g)
            # integer counts stay exact as floats: converted cell by cell, not all at once
            cell_sums[g] = counts[:, members].astype(np.float64) @ table[members]
        note = f"category fast path ({sizes.size} categories)"
    elif layout.units.size:
        cell_sums = weights.reduce(layout.stats, layout.units, layout.cells, n_cells)
    else:
        cell_sums = np.zeros((n_cells, weights.resamples, k))
    if fast is None:  # each cell's rows, for the jackknife of the dense path
        order = np.argsort(layout.cells, kind="stable")
        bounds = np.searchsorted(layout.cells[order], np.arange(n_cells + 1))
    out: list[list[Replicates]] = []
    for cells in layout.slice_cells:
        sums = cell_sums[cells].sum(axis=0)
        jw: FloatArray | None
        if fast is not None:
            in_cat = np.isin(cat_cell, cells)
            contrib, jw = table[in_cat], sizes[in_cat].astype(np.float64)
            total = jw @ contrib
        else:
            ranges = [np.arange(bounds[g], bounds[g + 1]) for g in cells.tolist()]
            rows = order[np.concatenate(ranges)] if ranges else np.zeros(0, dtype=np.int64)
            total = layout.stats[rows].sum(axis=0, dtype=np.float64)
            u, inv = np.unique(layout.units[rows], return_inverse=True)
            contrib = np.zeros((u.size, k))
            for j in range(k):
                contrib[:, j] = np.bincount(inv, weights=layout.stats[rows, j], minlength=u.size)
            jw = None
        per_stat = []
        for fn in statistics:
            # a statistic undefined on some resample (0/0) is NaN there, counted downstream
            with np.errstate(divide="ignore", invalid="ignore"):
                est = float(np.asarray(fn(total[None, :]), dtype=np.float64)[0])
                reps = np.asarray(fn(sums), dtype=np.float64)
                jk = np.asarray(fn(total[None, :] - contrib), dtype=np.float64)
            per_stat.append(Replicates(est, reps, jk, jw))
        out.append(per_stat)
    return out, note
