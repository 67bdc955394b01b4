"""What runs on the Ray workers of :func:`compare_records_ray`, one function per step.

1. :func:`survey` (``map_batches``): a batch's record count, every ``step``-th of its sorted
   example ids, and its columns (an empty table), for the driver to choose the ranges.
2. :func:`payloads` (``map_batches``): a batch's records without the unread columns, cut by
   range of example ids, each piece as one Arrow IPC payload tagged with its range and run.
3. :func:`accumulate` (``groupby("part").map_groups``): every payload of one range, both
   runs, into the streaming state of that range, returned pickled (or the
   :class:`~assay.errors.AssayError` that refused it, for the driver to raise).

A range's records are held by one worker at a time: memory per worker is bounded by the range.
"""

from __future__ import annotations

import pickle
from typing import TYPE_CHECKING, Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from assay.errors import AssayError, DataError

if TYPE_CHECKING:
    from assay.compare import StreamPlan

__all__ = ["UNREAD", "accumulate", "ipc_bytes", "payloads", "read_ipc", "survey"]

UNREAD = frozenset({"tokens_in", "tokens_out"})
"""Columns no comparison reads: they stay where they are."""


def ipc_bytes(table: pa.Table) -> bytes:
    """``table`` as one Arrow IPC stream."""
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table)
    return bytes(sink.getvalue())


def read_ipc(payload: bytes) -> pa.Table:
    """The table of an Arrow IPC stream."""
    return pa.ipc.open_stream(pa.py_buffer(payload)).read_all()


def _read_columns(batch: pa.Table) -> pa.Table:
    return batch.select([n for n in batch.column_names if n not in UNREAD])


def _string_ids(batch: pa.Table) -> pa.Array | None:
    if "example_id" not in batch.column_names:
        return None  # refused by the range's comparison, which names the run
    column = batch.column("example_id")
    if not pa.types.is_string(column.type):
        column = column.cast(pa.string())
    return column.combine_chunks()


def survey(batch: pa.Table, step: int) -> pa.Table:
    """Runs on a worker: the batch's size, its sampled ids and its columns, as one table."""
    ids = _string_ids(batch)
    sampled: list[str | None] = []
    if ids is not None and len(ids):
        sampled = pc.sort_indices(pa.table({"id": ids}), [("id", "ascending")])
        sampled = ids.take(sampled)[::step].to_pylist()
    sampled = [i for i in sampled if i is not None] or [None]
    k = len(sampled)
    return pa.table(
        {
            "rows": pa.array([batch.num_rows] + [0] * (k - 1), pa.int64()),
            "id": pa.array(sampled, pa.string()),
            "columns": pa.array(
                [ipc_bytes(_read_columns(batch).schema.empty_table())] + [None] * (k - 1),
                pa.large_binary(),
            ),
        }
    )


def payloads(batch: pa.Table, bounds: list[str], side: int) -> pa.Table:
    """Runs on a worker: the batch's records (unread columns dropped) cut by range of ids,
    range ``r`` holding the ids from ``bounds[r - 1]`` up to ``bounds[r]``."""
    batch = _read_columns(batch)
    ids = _string_ids(batch)
    part = np.zeros(batch.num_rows, dtype=np.int64)
    if ids is not None:
        for bound in bounds:
            above = pc.fill_null(pc.greater_equal(ids, bound), False)
            part += np.asarray(above.to_numpy(zero_copy_only=False), dtype=np.int64)
    parts, blobs = [], []
    for p in np.unique(part).tolist():
        parts.append(p)
        blobs.append(ipc_bytes(batch.filter(pa.array(part == p))))
    return pa.table(
        {
            "part": pa.array(parts, pa.int64()),
            "side": pa.array([side] * len(parts), pa.int64()),
            "payload": pa.array(blobs, pa.large_binary()),
        }
    )


def accumulate(group: pa.Table, plan: StreamPlan, columns: list[bytes]) -> pa.Table:
    """Runs on a worker: the streaming state of one range of example ids, pickled."""
    side = group.column("side").to_numpy()
    blobs = group.column("payload").to_pylist()
    part = group.column("part")[0].as_py()
    runs = []
    for s in (0, 1):
        # in an order of their own, not the order Ray delivers them: records with equal
        # (example_id, sample_index) are then summed in the same order on every run
        mine = sorted(blob for blob, here in zip(blobs, side == s, strict=True) if here)
        runs.append([read_ipc(blob) for blob in mine] or [read_ipc(columns[s])])
    result: tuple[str, Any]
    try:
        result = ("state", plan.accumulate_range(runs[0], runs[1]))
    except AssayError as exc:  # raised by the driver, in range order
        result = ("error", _in_range(exc, part))
    return pa.table(
        {
            "part": pa.array([part], pa.int64()),
            "result": pa.array([pickle.dumps(result)], pa.large_binary()),
        }
    )


def _in_range(exc: AssayError, part: int) -> AssayError:
    """A refusal naming the range: a row counted within the range's records would mislead."""
    if type(exc) is not DataError or exc.row is None:
        return exc
    return DataError(
        f"{exc.reason} (in the records of range {part})",
        file=exc.file,
        line=exc.line,
        column=exc.column,
        expected=exc.expected,
        found=exc.found,
    )
