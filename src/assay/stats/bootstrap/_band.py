"""The band method: exact bootstrap of quantiles from category counts and a narrow band.

The resampled ``q``-quantile of ``m`` values lies, with overwhelming probability, among the
values ranked within about five standard deviations ``sqrt(m q (1 - q))`` of rank ``q m``.
Only those "band" examples need their own weights; every other example counts only
through how many fall below the band. Examples are grouped into categories (slice cell, and
below / in / above the band for each slice and model), category totals are drawn once per
resample, and totals of categories holding band examples are split uniformly over their
members (under Poisson weights the members are drawn and the totals are their sums). A
resample whose quantile falls outside the band is recomputed from materialised weights, so
the method is exact, in ``O(resamples × (categories + band))``.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
import numpy.typing as npt

from assay.stats.bootstrap._band_categories import _Band, _categories
from assay.stats.bootstrap._core import mask_cells
from assay.stats.bootstrap._order import lerp, positions, weighted_quantile
from assay.stats.bootstrap._select import stable_band
from assay.stats.bootstrap._weights import _RESAMPLE_BLOCK, ResampleWeights, parallel_map

__all__ = ["band_replicates"]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
_BAND_SD = 5.0
_TAG_FALLBACK_STREAM = 7


def _bands(values: FloatArray, slice_idx: list[IntArray], q: float) -> list[list[_Band]]:
    n = values.shape[1]
    out = []
    for idx in slice_idx:
        m = idx.size
        centre = math.floor(q * max(m - 1, 0))
        half = math.ceil(_BAND_SD * math.sqrt(m * q * (1.0 - q))) + 3
        lo, hi = max(0, centre - half), min(m, centre + half + 2)
        row = []
        for x in values:
            whole = m == n  # the slice of every example: local positions are examples
            local, band = stable_band(x if whole else x[idx], lo, hi)
            row.append(_Band(local, band if whole else idx[band], lo, hi))
        out.append(row)
    return out


def band_replicates(
    values: FloatArray,
    masks: npt.NDArray[np.bool_],
    slice_idx: list[IntArray],
    q: float,
    weights: ResampleWeights,
) -> FloatArray:
    """``(slices, models, B)`` replicates by the band method (see module docstring);
    ``slice_idx``: each slice's examples."""
    n_models, n = values.shape
    cells = np.zeros(n, dtype=np.int64) if masks.all() else mask_cells(masks)  # one cell
    bands = _bands(values, slice_idx, q)
    cat, in_band, first = _categories(n, masks, cells, bands, slice_idx)
    n_cat = int(cat.max()) + 1
    sizes = np.bincount(cat, minlength=n_cat)
    pool_cat = np.zeros(n_cat, dtype=bool)
    pool_cat[cat[in_band]] = True
    pool_ids = np.flatnonzero(pool_cat)
    # members of pool categories, category by category, in example order
    pool_members = np.flatnonzero(pool_cat[cat])
    pool_members = pool_members[np.argsort(cat[pool_members], kind="stable")]
    pool_col = np.full(n, -1, dtype=np.int64)
    pool_col[pool_members] = np.arange(pool_members.size)
    counts = weights.category_counts(sizes, stream=1)
    pool_sizes = sizes[pool_ids]
    segments = [(s, mod, band) for s in range(masks.shape[0]) for mod, band in enumerate(bands[s])]
    # indicator matrices: categories in each slice, categories below each band (a category
    # shares its cell and its classes in the cell's slices: its first example speaks for it)
    in_slice = masks[:, first].T
    below = np.zeros((n_cat, len(segments)), dtype=bool)
    for g, (s, _, band) in enumerate(segments):
        inside = masks[s, first]
        below[inside, g] = band.cls[np.searchsorted(slice_idx[s], first[inside])] == 0
    seg_slice = np.array([s for s, _, _ in segments], dtype=np.int64)
    # all bands side by side: one cumulative sum and one search per resample block
    members = [band.members for _, _, band in segments]
    widths = np.array([m.size for m in members], dtype=np.int64)
    seg_start = np.concatenate(([0], np.cumsum(widths)))
    cols = pool_col[np.concatenate(members)] if members else np.zeros(0, dtype=np.int64)
    band_x = np.concatenate(
        [values[mod, m] for (_, mod, _), m in zip(segments, members, strict=True)]
    )
    slice_sums, below_sums = _column_sums(in_slice), _column_sums(below)
    out = np.empty((masks.shape[0], n_models, weights.resamples))
    full_order: dict[int, IntArray] = {}

    def block(r0: int) -> None:
        r1 = min(weights.resamples, r0 + _RESAMPLE_BLOCK)
        c = counts[r0:r1]
        pool_w: npt.NDArray[Any]
        if weights.kind == "poisson":  # independent unit weights: categories are their sums
            pool_w = weights.fresh_poisson(r1 - r0, pool_members.size, 1, r0 // _RESAMPLE_BLOCK)
            bounds = np.concatenate(([0], np.cumsum(pool_sizes)))
            c[:, pool_ids] = (
                np.add.reduceat(pool_w, bounds[:-1], axis=1, dtype=np.int64) if pool_ids.size else 0
            )
        else:  # drawn as bytes where they fit: an eighth of the memory, the same weights
            split = (c[:, pool_ids], pool_sizes, 1, r0 // _RESAMPLE_BLOCK)
            try:
                pool_w = weights.split_counts(*split, dtype=np.uint8)
            except OverflowError:
                pool_w = weights.split_counts(*split)
        # small weights gather much faster as bytes
        if pool_w.size and pool_w.dtype != np.uint8 and int(pool_w.max()) < 256:
            pool_w = pool_w.astype(np.uint8)
        total = slice_sums(c)[:, seg_slice]
        k_below = below_sums(c)
        vals, inside = _band_values(
            band_x, seg_start, k_below, np.take(pool_w, cols, axis=1), total, q
        )
        for b, g in zip(*np.nonzero(~inside), strict=True):
            s, mod, _ = segments[g]
            w = _materialise(masks[s], cat, c[b], pool_cat, pool_col, pool_w[b], weights, r0 + b)
            order = full_order.get(g)
            if order is None:  # the slice sorted in full, once, if ever needed
                by = np.argsort(values[mod, slice_idx[s]], kind="stable")
                order = full_order.setdefault(g, slice_idx[s][by])
            vals[b, g] = weighted_quantile(values[mod, order], w[order][None, :], q)[0]
        for g, (s, mod, _) in enumerate(segments):
            out[s, mod, r0:r1] = vals[:, g]

    parallel_map(block, list(range(0, weights.resamples, _RESAMPLE_BLOCK)))
    return out


def _column_sums(
    indicator: npt.NDArray[np.bool_],
) -> Callable[[npt.NDArray[np.integer[Any]]], IntArray]:
    """``counts @ indicator`` in integers, as sums of the few columns each output column
    takes (no floating-point matrix product, no threads of a BLAS library)."""
    group, cat = np.nonzero(indicator.T)
    starts = np.searchsorted(group, np.arange(indicator.shape[1]))
    empty = np.bincount(group, minlength=indicator.shape[1]) == 0

    def sums(counts: npt.NDArray[np.integer[Any]]) -> IntArray:
        picked = np.zeros((counts.shape[0], cat.size + 1), dtype=np.int64)  # a last zero
        picked[:, :-1] = counts[:, cat]
        out = np.add.reduceat(picked, starts, axis=1)
        out[:, empty] = 0
        return out

    return sums


def _band_values(
    band_x: FloatArray,
    seg_start: IntArray,
    k_below: IntArray,
    w_band: IntArray,
    total: IntArray,
    q: float,
) -> tuple[FloatArray, npt.NDArray[np.bool_]]:
    """Quantiles read off every band at once, and which resamples each band really covers.

    ``w_band`` holds the band weights of all segments side by side (segment ``g`` in columns
    ``seg_start[g]:seg_start[g + 1]``); ``k_below`` and ``total`` are ``(rows, segments)``.
    Counts stay integers, so positions in the resampled order are exact.
    """
    rows, n_seg = k_below.shape
    jf, j1f, frac = positions(total.astype(np.float64), q)
    j, j1 = jf.astype(np.int64), j1f.astype(np.int64)
    width = w_band.shape[1]
    cum = w_band.astype(np.int64)  # widened first: a cumulative sum in place is much faster
    np.cumsum(cum, axis=1, out=cum)
    before = np.zeros((rows, n_seg), dtype=np.int64)  # weight of earlier segments
    has = seg_start[:-1] > 0
    before[:, has] = cum[:, seg_start[:-1][has] - 1]
    # first column where the segment's cumulative weight, plus what is below it, exceeds j:
    # rows are made one increasing sequence by offsetting them, then searched at once
    big = int(cum[:, -1].max()) + 2 if width else 1
    offsets = (np.arange(rows, dtype=np.int64) * big)[:, None]
    cum += offsets
    flat = cum.ravel()
    base = np.arange(rows, dtype=np.int64)[:, None] * width
    shift = before - k_below
    i0 = np.searchsorted(flat, np.clip(j + shift, -1, big - 1) + offsets, side="right") - base
    i1 = np.searchsorted(flat, np.clip(j1 + shift, -1, big - 1) + offsets, side="right") - base
    end = seg_start[1:][None, :]
    inside = ((j >= k_below) & (i1 < end)) | (total < 1)
    last = max(band_x.size - 1, 0)
    x0 = band_x[np.clip(i0, 0, last)] if band_x.size else np.zeros(i0.shape)
    x1 = band_x[np.clip(i1, 0, last)] if band_x.size else np.zeros(i1.shape)
    vals = lerp(x0, x1, frac)
    return np.where(total >= 1, vals, np.nan), inside


def _materialise(
    mask: npt.NDArray[np.bool_],
    cat: IntArray,
    counts_row: IntArray,
    pool_cat: npt.NDArray[np.bool_],
    pool_col: IntArray,
    pool_row: IntArray,
    weights: ResampleWeights,
    b: int,
) -> FloatArray:
    """Exact weights of every example of a slice for resample ``b``, from category totals."""
    idx = np.flatnonzero(mask)
    w = np.zeros(mask.size)
    own = pool_cat[cat[idx]]
    w[idx[own]] = pool_row[pool_col[idx[own]]]
    rest = idx[~own]
    if rest.size:
        cats, inv = np.unique(cat[rest], return_inverse=True)
        by = np.argsort(inv, kind="stable")
        split = weights.split_counts(
            counts_row[cats][None, :], np.bincount(inv), _TAG_FALLBACK_STREAM, b
        )
        w[rest[by]] = split[0]
    return w
