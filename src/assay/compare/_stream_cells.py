"""Slices and cells of a streamed comparison, numbered as they are met and merged exactly.

A chunk's paired examples get, per slice attribute, a code that is the same in every chunk
(values numbered as first seen), and a cell (the combination of all their slice values),
also numbered as first seen. Mean metrics add their chunk's per-cell sums into running
per-cell sums (:class:`CellTotals`): counts of the 2×2 table of 0/1 scores add as integers;
sums of deviations are re-anchored as they merge (the same shift that combines cells into
slices in :func:`assay.compare._moments.family_moments`). At the end, the values are sorted
by name as the in-memory comparison sorts them, and each cell is mapped to its group in
every family.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from assay.compare._align import PairedRuns, RunSide
from assay.compare._groups import Family, Layout, _compact, _dictionary, _per_example
from assay.compare._moments import CellSums, cell_sums

__all__ = ["CellTotals", "SliceCodes", "StreamLayout"]

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]


def _grow(array: npt.NDArray[np.generic], size: int) -> npt.NDArray[np.generic]:
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
        if self.attribute in side.table.column_names:
            column = side.table.column(self.attribute).cast(pa.string())
            self.seen |= {str(v) for v in pc.unique(column).to_pylist() if v is not None}


@dataclass
class StreamLayout:
    """The slice attributes and cells of every chunk met so far."""

    slices: list[SliceCodes]
    cells: dict[tuple[int, ...], int] = field(default_factory=dict)
    present: list[set[int]] = field(default_factory=list)
    """Per attribute, the codes some paired example has."""

    def chunk_cells(self, paired: PairedRuns) -> tuple[IntArray, list[IntArray]]:
        """Global cell of each paired example of a chunk, and each family's code of it
        (the overall family first: all zero)."""
        n = paired.n
        if not self.present:
            self.present = [set() for _ in self.slices]
        overall = np.zeros(n, dtype=np.int64)
        if not self.slices:
            self.cells.setdefault((), 0)
            return overall, [overall]
        codes = np.stack([s.codes(paired) for s in self.slices])
        key = np.zeros(n, dtype=np.int64)
        card = 1
        for a, row in enumerate(codes):
            self.present[a] |= set(np.unique(row[row >= 0]).tolist())
            width = len(self.slices[a].index) + 1
            if card * width >= 1 << 62:
                key, card = _compact(key, card)
            key, card = key * width + (row + 1), card * width
        local, m = _compact(key, card)
        first = np.zeros(m, dtype=np.int64)
        first[local[::-1]] = np.arange(n, dtype=np.int64)[::-1]
        ids = np.array(
            [
                self.cells.setdefault(tuple(col), len(self.cells))
                for col in codes[:, first].T.tolist()
            ],
            dtype=np.int64,
        )
        return ids[local], [overall, *codes]

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
        keys = sorted(self.cells, key=self.cells.__getitem__)
        cell_codes = np.array(keys, dtype=np.int64).reshape(len(keys), len(self.slices))
        cell_groups = [np.zeros(len(keys), dtype=np.int64)]
        cell_groups += [remap[cell_codes[:, a]] for a, remap in enumerate(groups_of_codes[1:])]
        layout = Layout(
            tuple(families), np.zeros(0, np.int64), len(keys), tuple(cell_groups), None, 0
        )
        return layout, groups_of_codes


@dataclass
class CellTotals:
    """Running per-cell sums of one variable (count, anchor, deviations, squares, spread)."""

    n: IntArray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    anchor: FloatArray = field(default_factory=lambda: np.zeros(0))
    s1: FloatArray = field(default_factory=lambda: np.zeros(0))
    s2: FloatArray = field(default_factory=lambda: np.zeros(0))
    spread: FloatArray = field(default_factory=lambda: np.zeros(0))

    def add(self, x: FloatArray, cells: IntArray, n_cells: int) -> None:
        """Add the values ``x`` of cells ``cells`` (codes below ``n_cells``)."""
        for name in ("n", "anchor", "s1", "s2", "spread"):
            setattr(self, name, _grow(getattr(self, name), n_cells))
        new = cell_sums(x, cells, n_cells)
        hit = np.flatnonzero(new.n)
        first = hit[self.n[hit] == 0]
        self.anchor[first] = new.anchor[first]
        nj, s1 = new.n[hit], new.s1[hit]
        delta = new.anchor[hit] - self.anchor[hit]
        self.s1[hit] += s1 + nj * delta
        self.s2[hit] += new.s2[hit] + delta * (2.0 * s1 + nj * delta)
        self.spread[hit] += new.spread[hit] + np.abs(delta)
        self.n[hit] += nj

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
