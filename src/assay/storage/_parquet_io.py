"""Parquet files of a :class:`~assay.storage._files.FileRoot`, read with their digests checked.

A file published as ``<stem>.sha256-<hex>.parquet`` is verified on every read:

* read whole (:func:`read_parquet`): its bytes are hashed before they are decoded;
* read a row group at a time (:func:`parquet_batches`, a streaming comparison): the file (on a
  local disk or in an object store) is copied once, hashed as its bytes arrive, into a private
  temporary file, and checked before the first batch; the row groups are decoded from that
  copy, so the bytes decoded are the bytes verified even when the file is rewritten in place
  or replaced while it is read (the temporary folder needs room for the largest record file).
* copied to a private file, hashed as its bytes arrive (:func:`copy_hashed`; ``assay sql``
  copies every record file a query may read this way, and DuckDB reads the copies:
  :mod:`assay.storage._record_copies`);
* :func:`verify_file` hashes a file without decoding it; a file already verified in this
  process is not hashed again while its size, modification and change times and inode (or,
  in an object store, its size, ETag and time of writing) stay the same.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
import threading
from collections.abc import Iterator
from typing import IO, TYPE_CHECKING, Any

from assay._util import lazy_module
from assay.errors import StorageError
from assay.storage._objects import (
    altered_object,
    missing_object,
    named_digest,
    object_errors,
    verify_digest,
)

if TYPE_CHECKING:
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    from assay.storage._files import FileRoot
else:
    pa = lazy_module("pyarrow")
    pc = lazy_module("pyarrow.compute")
    pq = lazy_module("pyarrow.parquet")

__all__ = [
    "copy_hashed",
    "file_version",
    "parquet_batches",
    "parquet_bytes",
    "parquet_options",
    "parquet_schema",
    "parquet_view",
    "read_parquet",
    "verify_file",
    "verify_found",
    "write_parquet_to",
]

_BLOCK = 1 << 20
_SINK_BUFFER = 4 << 20
"""Bytes :func:`write_parquet_to` gathers before each call into its sink."""
_verified: dict[tuple[str, tuple[Any, ...]], str] = {}
"""Files hashed in this process: (location, identity of the version) -> its digest."""
_verified_lock = threading.Lock()


_SAMPLE_ROWS = 4_096
_FEW_VALUES = 64
_SLACK = 2 << 20
"""Bytes per column a Parquet file may take beyond the table's own: a dictionary page (at
most 1 MiB) before the writer falls back to plain pages, page headers, statistics, footer."""


def parquet_options(table: pa.Table) -> dict[str, Any]:
    """zstd, which pandas, DuckDB, Polars and Spark all read, with dictionary pages where
    values repeat: every column but the example ids and the floating-point columns, and
    floating-point columns whose first 4,096 rows take at most 64 values (0/1 scores, which a
    dictionary stores in a bit each). Example ids are mostly one per record and other scores and
    latencies rarely repeat: a dictionary of them costs more time than it saves space (the
    writer falls back to plain pages once a dictionary passes 1 MiB)."""
    keep = [f.name for f in table.schema if _repeats(table, f)]
    return {"compression": "zstd", "use_dictionary": keep}


def _repeats(table: pa.Table, field: pa.Field) -> bool:
    if field.name == "example_id":
        return False
    if not pa.types.is_floating(field.type):
        return True
    head = table.column(field.name).slice(0, _SAMPLE_ROWS)
    return bool(pc.count_distinct(head).as_py() <= _FEW_VALUES)


def parquet_bytes(table: pa.Table, where: str) -> bytes:
    """``table`` as the bytes of a Parquet file (``where``: named in an error)."""
    data: bytes = parquet_view(table, where).tobytes()
    return data


def parquet_view(table: pa.Table, where: str) -> memoryview:
    """The bytes of :func:`parquet_bytes` where pyarrow wrote them, not copied.

    They are written into one buffer reserved at a bound of their size (the table's own
    bytes, and per column a dictionary page the writer may give up on): a growing stream
    would move them to a new buffer every time it doubled (a tenth of the time of encoding a
    million records). Reserving touches no memory; only the bytes written take any. Should
    the file pass the bound after all, it is written again to a growing stream.
    """
    options = parquet_options(table)
    bound = table.nbytes + (table.num_columns + 1) * _SLACK
    try:
        buffer = pa.allocate_buffer(bound)
        writer = pa.FixedSizeBufferWriter(buffer)
        pq.write_table(table, writer, **options)
        return memoryview(buffer.slice(0, writer.tell()))
    except (OSError, pa.ArrowException):
        pass  # past the bound (or out of memory there): the stream says which
    try:
        sink = pa.BufferOutputStream()
        pq.write_table(table, sink, **options)
    except (OSError, pa.ArrowException) as exc:
        raise StorageError(f"Cannot write {where}: {exc}") from exc
    return memoryview(sink.getvalue())


def write_parquet_to(table: pa.Table, sink: Any, where: str) -> None:
    """Encode ``table`` as the bytes of :func:`parquet_bytes`, handing them to ``sink`` (an
    object with ``write``, ``tell`` and ``flush``) in order, as they are made, a few MiB at a
    time.

    The writer makes a piece of bytes per page (some 2,400 for a million records of 25
    columns), and each call into ``sink`` needs the GIL: on a thread beside a busy one, each
    call waits out the interpreter's switch interval, which made the encoding of a million
    records 15 times slower. Buffered, ``sink`` is called a few times per ten MiB."""
    handover = _Handover(sink)
    buffered = pa.BufferedOutputStream(pa.PythonFile(handover, mode="w"), _SINK_BUFFER)
    try:
        pq.write_table(table, buffered, **parquet_options(table))
        buffered.detach()  # writes what is left to sink
    except pa.ArrowException as exc:
        raise StorageError(f"Cannot write {where}: {exc}") from exc
    finally:  # after a failure, what is left in the buffer goes nowhere
        handover.ended = True
        buffered.close()


class _Handover:
    """What :func:`write_parquet_to`'s buffer writes to: its sink until the encoding ends;
    then nothing, so that closing the buffer after a failure neither writes to the sink nor
    needs it to have a ``close``."""

    closed = False

    def __init__(self, sink: Any) -> None:
        self.sink = sink
        self.ended = False

    def write(self, data: bytes) -> int:
        return len(data) if self.ended else int(self.sink.write(data))

    def tell(self) -> int:
        return int(self.sink.tell())

    def flush(self) -> None:
        if not self.ended:
            self.sink.flush()

    def close(self) -> None:
        pass  # the sink is its owner's to close


def _named(where: str, owner: str | None) -> str:
    return where if owner is None else f"{where} ({owner})"


def _hash_handle(handle: IO[bytes]) -> str:
    digest = hashlib.sha256()
    while block := handle.read(_BLOCK):
        digest.update(block)
    return digest.hexdigest()


def _row_groups(
    source: Any, columns: list[str] | None, batch_rows: int
) -> Iterator[pa.RecordBatch]:
    # One reader per row group: a single ``iter_batches`` over a whole file keeps memory that
    # grows with every batch it has read (about 2 MB per batch of 65,536 records, pyarrow 26).
    reader = pq.ParquetFile(source)
    for group in range(reader.num_row_groups):
        yield from reader.iter_batches(batch_size=batch_rows, row_groups=[group], columns=columns)


def copy_hashed(root: FileRoot, relative: str, spool: IO[bytes], where: str) -> str:
    """Copy a file or an object to ``spool`` through one handle, hashing its bytes as they
    arrive; returns the digest."""
    digest = hashlib.sha256()
    with contextlib.ExitStack() as stack:
        if root.local:
            source: IO[bytes] = stack.enter_context(open(root.path(relative), "rb"))
        else:
            stack.enter_context(object_errors(where, "read"))
            source = stack.enter_context(root.filesystem.open(root.path(relative), "rb"))
        while block := source.read(8 * _BLOCK):
            digest.update(block)
            spool.write(block)
    spool.seek(0)
    return digest.hexdigest()


def parquet_batches(
    root: FileRoot,
    relative: str,
    columns: list[str] | None = None,
    batch_rows: int = 65_536,
    owner: str | None = None,
) -> Iterator[pa.RecordBatch]:
    """A Parquet file's rows in batches of at most ``batch_rows``, a row group at a time, its
    digest (when its name records one) checked before the first batch (module docstring).
    ``owner`` says whose file it is in an error (``"the records of run 3f2a..."``)."""
    where, expected = _named(root.location(relative), owner), named_digest(relative)
    full = root.path(relative)
    try:
        if expected is None:
            with contextlib.ExitStack() as stack:
                local = root.local
                source = full if local else stack.enter_context(root.filesystem.open(full, "rb"))
                yield from _row_groups(source, columns, batch_rows)
            return
        with tempfile.TemporaryFile(prefix="assay-records-") as spool:
            verify_found(copy_hashed(root, relative, spool, where), expected, where)
            yield from _row_groups(spool, columns, batch_rows)
    except FileNotFoundError as exc:
        raise missing_object(where) from exc
    except (OSError, pa.ArrowException) as exc:
        raise StorageError(f"Cannot read {where}: {exc}") from exc


def verify_found(found: str, expected: str, where: str) -> None:
    """Refuse a file whose bytes hashed to ``found`` when it was stored as ``expected``."""
    if found != expected:
        raise altered_object(where, found, expected)


def file_version(root: FileRoot, relative: str, where: str) -> tuple[Any, ...]:
    """What identifies this version of the file: a rewrite changes it (``()`` when the store
    names no version)."""
    full = root.path(relative)
    if root.local:
        st = os.stat(full)
        return (st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino, st.st_dev)
    with object_errors(where, "look up"):
        info = root.filesystem.info(full, refresh=True)
    tag = info.get("ETag") or info.get("etag") or info.get("md5Hash") or info.get("checksum")
    if tag is None:
        return ()  # the store names no version: hashed on every check
    return (info.get("size"), tag, str(info.get("LastModified") or info.get("mtime")))


def verify_file(root: FileRoot, relative: str, owner: str | None = None) -> None:
    """Hash ``relative`` and refuse it unless it matches the digest its name records (a name
    without one is not checked); see the module docstring for what is remembered."""
    expected = named_digest(relative)
    if expected is None:
        return
    where = _named(root.location(relative), owner)
    try:
        version = file_version(root, relative, where)
        key = (where, version)
        with _verified_lock:
            if version and _verified.get(key) == expected:
                return
        if root.local:
            with open(root.path(relative), "rb") as handle:
                found = _hash_handle(handle)
        else:
            with object_errors(where, "read"), root.filesystem.open(root.path(relative)) as h:
                found = _hash_handle(h)
    except FileNotFoundError as exc:
        raise missing_object(where) from exc
    except OSError as exc:
        raise StorageError(f"Cannot read {where}: {exc}") from exc
    verify_found(found, expected, where)
    if version:
        with _verified_lock:
            _verified[key] = expected


def read_parquet(root: FileRoot, relative: str, columns: list[str] | None = None) -> pa.Table:
    """Read a Parquet file whole, optionally only some columns (see :meth:`FileRoot.read_parquet`)."""
    where, expected = root.location(relative), named_digest(relative)
    try:
        if expected is not None:
            data = root.read_bytes(relative)
            verify_digest(data, expected, where)
            return pq.ParquetFile(pa.BufferReader(data)).read(columns=columns)
        if root.local:
            return pq.ParquetFile(root.path(relative)).read(columns=columns)
        with object_errors(where, "read"), root.filesystem.open(root.path(relative), "rb") as h:
            return pq.ParquetFile(h).read(columns=columns)
    except FileNotFoundError as exc:
        raise missing_object(where) from exc
    except (OSError, pa.ArrowException) as exc:
        raise StorageError(f"Cannot read {where}: {exc}") from exc


def parquet_schema(root: FileRoot, relative: str) -> pa.Schema:
    """The schema of a Parquet file, without reading its data."""
    where = root.location(relative)
    try:
        if root.local:
            return pq.read_schema(root.path(relative))
        with object_errors(where, "read"), root.filesystem.open(root.path(relative), "rb") as h:
            return pq.read_schema(h)
    except FileNotFoundError as exc:
        raise missing_object(where) from exc
    except (OSError, pa.ArrowException) as exc:
        raise StorageError(f"Cannot read {where}: {exc}") from exc
