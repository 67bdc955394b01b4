"""Two runs' record streams, sorted by example id, cut into chunks of whole examples.

A streaming comparison reads each run as a sequence of record batches (a Parquet file's row
groups, read a batch at a time). The two runs' batches need not line up: rows are buffered
until each run holds about ``chunk_rows`` of them, and the chunk handed on is every row whose
example id is below the last id either run has read so far. Every record of an example, in
both runs, therefore lands in one chunk, and chunks come in example-id order, so a paired
example's position among all paired examples is the number of paired examples in earlier
chunks plus its position in its own. Stored runs are sorted by ``(example_id,
sample_index)``; a stream that is not sorted is refused (row and ids named), or sorted first
by :func:`sorted_stream`, which spills sorted runs of ``chunk_rows`` records to temporary
Parquet files and merges them.
"""

from __future__ import annotations

import bisect
import queue
import tempfile
import threading
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any, NoReturn

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from assay.compare._align import _ids
from assay.errors import DataError

__all__ = ["Batches", "aligned_chunks", "prefetched", "sorted_stream"]

Batches = Iterable[pa.RecordBatch | pa.Table]
"""A run's records, as batches or tables in example-id order."""


class _Buffer:
    """One run's rows read but not yet handed on, and where its stream stands."""

    def __init__(self, side: str, batches: Batches) -> None:
        self.side = side
        self.stream = iter(batches)
        self.parts: list[pa.Table] = []
        self.rows = 0
        self.read = 0
        self.done = False
        self.last: str | None = None
        self.schema: pa.Schema | None = None

    def pull(self) -> None:
        """Read one more batch (or learn that the stream has ended)."""
        try:
            batch = next(self.stream)
        except StopIteration:
            self.done = True
            return
        table = pa.Table.from_batches([batch]) if isinstance(batch, pa.RecordBatch) else batch
        if self.schema is None:
            self.schema = table.schema
        if table.num_rows == 0:
            return
        ids = _ids(table, self.side, self.read)
        n = len(ids)
        first = ids[0].as_py()
        if self.last is not None and first < self.last:  # UTF-8 orders as code points do
            self._unsorted(self.read, self.last, first)
        order = pc.less_equal(ids.slice(0, n - 1), ids.slice(1))
        if n > 1 and not pc.all(order).as_py():
            at = int(pc.index(order, False).as_py())
            self._unsorted(self.read + at + 1, ids[at].as_py(), ids[at + 1].as_py())
        self.parts.append(table.replace_schema_metadata(None))
        self.rows += n
        self.read += n
        self.last = ids[n - 1].as_py()

    def _unsorted(self, row: int, before: str, found: str) -> NoReturn:
        raise DataError(
            f"the {self.side} records are not sorted by example_id, which a streaming "
            "comparison needs (stored runs are; sort the file, or pass sort=True)",
            row=row,
            column="example_id",
            expected=f"an id at or after {before!r}",
            found=repr(found),
        )

    def take_below(self, bound: str | None) -> pa.Table:
        """Hand on the buffered rows whose id is below ``bound`` (all of them for ``None``)."""
        table = self._table()
        if bound is None or table.num_rows == 0:
            cut = table.num_rows
        else:  # the buffered ids are sorted (checked as read): a binary search finds the cut
            ids = table.column("example_id")
            if not pa.types.is_string(ids.type):
                ids = ids.cast(pa.string())
            cut = bisect.bisect_left(ids, bound, key=_text)
        rest = table.slice(cut)
        self.parts = [rest] if rest.num_rows else []
        self.rows = rest.num_rows
        return table.slice(0, cut)

    def _table(self) -> pa.Table:
        if not self.parts:
            schema = self.schema or pa.schema([("example_id", pa.string())])
            return schema.empty_table()
        if len(self.parts) == 1:
            return self.parts[0]
        return pa.concat_tables(self.parts, promote_options="permissive")


def _text(value: pa.Scalar) -> str:
    text: str = value.as_py()
    return text


def prefetched(batches: Batches, depth: int = 2) -> Iterator[pa.RecordBatch | pa.Table]:
    """``batches`` read ahead by a thread (at most ``depth`` waiting), so that decoding the
    next row group overlaps the work on this one; errors are raised where they are met."""
    waiting: queue.Queue[tuple[str, Any]] = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def read() -> None:
        try:
            for batch in batches:
                while not stop.is_set():
                    try:
                        waiting.put(("batch", batch), timeout=0.1)
                        break
                    except queue.Full:
                        continue
                if stop.is_set():
                    return
            waiting.put(("end", None))
        except BaseException as exc:  # handed to the reader, raised there
            waiting.put(("error", exc))

    thread = threading.Thread(target=read, name="assay-prefetch", daemon=True)
    thread.start()
    try:
        while True:
            kind, item = waiting.get()
            if kind == "end":
                return
            if kind == "error":
                raise item
            yield item
    finally:
        stop.set()
        while thread.is_alive():
            try:
                waiting.get_nowait()
            except queue.Empty:
                thread.join(0.05)


def aligned_chunks(
    baseline: Batches, candidate: Batches, chunk_rows: int
) -> Iterator[tuple[pa.Table, pa.Table]]:
    """Chunks of both runs' records, in example-id order, each holding whole examples."""
    sides = (_Buffer("baseline", baseline), _Buffer("candidate", candidate))
    while True:
        for s in sides:
            while not s.done and s.rows < chunk_rows:
                s.pull()
        reading = [s.last for s in sides if not s.done and s.last is not None]
        if all(s.done for s in sides):
            yield sides[0].take_below(None), sides[1].take_below(None)
            return
        bound = min(reading)
        b, c = (s.take_below(bound) for s in sides)
        if b.num_rows or c.num_rows:
            yield b, c
            continue
        # one example's records fill the buffers: read on until a later id shows up
        for s in sides:
            if not s.done and s.last == bound:
                s.pull()


def sorted_stream(
    batches: Batches, side: str, chunk_rows: int, folder: str | Path | None = None
) -> Iterator[pa.Table]:
    """A run's records sorted by ``(example_id, sample_index)``, in bounded memory.

    Runs of ``chunk_rows`` records are sorted and spilled to temporary Parquet files (in
    ``folder``, else the system's temporary folder; removed at the end), then merged a
    batch at a time. Already sorted input costs one pass of spilling."""
    with tempfile.TemporaryDirectory(prefix="assay-sort-", dir=folder) as spill:
        files = _spill(batches, side, chunk_rows, Path(spill))
        if not files:
            return
        readers = [
            pq.ParquetFile(f).iter_batches(batch_size=max(1, chunk_rows // len(files)))
            for f in files
        ]
        yield from _merge(readers, side, chunk_rows)


def _sort_keys(table: pa.Table) -> list[tuple[str, str]]:
    keys = [k for k in ("example_id", "sample_index") if k in table.column_names]
    return [(k, "ascending") for k in keys]


def _spill(batches: Batches, side: str, chunk_rows: int, folder: Path) -> list[Path]:
    files: list[Path] = []
    pending: list[pa.Table] = []
    rows = read = 0

    def flush() -> None:
        nonlocal pending, rows
        table = pa.concat_tables(pending, promote_options="permissive")
        ids = _ids(table, side, read - table.num_rows)
        table = table.set_column(table.column_names.index("example_id"), "example_id", ids)
        path = folder / f"{len(files):06d}.parquet"
        pq.write_table(table.sort_by(_sort_keys(table)), path, compression="lz4")
        files.append(path)
        pending, rows = [], 0

    for batch in batches:
        table = pa.Table.from_batches([batch]) if isinstance(batch, pa.RecordBatch) else batch
        pending.append(table.replace_schema_metadata(None))
        rows += table.num_rows
        read += table.num_rows
        if rows >= chunk_rows:
            flush()
    if rows:
        flush()
    return files


def _merge(
    readers: list[Iterator[pa.RecordBatch]], side: str, chunk_rows: int
) -> Iterator[pa.Table]:
    """k-way merge of sorted runs: each round hands on, sorted, every buffered row below the
    smallest last id a run still being read has reached."""
    buffers = [_Buffer(f"{side} (sorted run {i})", r) for i, r in enumerate(readers)]
    share = max(1, chunk_rows // len(buffers))
    while True:
        for b in buffers:
            while not b.done and b.rows < share:
                b.pull()
        reading = [b.last for b in buffers if not b.done and b.last is not None]
        bound = min(reading) if reading else None
        parts = [b.take_below(bound) for b in buffers]
        parts = [p for p in parts if p.num_rows]
        if parts:
            table = pa.concat_tables(parts, promote_options="permissive")
            yield table.sort_by(_sort_keys(table))
        elif bound is not None:
            for b in buffers:
                if not b.done and b.last == bound:
                    b.pull()
        if bound is None and all(b.done for b in buffers):
            return
