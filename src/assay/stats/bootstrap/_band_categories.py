"""Categories of the band method: examples that share their slices (cell) and their class
(below, in or above the band) in each band of those slices are exchangeable, so one count per
category and resample stands for all of them (see ``_band.py``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from assay.stats.bootstrap._core import _compact, category_codes

__all__: list[str] = []

IntArray = npt.NDArray[np.int64]
_MAX_KEYS = 1 << 16  # categories keyed by cell and classes directly, up to this many keys


@dataclass(frozen=True)
class _Band:
    """One slice and model: the class of each of the slice's examples (in example order) by
    rank (0 below the band ``[lo, hi)`` of ranks, 1 in it, 2 above), and the band's examples
    in value order (ties in example order)."""

    cls: npt.NDArray[np.int8]
    members: IntArray
    lo: int
    hi: int


def _categories(
    n: int,
    masks: npt.NDArray[np.bool_],
    cells: IntArray,
    bands: list[list[_Band]],
    slice_idx: list[IntArray],
) -> tuple[IntArray, npt.NDArray[np.bool_], IntArray]:
    """Category of each example (cell and band class in each of its slices), band flags, and
    each category's first example.

    Categories are numbered by their first example, so they do not depend on value order.
    """
    in_band = _in_band(n, bands)
    n_cells = int(cells.max()) + 1
    n_keys = n_cells * 3 ** sum(len(row) for row in bands)
    if n_keys <= _MAX_KEYS:  # cell and every class as digits of one small key
        key = cells.astype(np.int64)
        for idx, row in zip(slice_idx, bands, strict=True):
            for band in row:
                key *= 3
                if idx.size == n:
                    key += band.cls
                else:  # class 1 outside the slice, as a constant digit
                    key += 1
                    key[idx] += band.cls - 1
        cat, first = _numbered(key, n_keys)
        return cat, in_band, first
    # Examples of one cell share their slices, so base-3 digits of the classes in their own
    # slices (every band touches only its slice's examples) tell them apart; with the cell
    # as the leading digit, equal keys are exactly equal categories.
    rep = np.zeros(n_cells, dtype=np.int64)  # an example of each cell
    rep[cells] = np.arange(n)
    depth = int(masks[:, rep].sum(axis=0).max())
    radix = 3 ** (depth * max((len(row) for row in bands), default=0))
    if n_cells * radix >= 2**62:
        return _categories_by_cell(n, masks, cells, bands, slice_idx)
    key = np.zeros(n, dtype=np.int64)
    for idx, row in zip(slice_idx, bands, strict=True):
        for band in row:
            if idx.size == n:
                key *= 3
                key += band.cls
            else:
                key[idx] = key[idx] * 3 + band.cls
    key += cells * radix
    if n_cells * radix > 4 * n:
        key, n_codes = _compact(key)
    else:
        n_codes = n_cells * radix
    cat, first = _numbered(key, n_codes)
    return cat, in_band, first


def _categories_by_cell(
    n: int,
    masks: npt.NDArray[np.bool_],
    cells: IntArray,
    bands: list[list[_Band]],
    slice_idx: list[IntArray],
) -> tuple[IntArray, npt.NDArray[np.bool_], IntArray]:
    """:func:`_categories` one cell at a time, for cells in too many slices for one key."""
    in_band = _in_band(n, bands)
    n_cells = int(cells.max()) + 1
    code = np.empty(n, dtype=np.int64)
    by_cell = np.argsort(cells, kind="stable")
    edges = np.searchsorted(cells[by_cell], np.arange(n_cells + 1))
    offset = 0
    for g in range(n_cells):
        members = by_cell[edges[g] : edges[g + 1]]
        if members.size == 0:
            continue
        cols = [
            bands[s][mod].cls[np.searchsorted(slice_idx[s], members)]
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
    cat, first = _numbered(code, offset)
    return cat, in_band, first


def _in_band(n: int, bands: list[list[_Band]]) -> npt.NDArray[np.bool_]:
    in_band = np.zeros(n, dtype=bool)
    for row in bands:
        for band in row:
            in_band[band.members] = True
    return in_band


def _numbered(code: IntArray, n_codes: int) -> tuple[IntArray, IntArray]:
    """Codes ``0 .. n_codes - 1`` renumbered by first example, and each one's first example."""
    n = code.size
    first = np.full(n_codes, n, dtype=np.int64)
    np.minimum.at(first, code, np.arange(n))
    used = np.flatnonzero(first < n)
    rank = np.zeros(n_codes, dtype=np.int64)
    by_first = used[np.argsort(first[used], kind="stable")]
    rank[by_first] = np.arange(used.size)
    return rank[code], first[by_first]
