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
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from assay.stats.bootstrap._core import category_codes, mask_cells
from assay.stats.bootstrap._order import lerp, positions, weighted_quantile
from assay.stats.bootstrap._weights import _RESAMPLE_BLOCK, ResampleWeights, parallel_map

__all__ = ["band_replicates"]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
_BAND_SD = 5.0
_TAG_FALLBACK_STREAM = 7


@dataclass(frozen=True)
class _Band:
    """One slice and model: examples sorted by value and the band ``[lo, hi)`` of ranks."""

    order: IntArray
    lo: int
    hi: int


def _bands(orders: list[list[IntArray]], q: float) -> list[list[_Band]]:
    out = []
    for row in orders:
        m = row[0].size
        centre = math.floor(q * max(m - 1, 0))
        half = math.ceil(_BAND_SD * math.sqrt(m * q * (1.0 - q))) + 3
        lo, hi = max(0, centre - half), min(m, centre + half + 2)
        out.append([_Band(order, lo, hi) for order in row])
    return out


def _categories(
    n: int,
    masks: npt.NDArray[np.bool_],
    cells: IntArray,
    bands: list[list[_Band]],
) -> tuple[IntArray, npt.NDArray[np.bool_]]:
    """Category of each example (cell and band class in each of its slices), and band flags.

    Categories are numbered by their first example, so they do not depend on value order.
    """
    in_band = np.zeros(n, dtype=bool)
    classes = []
    for row in bands:
        per_model = []
        for band in row:
            cls = np.full(n, 1, dtype=np.int8)  # only read at the slice's examples
            cls[band.order[: band.lo]] = 0
            cls[band.order[band.hi :]] = 2
            in_band[band.order[band.lo : band.hi]] = True
            per_model.append(cls)
        classes.append(per_model)
    code = np.empty(n, dtype=np.int64)
    by_cell = np.argsort(cells, kind="stable")
    edges = np.searchsorted(cells[by_cell], np.arange(int(cells.max()) + 2))
    offset = 0
    for g in range(edges.size - 1):
        members = by_cell[edges[g] : edges[g + 1]]
        if members.size == 0:
            continue
        cols = [
            classes[s][mod][members]
            for s in np.flatnonzero(masks[:, members[0]])
            for mod in range(len(bands[0]))
        ]
        local = (
            category_codes(np.stack(cols, axis=1), limit=members.size)
            if cols
            else np.zeros(members.size, dtype=np.int64)
        )
        assert local is not None
        code[members] = offset + local
        offset += int(local.max()) + 1
    first = np.full(offset, n, dtype=np.int64)
    np.minimum.at(first, code, np.arange(n))
    rank = np.empty(offset, dtype=np.int64)
    rank[np.argsort(first, kind="stable")] = np.arange(offset)
    return rank[code], in_band


def band_replicates(
    values: FloatArray,
    masks: npt.NDArray[np.bool_],
    slice_idx: list[IntArray],
    orders: list[list[IntArray]],
    q: float,
    weights: ResampleWeights,
) -> FloatArray:
    """``(slices, models, B)`` replicates by the band method (see module docstring)."""
    n_models, n = values.shape
    cells = mask_cells(masks)
    bands = _bands(orders, q)
    cat, in_band = _categories(n, masks, cells, bands)
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
    # indicator matrices: categories in each slice, categories below each band
    in_slice = np.zeros((n_cat, masks.shape[0]))
    below = np.zeros((n_cat, len(segments)))
    for s, idx in enumerate(slice_idx):
        in_slice[np.unique(cat[idx]), s] = 1.0
    for g, (_, _, band) in enumerate(segments):
        below[np.unique(cat[band.order[: band.lo]]), g] = 1.0
    seg_slice = np.array([s for s, _, _ in segments], dtype=np.int64)
    # all bands side by side: one cumulative sum and one search per resample block
    members = [band.order[band.lo : band.hi] for _, _, band in segments]
    widths = np.array([m.size for m in members], dtype=np.int64)
    seg_start = np.concatenate(([0], np.cumsum(widths)))
    cols = pool_col[np.concatenate(members)] if members else np.zeros(0, dtype=np.int64)
    band_x = np.concatenate(
        [values[mod, m] for (_, mod, _), m in zip(segments, members, strict=True)]
    )
    out = np.empty((masks.shape[0], n_models, weights.resamples))

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
        else:
            pool_w = weights.split_counts(c[:, pool_ids], pool_sizes, 1, r0 // _RESAMPLE_BLOCK)
        # small weights gather much faster as bytes
        if pool_w.size and int(pool_w.max()) < 256:
            pool_w = pool_w.astype(np.uint8)
        cf = c.astype(np.float64)  # integer sums stay exact in float64 matrix products
        total = (cf @ in_slice).astype(np.int64)[:, seg_slice]
        k_below = (cf @ below).astype(np.int64)
        vals, inside = _band_values(
            band_x, seg_start, k_below, np.take(pool_w, cols, axis=1), total, q
        )
        for b, g in zip(*np.nonzero(~inside), strict=True):
            s, mod, band = segments[g]
            w = _materialise(masks[s], cat, c[b], pool_cat, pool_col, pool_w[b], weights, r0 + b)
            vals[b, g] = weighted_quantile(values[mod, band.order], w[band.order][None, :], q)[0]
        for g, (s, mod, _) in enumerate(segments):
            out[s, mod, r0:r1] = vals[:, g]

    parallel_map(block, list(range(0, weights.resamples, _RESAMPLE_BLOCK)))
    return out


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
    cum = np.cumsum(w_band, axis=1, dtype=np.int64)
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
