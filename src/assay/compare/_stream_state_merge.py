"""Merging the streaming states of consecutive ranges of examples, as one pass would leave it.

Each range's state numbers what it meets in its own order: slice values, cells (combinations
of slice values), label combinations and joint categories, and its paired examples from 0.
Merging state ``b`` (the later range) into ``a`` renumbers ``b``'s values, cells and
combinations into ``a``'s numbering (new ones after ``a``'s, in ``b``'s order) and shifts
``b``'s example positions by ``a``'s paired examples; then every total adds:

- counts (records, errors, missing scores, 2×2 tables, category sizes) as integers, exactly;
- a category's first example and the kept flips keep the earlier range's, so the categories'
  order and the flips listed are those of one pass;
- per-cell sums of deviations are re-anchored to ``a``'s anchor (``s1 + n·d``,
  ``s2 + d·(2·s1 + n·d)``; zero spread exactly when both are constant and share the anchor),
  equal to one pass's sums to floating-point rounding, as sums over other chunk sizes are.

The ranges must be consecutive ranges of example ids, every record of an example (in both
runs) in one range, merged in id order.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from assay.compare._categories import MAX_CATEGORIES
from assay.compare._flips import FlipCandidate
from assay.compare._stream_categories import _LOW, CategoryTotals, _refuse
from assay.compare._stream_cells import CellTotals, SliceCodes, StreamLayout, _grow
from assay.compare._stream_means import FlipTotals, MeanTotals

if TYPE_CHECKING:
    from assay.compare._stream_state import StreamState

__all__ = ["merge_into", "merge_states"]

IntArray = npt.NDArray[np.int64]


def merge_states(states: Sequence[StreamState]) -> StreamState:
    """The states of consecutive ranges of examples (in id order) merged into the first."""
    merged = states[0]
    for later in states[1:]:
        merge_into(merged, later)
    return merged


def merge_into(a: StreamState, b: StreamState) -> None:
    """Add ``b``, the state of the range of examples right after ``a``'s, to ``a``
    (``b`` is used up)."""
    offset = a.n
    code_maps = [
        _merge_values(sa, sb) for sa, sb in zip(a.layout.slices, b.layout.slices, strict=True)
    ]
    cell_map = _merge_cells(a.layout, b.layout, code_maps)
    n_cells = a.layout.n_cells
    for (_, ta), (_, tb) in zip(a.means, b.means, strict=True):
        _merge_means(ta, tb, cell_map, n_cells)
    _merge_means(a.cost, b.cost, cell_map, n_cells)
    _merge_flips(a.flips, b.flips, offset)
    if a.sums is not None and b.sums is not None:
        _merge_categories(a.sums, b.sums, code_maps, offset)
    for name, side in a.sides.items():
        other = b.sides[name]
        side.records += other.records
        side.errors += other.errors
        side.columns |= other.columns
    _add_counts(a.missing, b.missing)
    a.n += b.n
    a.only_b += b.only_b
    a.only_c += b.only_c
    a.max_samples = max(a.max_samples, b.max_samples)
    a.chunks += b.chunks


def _add_counts(into: dict[str, dict[str, int]], more: dict[str, dict[str, int]]) -> None:
    for side, counts in more.items():
        mine = into.setdefault(side, {})
        for metric, k in counts.items():
            mine[metric] = mine.get(metric, 0) + k


def _renumber(index: dict[Any, int], later: dict[Any, int]) -> IntArray:
    """``later``'s numbers in ``index`` (new entries appended in ``later``'s order); the
    extra last entry maps -1 (no value) to -1."""
    out = np.full(len(later) + 1, -1, dtype=np.int64)
    for key, code in sorted(later.items(), key=lambda kv: kv[1]):
        out[code] = index.setdefault(key, len(index))
    return out


def _merge_values(a: SliceCodes, b: SliceCodes) -> IntArray:
    a.seen |= b.seen
    return _renumber(a.index, b.index)


def _merge_cells(a: StreamLayout, b: StreamLayout, code_maps: list[IntArray]) -> IntArray:
    """Renumber ``b``'s cells into ``a``'s (new cells appended in ``b``'s order)."""
    if not a.present:
        a.present = [set() for _ in a.slices]
    for i, codes in enumerate(b.present):
        a.present[i] |= {int(code_maps[i][c]) for c in codes}
    if b.n_cells == 0:
        return np.zeros(0, dtype=np.int64)
    rows = b.rows.copy()
    for i, remap in enumerate(code_maps):
        rows[:, i] = remap[rows[:, i]]
    width = rows.shape[1]
    mine = a.rows.reshape(-1, width)
    known = {row.tobytes(): i for i, row in enumerate(mine)}
    cell_map = np.empty(rows.shape[0], dtype=np.int64)
    new: list[int] = []
    for j, row in enumerate(rows):
        at = known.setdefault(row.tobytes(), len(known))
        cell_map[j] = at
        if at >= mine.shape[0]:
            new.append(j)
    a.rows = np.vstack([mine, rows[new]])
    # the keys of the merged cells, packed while every code fits (as one pass would key them)
    fits = bool(a.rows.max(initial=-1) < (1 << (62 // width)) - 2)
    a.mode = "packed" if fits and "bytes" not in (a.mode, b.mode) else "bytes"
    a.known, a.known_ids = a._sorted(a.rows)
    return cell_map


def _merge_means(a: MeanTotals, b: MeanTotals, cell_map: IntArray, n_cells: int) -> None:
    a.scored = a.scored or b.scored
    for side, (total, count) in b.spread.items():
        a.spread[side][0] += total
        a.spread[side][1] += count
    k = cell_map.size
    if a.binary and b.binary:
        a.table = _grow(a.table, n_cells)
        a.table[cell_map] += _grow(b.table, k)[:k]
        return
    for t in (a, b):
        t.as_continuous()
    for mine, theirs in zip(a.runs, b.runs, strict=True):
        _merge_sums(mine, theirs, cell_map, n_cells)


def _merge_sums(a: CellTotals, b: CellTotals, cell_map: IntArray, n_cells: int) -> None:
    """Add ``b``'s per-cell sums to ``a``'s, re-anchored on ``a``'s anchors."""
    for name in ("n", "anchor", "s1", "s2", "spread"):
        setattr(a, name, _grow(getattr(a, name), n_cells))
    k = cell_map.size
    n, anchor, s1, s2, spread = (
        _grow(getattr(b, name), k)[:k] for name in ("n", "anchor", "s1", "s2", "spread")
    )
    has = n > 0
    to = cell_map[has]
    n, anchor, s1, s2, spread = n[has], anchor[has], s1[has], s2[has], spread[has]
    fresh = a.n[to] == 0
    a.anchor[to[fresh]] = anchor[fresh]
    d = np.where(fresh, 0.0, anchor - a.anchor[to])
    nf = n.astype(np.float64)
    a.s1[to] += s1 + nf * d
    a.s2[to] += s2 + d * (2.0 * s1 + nf * d)
    a.spread[to] += spread + nf * np.abs(d)
    a.n[to] += n


def _merge_flips(a: FlipTotals, b: FlipTotals, offset: int) -> None:
    for metric, (worse, better) in b.counts.items():
        total = a.counts.setdefault(metric, [0, 0])
        total[0] += worse
        total[1] += better
    moved = [
        (
            FlipCandidate(
                c.example + offset, c.metric, c.baseline_score, c.candidate_score, c.change
            ),
            flip,
        )
        for c, flip in b.kept
    ]
    a.kept += moved
    if a.max_flips is None:
        return
    for key, best in b.best.items():
        mine = a.best.setdefault(key, [])
        mine += [(size, example + offset) for size, example in best]
        mine.sort()
        del mine[a.max_flips :]
    # the flips no longer among the best of their direction are never listed
    listed = {(m, reg, key) for (m, reg), best in a.best.items() for key in best}
    a.kept = [
        k
        for k in a.kept
        if (k[0].metric, k[0].regression, (-abs(k[0].change), k[0].example)) in listed
    ]


def _merge_categories(
    a: CategoryTotals, b: CategoryTotals, code_maps: list[IntArray], offset: int
) -> None:
    combo_maps = [
        [_renumber(mine.index, theirs.index) for mine, theirs in zip(pa_, pb, strict=True)]
        for pa_, pb in zip(a.combos, b.combos, strict=True)
    ]
    for i, names in enumerate(b.names):
        while len(a.names) <= i:
            a.names.append([])
        a.names[i] = a.names[i] or names
    joint_map = np.empty(len(b.joint), dtype=np.int64)
    for key, j in b.joint.items():
        moved = tuple(int(combo_maps[i // 2][i % 2][c]) for i, c in enumerate(key))
        joint_map[j] = a.joint.setdefault(moved, len(a.joint))
    for f, (mine, theirs) in enumerate(zip(a.found, b.found, strict=True)):
        if not theirs.keys.size:
            continue
        codes = (theirs.keys >> 32) - 1
        if f:
            codes = code_maps[f - 1][codes]
        keys = ((codes + 1) << 32) | joint_map[theirs.keys & _LOW]
        mine.add(keys, theirs.sizes, theirs.first + offset)
        if mine.keys.size > MAX_CATEGORIES:
            raise _refuse(
                a.specs[0][0], f"its label combinations × slice values pass {MAX_CATEGORIES:,}"
            )
    _add_counts(a.missing, b.missing)
