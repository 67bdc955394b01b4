"""Pairing two runs' records by example id, and per-example averages of repeated samples.

Paired examples are numbered in the sorted order of their ids, so every result is the same
whatever order the records come in. Records stored by assay are already sorted by id; when both
runs hold exactly the same sorted ids the pairing costs two comparisons of the id columns,
otherwise the ids are hashed and the union is sorted once.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from assay._util.arrow import arrow_array, numpy_array
from assay.errors import DataError

__all__ = ["ExampleMeans", "PairedRuns", "RunSide", "example_means", "pair_runs", "record_scores"]

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]


@dataclass(frozen=True, eq=False)
class RunSide:
    """One run's records and where each record's example sits among the paired examples."""

    name: str
    """``"baseline"`` or ``"candidate"``."""
    table: pa.Table
    """The run's records, in ``(example_id, sample_index)`` order when an example has
    several (the given order kept among equal keys)."""
    example: IntArray
    """Paired example index of each record; -1 when the other run does not have the example."""
    errored: BoolArray
    """Whether each record's model call failed (``error`` is set)."""
    identity: bool
    """True when record i is paired example i (one record per example, same order)."""


@dataclass(frozen=True, eq=False)
class PairedRuns:
    """Two runs' records aligned on their shared examples."""

    example_ids: pa.Array
    """Ids of the paired examples, sorted."""
    baseline: RunSide
    """The baseline's records."""
    candidate: RunSide
    """The candidate's records."""
    baseline_only: int
    """Examples only the baseline has."""
    candidate_only: int
    """Examples only the candidate has."""
    max_samples: int
    """Most records (samples) any paired example has in either run."""

    @property
    def n(self) -> int:
        """Number of paired examples."""
        return len(self.example_ids)


def _ids(table: pa.Table, side: str, first_row: int = 0) -> pa.Array:
    """The example ids of ``side``'s records as one string array; a missing column or a null
    id is refused, the null's row counted from ``first_row``."""
    if "example_id" not in table.column_names:
        raise DataError(
            f"the {side} records have no example_id column",
            column="example_id",
            expected="one example_id per record",
            found=f"columns {table.column_names[:8]}",
        )
    col = table.column("example_id")
    if not pa.types.is_string(col.type):
        col = col.cast(pa.string())
    ids = col.combine_chunks()
    if ids.null_count:
        at = int(pc.index(pc.is_null(ids), True).as_py())
        raise DataError(
            f"the {side} records have a record without an example id",
            row=first_row + at,
            column="example_id",
            expected="an example id",
            found="null",
        )
    return ids


def _sorted_groups(ids: pa.Array) -> tuple[pa.Array, IntArray] | None:
    """Distinct ids and each record's position among them, when the ids are sorted."""
    n = len(ids)
    if n < 2:
        return ids, np.zeros(n, dtype=np.int64)
    head, tail = ids.slice(0, n - 1), ids.slice(1)
    if pc.all(pc.less(head, tail)).as_py():  # one record per example: one comparison
        return ids, np.arange(n, dtype=np.int64)
    if not pc.all(pc.less_equal(head, tail)).as_py():
        return None
    new = np.asarray(numpy_array(pc.not_equal(tail, head)), dtype=bool)
    group = np.concatenate(([0], np.cumsum(new, dtype=np.int64)))
    starts = np.concatenate(([0], np.flatnonzero(new) + 1))
    return ids.take(arrow_array(starts)), group


def _errored(table: pa.Table) -> BoolArray:
    if "error" not in table.column_names:
        return np.zeros(table.num_rows, dtype=bool)
    return np.asarray(numpy_array(pc.is_valid(table.column("error"))), dtype=bool)


def _max_samples(example: IntArray, n: int) -> int:
    kept = example[example >= 0]
    return int(np.bincount(kept, minlength=n).max()) if kept.size else 0


Groups = tuple[pa.Array, IntArray] | None


def _in_sample_order(table: pa.Table, ids: pa.Array) -> tuple[pa.Table, pa.Array, Groups]:
    """The records in ``(example_id, sample_index)`` order, the given order kept among equal
    keys, so an example's samples are summed in the same order whatever order they came in.
    Records already in that order (as assay stores them), or one per example, are kept.
    Also returns :func:`_sorted_groups` of the ids returned."""
    groups = _sorted_groups(ids)
    if groups is not None and len(groups[0]) == len(ids):
        return table, ids, groups
    has_index = "sample_index" in table.column_names
    if groups is not None and not has_index:
        return table, ids, groups
    column = table.column("sample_index") if has_index else None
    if (
        groups is not None
        and column is not None
        and column.null_count == 0
        and pa.types.is_integer(column.type)
    ):
        index = np.asarray(numpy_array(column.cast(pa.int64())))
        same = groups[1][1:] == groups[1][:-1]  # neighbours of one example
        if bool(np.all(index[1:][same] >= index[:-1][same])):
            return table, ids, groups
    if groups is None and pc.count_distinct(ids).as_py() == len(ids):
        return table, ids, groups
    keys = pa.table({"id": ids, **({"s": table.column("sample_index")} if has_index else {})})
    order = pc.sort_indices(keys, [(k, "ascending") for k in keys.column_names])
    if pc.all(pc.equal(order, pa.array(np.arange(len(ids)))), skip_nulls=False).as_py():
        return table, ids, groups
    ids = ids.take(order)
    return table.take(order), ids, _sorted_groups(ids)


def pair_runs(baseline: pa.Table, candidate: pa.Table) -> PairedRuns:
    """Pair the records of two runs on their shared example ids (sorted)."""
    ids_b, ids_c = _ids(baseline, "baseline"), _ids(candidate, "candidate")
    baseline, ids_b, fast_b = _in_sample_order(baseline, ids_b)
    candidate, ids_c, fast_c = _in_sample_order(candidate, ids_c)
    if fast_b is not None and fast_c is not None and fast_b[0].equals(fast_c[0]):
        example_ids, ex_b, ex_c = fast_b[0], fast_b[1], fast_c[1]
        only_b = only_c = 0
    else:
        example_ids, ex_b, ex_c, only_b, only_c = _hash_pairing(ids_b, ids_c)
    n = len(example_ids)
    sides = []
    for name, table, ex in (("baseline", baseline, ex_b), ("candidate", candidate, ex_c)):
        identity = table.num_rows == n and bool(np.array_equal(ex, np.arange(n)))
        sides.append(RunSide(name, table, ex, _errored(table), identity))
    # a run with one record per paired example, in order, has one sample of each
    samples = max(1 if s.identity and n else _max_samples(s.example, n) for s in sides)
    return PairedRuns(example_ids, sides[0], sides[1], only_b, only_c, samples)


def _hash_pairing(
    ids_b: pa.Array, ids_c: pa.Array
) -> tuple[pa.Array, IntArray, IntArray, int, int]:
    encoded = pc.dictionary_encode(pa.concat_arrays([ids_b, ids_c]))
    dictionary = encoded.dictionary
    order = np.asarray(numpy_array(pc.sort_indices(dictionary)), dtype=np.int64)
    rank = np.empty(order.size, dtype=np.int64)
    rank[order] = np.arange(order.size)
    codes = rank[np.asarray(numpy_array(encoded.indices), dtype=np.int64)]
    code_b, code_c = codes[: len(ids_b)], codes[len(ids_b) :]
    in_b = np.bincount(code_b, minlength=order.size) > 0
    in_c = np.bincount(code_c, minlength=order.size) > 0
    shared = in_b & in_c
    position = np.where(shared, np.cumsum(shared) - 1, -1)
    example_ids = dictionary.take(arrow_array(order[shared]))
    only_b = int(np.count_nonzero(in_b & ~in_c))
    only_c = int(np.count_nonzero(in_c & ~in_b))
    return example_ids, position[code_b], position[code_c], only_b, only_c


def record_scores(side: RunSide, column: str, *, exclude_errors: bool = True) -> FloatArray:
    """A numeric column of one run per record, NaN where missing (or where the record errored,
    with ``exclude_errors``)."""
    table = side.table
    if column not in table.column_names:
        raise DataError(
            f"the {side.name} records have no {column!r} column",
            column=column,
            expected=f"a score column {column!r} (a metric of the suite)",
            found="no such column",
        )
    col = table.column(column)
    if not (pa.types.is_floating(col.type) or pa.types.is_integer(col.type)):
        raise DataError(
            f"the {side.name} records' {column!r} column is not numeric",
            column=column,
            expected="float scores",
            found=str(col.type),
        )
    values = numpy_array(col.cast(pa.float64()))
    if not values.flags.writeable:  # a view of the Arrow buffer (no nulls): errors go in a copy
        values = values.copy()
    infinite = np.isinf(values)
    if infinite.any():
        row = int(np.flatnonzero(infinite)[0])
        raise DataError(
            f"the {side.name} records hold an infinite score",
            row=row,
            column=column,
            expected="a finite score or none",
            found=str(values[row]),
        )
    if exclude_errors:
        np.copyto(values, np.nan, where=side.errored)
    return values


@dataclass(frozen=True, eq=False)
class ExampleMeans:
    """One run's scores of one column averaged per paired example."""

    means: FloatArray
    """Mean over the example's scored records; NaN when none was scored."""
    within_sd: float | None
    """Mean over examples with two or more scored samples of their standard deviation (ddof=1)."""


def example_means(side: RunSide, values: FloatArray, n: int) -> ExampleMeans:
    """Average ``values`` (per record, NaN = not scored) over each paired example's records."""
    if side.identity:
        return ExampleMeans(values, None)
    keep = (side.example >= 0) & ~np.isnan(values)
    ex = side.example[keep]
    x = values[keep]
    counts = np.bincount(ex, minlength=n)
    with np.errstate(invalid="ignore", divide="ignore"):
        means = np.bincount(ex, weights=x, minlength=n) / counts
    repeated = counts >= 2
    if not repeated.any():
        return ExampleMeans(means, None)
    resid = x - means[ex]
    ss = np.bincount(ex, weights=resid * resid, minlength=n)
    sds = np.sqrt(ss[repeated] / (counts[repeated] - 1))
    return ExampleMeans(means, float(sds.mean()))
