"""Slices and cells of a streamed comparison, numbered as they are met and merged exactly.

A chunk's paired examples get, per slice attribute, a code that is the same in every chunk
(values numbered as first seen), and a cell (the combination of all their slice values),
also numbered as first seen. Mean metrics add their chunk's per-cell sums into running
per-cell sums (:class:`CellTotals`): counts of the 2×2 table of 0/1 scores add as integers;
other sums are of deviations from an anchor per cell, a value of the cell's first chunk (cells
are combined into slices, re-anchored, by :func:`assay.compare._moments.family_moments`).
At the end, the values are sorted
by name as the in-memory comparison sorts them, and each cell is mapped to its group in
every family.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, TypeVar

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from assay._util.arrow import numpy_array
from assay.compare._align import PairedRuns, RunSide
from assay.compare._groups import Family, Layout, _compact, _dictionary, _per_example
from assay.compare._moments import CellSums

__all__ = ["CellTotals", "SliceCodes", "StreamLayout", "distinct_columns"]

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]


G = TypeVar("G", bound=np.generic)

_LOOKUP_CELLS = 1 << 22
"""Most combinations of slice values a chunk's cells are looked up among in one table."""


def _grow(array: npt.NDArray[G], size: int) -> npt.NDArray[G]:
    if array.shape[0] >= size:
        return array
    out = np.zeros((max(size, 2 * array.shape[0]), *array.shape[1:]), dtype=array.dtype)
    out[: array.shape[0]] = array
    return out


@dataclass
class SliceCodes:
    """One slice attribute's values, numbered as first seen."""

    attribute: str
    index: dict[str, int] = field(default_factory=dict)
    seen: set[str] = field(default_factory=set)
    """Every value a record of either run names (paired or not)."""

    def codes(self, paired: PairedRuns) -> IntArray:
        """Code of each paired example's value (from the baseline's records); -1: none."""
        indices, labels = _dictionary(paired.baseline, self.attribute, "slice")
        remap = [self.index.setdefault(v, len(self.index)) if v is not None else -1 for v in labels]
        table = np.array([*remap, -1], dtype=np.int64)
        return table[_per_example(paired.baseline, indices, paired.n)]

    def note_values(self, side: RunSide) -> None:
        """Remember the values ``side``'s records name."""
        if self.attribute not in side.table.column_names:
            return
        column = side.table.column(self.attribute)
        if not pa.types.is_dictionary(column.type):
            column = column.cast(pa.string())
            self.seen |= {str(v) for v in pc.unique(column).to_pylist() if v is not None}
            return
        for chunk in column.chunks:  # the dictionary entries the indices use, counted
            entries = chunk.dictionary.cast(pa.string()).to_pylist()
            if self.seen.issuperset(str(v) for v in entries if v is not None):
                continue  # nothing this chunk can name is new
            indices = np.asarray(numpy_array(chunk.indices, fill=-1), dtype=np.int64)
            used = np.bincount(indices[indices >= 0], minlength=len(entries)) > 0
            self.seen |= {
                str(v) for v, u in zip(entries, used.tolist(), strict=True) if u and v is not None
            }


@dataclass
class StreamLayout:
    """The slice attributes and cells of every chunk met so far.

    A cell is known by the bytes of its codes (one int64 per attribute): the cells a chunk
    meets are matched against the known ones by sorting and binary search, not one by one."""

    slices: list[SliceCodes]
    known: npt.NDArray[Any] = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    """Known cells' keys, sorted."""
    known_ids: IntArray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    """The cell number of each entry of ``known``."""
    rows: IntArray = field(default_factory=lambda: np.zeros((0, 0), dtype=np.int64))
    """Codes of each cell, by cell number."""
    present: list[set[int]] = field(default_factory=list)
    """Per attribute, the codes some paired example has."""

    mode: str = ""
    """``"packed"``: a cell's key is its codes packed into one int64; ``"bytes"``: the bytes
    of its codes (when a code is too large to pack)."""
    lookup: tuple[tuple[int, ...], int, IntArray] | None = field(default=None, repr=False)
    """The cell of every combination of the values known so far, and the values per
    attribute and the number of cells it was built for (rebuilt when either changes)."""

    def __getstate__(self) -> dict[str, Any]:
        """The layout without ``lookup``: a cache, rebuilt on demand, that can be far larger
        than everything else a range's state carries between processes."""
        return {**self.__dict__, "lookup": None}

    def _key(self, rows: IntArray) -> npt.NDArray[Any]:
        """The key of each row of codes (one row per example or cell)."""
        rows = np.ascontiguousarray(rows, dtype=np.int64)
        if self.mode == "bytes":
            return rows.view(np.dtype((np.void, 8 * rows.shape[1]))).ravel()
        bits = 62 // max(rows.shape[1], 1)
        shifts = np.arange(rows.shape[1], dtype=np.int64) * bits
        return np.asarray(((rows + 1) << shifts).sum(axis=1), dtype=np.int64)

    def _sorted(self, rows: IntArray) -> tuple[npt.NDArray[Any], IntArray]:
        keys = self._key(rows)
        order = np.argsort(keys, kind="stable")
        return keys[order], order.astype(np.int64)

    @property
    def n_cells(self) -> int:
        """Cells met so far."""
        return int(self.rows.shape[0])

    def chunk_cells(self, paired: PairedRuns) -> tuple[IntArray, list[IntArray]]:
        """Global cell of each paired example of a chunk, and each family's code of it
        (the overall family first: all zero)."""
        n = paired.n
        if not self.present:
            self.present = [set() for _ in self.slices]
        overall = np.zeros(n, dtype=np.int64)
        codes = np.stack([s.codes(paired) for s in self.slices] or [overall])
        for a, row in enumerate(codes[: len(self.slices)]):
            if len(self.present[a]) < len(self.slices[a].index):  # else every value is present
                self.present[a] |= set(np.flatnonzero(np.bincount(row[row >= 0])).tolist())
        width = codes.shape[0]
        bits = 62 // width
        packed = bool(codes.max(initial=-1) < (1 << bits) - 2) and self.mode != "bytes"
        if not packed and self.mode == "packed":
            self.mode = "bytes"  # a value past the packed range: key every cell by its bytes
            self.known, self.known_ids = self._sorted(self.rows)
        elif self.mode == "":
            self.mode = "packed" if packed else "bytes"
            self.known, self.known_ids = self._sorted(np.zeros((0, width), dtype=np.int64))
        if self.mode == "packed":
            found = self._dense(codes)
            if found is not None:
                return found, [overall, *codes[: len(self.slices)]]
        # distinct combinations counted densely, then only those keyed and sorted
        local, first_of = distinct_columns(codes)
        keys = self._key(codes[:, first_of].T)
        order = np.argsort(keys, kind="stable")
        unique = keys[order]
        rank = np.empty(order.size, dtype=np.int64)
        rank[order] = np.arange(order.size, dtype=np.int64)
        inverse = rank[local]
        at = np.searchsorted(self.known, unique)
        hit = np.zeros(unique.size, dtype=bool)
        inside = at < self.known.size
        hit[inside] = self.known[at[inside]] == unique[inside]
        new = unique[~hit]
        new_ids = np.arange(self.n_cells, self.n_cells + new.size, dtype=np.int64)
        ids = np.empty(unique.size, dtype=np.int64)
        ids[hit] = self.known_ids[at[hit]]
        ids[~hit] = new_ids
        if new.size:
            first = first_of[order]
            self.rows = np.vstack([self.rows.reshape(-1, width), codes[:, first[~hit]].T])
            merged = np.concatenate([self.known, new])
            order = np.argsort(merged, kind="stable")
            self.known = merged[order]
            self.known_ids = np.concatenate([self.known_ids, new_ids])[order]
        return ids[inverse], [overall, *codes[: len(self.slices)]]

    def _dense(self, codes: IntArray) -> IntArray | None:
        """The cells of a chunk looked up in a table of every combination of the values known
        so far (``None`` when they are too many). A combination's place in the table orders
        cells as their packed keys do, so new cells are numbered as the sorted keys number
        them, and ``known`` is kept for chunks that do not fit the table."""
        radix = tuple(len(s.index) + 1 for s in self.slices) or (2,)
        if np.prod(radix, dtype=np.float64) > _LOOKUP_CELLS:
            return None
        place = np.cumprod((1, *radix[:-1]), dtype=np.int64)
        if self.lookup is None or self.lookup[:2] != (radix, self.n_cells):
            built = np.full(int(np.prod(radix)), -1, dtype=np.int64)
            built[(self.rows.reshape(-1, len(radix)) + 1) @ place] = np.arange(self.n_cells)
            self.lookup = (radix, self.n_cells, built)
        table = self.lookup[2]
        key = (codes[0] + 1) * place[0]
        for row, step in zip(codes[1:], place[1:].tolist(), strict=True):
            key += (row + 1) * step
        cells: IntArray = table[key]
        if cells.min(initial=0) >= 0:
            return cells
        new = np.unique(key[cells < 0])
        new_ids = np.arange(self.n_cells, self.n_cells + new.size, dtype=np.int64)
        table[new] = new_ids
        new_rows = (new[:, None] // place) % np.array(radix, dtype=np.int64) - 1
        merged = np.concatenate([self.known, self._key(new_rows)])
        order = np.argsort(merged, kind="stable")
        self.known = merged[order]
        self.known_ids = np.concatenate([self.known_ids, new_ids])[order]
        self.rows = np.vstack([self.rows.reshape(-1, len(radix)), new_rows])
        self.lookup = (radix, self.n_cells, table)
        found: IntArray = table[key]
        return found

    def finish(self) -> tuple[Layout, list[IntArray]]:
        """The layout of all chunks (per-example arrays left empty: nothing holds every
        example), and each family's group of each slice value code."""
        families = [Family(None, (None,), np.zeros(0, dtype=np.int64))]
        groups_of_codes: list[IntArray] = [np.zeros(1, dtype=np.int64)]
        for s, present in zip(self.slices, self.present, strict=True):
            names = sorted(v for v, code in s.index.items() if code in present)
            position = {v: i for i, v in enumerate(names)}
            remap = np.full(len(s.index) + 1, -1, dtype=np.int64)
            for v, code in s.index.items():
                remap[code] = position.get(v, -1)
            families.append(Family(s.attribute, tuple(names), np.zeros(0, dtype=np.int64)))
            groups_of_codes.append(remap)
        g = self.n_cells
        cell_groups = [np.zeros(g, dtype=np.int64)]
        cell_groups += [remap[self.rows[:, a]] for a, remap in enumerate(groups_of_codes[1:])]
        layout = Layout(tuple(families), np.zeros(0, np.int64), g, tuple(cell_groups), None, 0)
        return layout, groups_of_codes


@dataclass
class CellTotals:
    """Running per-cell sums of one variable (count, anchor, deviations, squares, spread)."""

    n: IntArray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    anchor: FloatArray = field(default_factory=lambda: np.zeros(0))
    s1: FloatArray = field(default_factory=lambda: np.zeros(0))
    s2: FloatArray = field(default_factory=lambda: np.zeros(0))
    spread: FloatArray = field(default_factory=lambda: np.zeros(0))

    def _reserve(self, n_cells: int) -> None:
        for name in ("n", "anchor", "s1", "s2", "spread"):
            setattr(self, name, _grow(getattr(self, name), n_cells))

    def fresh(self, cells: IntArray, n_cells: int) -> BoolArray | None:
        """Which of ``cells`` (codes below ``n_cells``) have no value yet (``None``: none)."""
        self._reserve(n_cells)
        if self.n[:n_cells].all():
            return None
        found: BoolArray = self.n.take(cells) == 0
        return found

    def add(
        self,
        x: FloatArray,
        cells: IntArray,
        n_cells: int,
        counts: IntArray,
        fresh: BoolArray | None,
    ) -> None:
        """Add the values ``x`` of cells ``cells`` (codes below ``n_cells``; ``counts``: how
        many of them each cell has; ``fresh``: which cells are new, as :meth:`fresh` says).

        A cell's anchor is a value of its first chunk and stays: later chunks add their
        deviations from it, so merging is plain addition."""
        self._reserve(n_cells)
        if fresh is not None:  # a cell met for the first time is anchored on its value
            self.anchor[cells[fresh]] = x[fresh]
        dev = x - self.anchor.take(cells)
        self.n[:n_cells] += counts
        self.s1[:n_cells] += np.bincount(cells, weights=dev, minlength=n_cells)
        self.s2[:n_cells] += np.bincount(cells, weights=dev * dev, minlength=n_cells)
        self.spread[:n_cells] += np.bincount(cells, weights=np.abs(dev), minlength=n_cells)

    def set(
        self, n: IntArray, anchor: FloatArray, s1: FloatArray, s2: FloatArray, spread: FloatArray
    ) -> None:
        """Start from given per-cell sums."""
        self.n, self.anchor = n.astype(np.int64), anchor.astype(np.float64)
        self.s1, self.s2, self.spread = (x.astype(np.float64) for x in (s1, s2, spread))

    def sums(self, n_cells: int) -> CellSums:
        """The totals as the in-memory cell sums of all examples."""
        return CellSums(
            n=_grow(self.n, n_cells)[:n_cells],
            anchor=_grow(self.anchor, n_cells)[:n_cells],
            s1=_grow(self.s1, n_cells)[:n_cells],
            s2=_grow(self.s2, n_cells)[:n_cells],
            spread=_grow(self.spread, n_cells)[:n_cells],
        )


def distinct_columns(matrix: IntArray) -> tuple[IntArray, IntArray]:
    """Each column's number among the distinct columns of ``matrix`` (codes of -1 and up),
    and the first column of each: counted densely when the combinations are few."""
    n = matrix.shape[1]
    key = np.zeros(n, dtype=np.int64)
    card = 1
    for row in matrix:
        width = int(row.max(initial=-1)) + 2
        if card * width >= 1 << 62:
            key, card = _compact(key, card)
        key, card = key * width + (row + 1), card * width
    local, m = _compact(key, card)
    first = np.zeros(m, dtype=np.int64)
    first[local[::-1]] = np.arange(n, dtype=np.int64)[::-1]
    return local, first
