"""Slices and clusters of the paired examples, as small integer codes computed once.

Every slice attribute becomes one integer code per paired example (its values sorted by
name, -1 for a missing value), so per-slice sums are one ``np.bincount`` per attribute.
Clusters are numbered in the order of their first paired example, so the numbering, and with
it every resample, does not depend on the order of the records.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from assay._util.arrow import numpy_array
from assay.compare._align import PairedRuns, RunSide
from assay.errors import DataError

__all__ = [
    "Family",
    "Layout",
    "build_layout",
    "cluster_codes",
    "empty_slices",
    "overall_family",
    "slice_family",
]

IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True, eq=False)
class Family:
    """The overall group, or the values of one slice attribute, over the paired examples."""

    attribute: str | None
    """Slice attribute; ``None`` for all examples."""
    values: tuple[str | None, ...]
    """Slice values, sorted (``(None,)`` for all examples)."""
    codes: IntArray
    """Index into ``values`` of each paired example; -1 when it has no value."""

    @property
    def size(self) -> int:
        """Number of groups."""
        return len(self.values)


def overall_family(n: int) -> Family:
    """All paired examples as one group."""
    return Family(None, (None,), np.zeros(n, dtype=np.int64))


def _per_example(side: RunSide, record_codes: IntArray, n: int) -> IntArray:
    """Spread per-record codes onto paired examples (the records of one example agree)."""
    if side.identity:
        return record_codes
    out = np.full(n, -1, dtype=np.int64)
    keep = side.example >= 0
    out[side.example[keep]] = record_codes[keep]
    return out


def _dictionary(side: RunSide, column: str, what: str) -> tuple[IntArray, list[str | None]]:
    table = side.table
    if column not in table.column_names:
        raise DataError(
            f"the {side.name} records have no {column!r} column",
            column=column,
            expected=f"a {what} column {column!r}",
            found="no such column",
        )
    col = table.column(column)
    if not pa.types.is_dictionary(col.type):
        col = pc.dictionary_encode(col.cast(pa.string()))
    arr = col.combine_chunks() if isinstance(col, pa.ChunkedArray) else col
    indices = np.asarray(numpy_array(arr.indices, fill=-1), dtype=np.int64)
    labels = arr.dictionary.cast(pa.string()).to_pylist()
    return indices, labels


def slice_family(paired: PairedRuns, attribute: str) -> Family:
    """The values of one slice attribute, taken from the baseline's records."""
    side = paired.baseline
    indices, labels = _dictionary(side, attribute, "slice")
    names = sorted({v for v in labels if v is not None})
    position = {v: i for i, v in enumerate(names)}
    # dictionary entries shifted by one: 0 is an example without a value (index -1)
    shifted = _per_example(side, indices, paired.n) + 1
    remap = np.array([-1] + [position.get(v, -1) if v is not None else -1 for v in labels])
    # the examples of each entry, summed into its value: which values occur
    used = np.bincount(shifted, minlength=remap.size)
    named = remap >= 0
    present = np.bincount(remap[named], weights=used[named], minlength=len(names)) > 0
    compact = np.append(np.where(present, np.cumsum(present) - 1, -1), -1)
    codes = compact[remap][shifted]  # -1 (no value) indexes the trailing -1
    values = tuple(v for v, p in zip(names, present.tolist(), strict=True) if p)
    return Family(attribute, values, codes.astype(np.int64, copy=False))


def _values_in(side: RunSide, attribute: str) -> set[str]:
    if attribute not in side.table.column_names:
        return set()
    column = side.table.column(attribute)
    if not pa.types.is_dictionary(column.type):
        column = column.cast(pa.string())
        return {str(v) for v in pc.unique(column).to_pylist() if v is not None}
    # the dictionary entries that records use: no string per record
    out: set[str] = set()
    for chunk in column.chunks:
        used = pc.unique(chunk.indices).drop_null()
        values = chunk.dictionary.cast(pa.string()).take(used).to_pylist()
        out |= {str(v) for v in values if v is not None}
    return out


def empty_slices(
    paired: PairedRuns,
    families: Sequence[Family],
    suite_values: Mapping[str, Iterable[str]] | None = None,
) -> list[str]:
    """Slices (``attribute=value``) that a run or the suite has but no paired example is in.

    ``suite_values``: the values each slice attribute takes in the suite's examples, when
    known; without it the runs' own records name the slices.
    """
    out = []
    for family in families:
        if family.attribute is None:
            continue
        attribute = family.attribute
        known = _values_in(paired.baseline, attribute) | _values_in(paired.candidate, attribute)
        if suite_values is not None:
            known |= {str(v) for v in suite_values.get(attribute, ())}
        out += [f"{attribute}={v}" for v in sorted(known - set(family.values))]
    return out


def cluster_codes(paired: PairedRuns) -> tuple[IntArray, int] | None:
    """Cluster of each paired example (0 .. G-1) from the baseline, or ``None`` without clusters.

    An example without a cluster label is a cluster of its own.
    """
    side = paired.baseline
    if "cluster" not in side.table.column_names:
        return None
    if side.table.column("cluster").null_count == side.table.num_rows:
        return None
    indices, labels = _dictionary(side, "cluster", "cluster")
    n = paired.n
    per_example = _per_example(side, indices, n)
    own = np.where(per_example >= 0, per_example, len(labels) + np.arange(n))
    # the first paired example of each cluster names it; numbering follows those examples
    first = np.full(len(labels) + n, n, dtype=np.int64)
    first[own[::-1]] = np.arange(n, dtype=np.int64)[::-1]
    leader = first[own]
    is_leader = np.zeros(n, dtype=bool)
    is_leader[leader] = True
    number = np.cumsum(is_leader) - 1
    return number[leader].astype(np.int64), int(is_leader.sum())


@dataclass(frozen=True, eq=False)
class Layout:
    """Everything about the paired examples that every metric shares: slices and clusters."""

    families: tuple[Family, ...]
    """The overall group first, then one family per slice attribute."""
    cells: IntArray
    """Cell of each paired example: examples in one cell share every slice value."""
    n_cells: int
    """Number of cells."""
    cell_groups: tuple[IntArray, ...]
    """For each family, the group of each cell (-1: no value)."""
    clusters: IntArray | None
    """Cluster of each paired example (0 .. G-1), or ``None``."""
    n_clusters: int
    """Number of clusters G (0 without clusters)."""

    @property
    def units(self) -> int:
        """Resampling units: clusters when there are clusters, else examples."""
        return self.n_clusters if self.clusters is not None else int(self.cells.size)


def _compact(code: IntArray, card: int) -> tuple[IntArray, int]:
    if card <= 4 * code.size + 1024:
        present = np.bincount(code, minlength=card) > 0
        return (np.cumsum(present) - 1)[code], int(present.sum())
    uniq, inverse = np.unique(code, return_inverse=True)
    return inverse.astype(np.int64), int(uniq.size)


def build_layout(families: tuple[Family, ...], clusters: tuple[IntArray, int] | None) -> Layout:
    """Cells of the slice families (the overall family first) and the cluster codes."""
    n = families[0].codes.size
    code = np.zeros(n, dtype=np.int64)
    card = 1
    for fam in families[1:]:
        code = code * (fam.size + 1) + (fam.codes + 1)
        card *= fam.size + 1
        if card > 1 << 40:
            code, card = _compact(code, card)
    code, card = _compact(code, card)
    first = np.zeros(card, dtype=np.int64)
    first[code[::-1]] = np.arange(n, dtype=np.int64)[::-1]
    groups = tuple(fam.codes[first] for fam in families)
    g_codes, g = (None, 0) if clusters is None else clusters
    return Layout(families, code, card, groups, g_codes, g)
