"""A run's record file encoded in a background thread while its run is still being built.

:meth:`SqlRunRepository.stage <assay.storage._runs.SqlRunRepository.stage>` sorts the records
and starts encoding them as Parquet on a thread of their own (pyarrow releases the GIL while it
encodes and compresses), hashing the bytes as they come. The caller meanwhile computes what the
run needs (its digest, summaries, manifest); :meth:`~SqlRunRepository.put` then writes the file
under its final name (``<run id>.<random>.sha256-<hex>.parquet``, through a synced temporary
file and one rename), or drops the bytes when an identical run is stored: a re-ingested run
writes nothing. The bytes are those ``put`` writes, by the same options.

The bytes are held in memory until ``put`` takes them: it opens the temporary file, writes what
is held, and the thread writes the rest there as it encodes it, so that the disk takes most of
the file while the rest is encoded, not after. Until then no file exists, so an interrupted
ingest (Ctrl-C) or a discarded staging leaves nothing behind; a discarded staging stops the
encoding at its next bytes.
"""

from __future__ import annotations

import hashlib
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from types import TracebackType
from typing import IO, TYPE_CHECKING

from assay.errors import ParameterError, StorageError
from assay.storage._files import FileRoot
from assay.storage._objects import digest_name
from assay.storage._parquet_io import write_parquet_to
from assay.storage._run_write import check_example_ids, sorted_records

if TYPE_CHECKING:
    import pyarrow as pa

__all__ = ["StagedRecords"]

_NAME = "new-run.parquet"
"""What a failed encoding names in its error (the file has no name before its digest)."""


class _Encoded:
    """The bytes of a record file as the encoder hands them over (a file-like sink): hashed,
    and held in memory until :meth:`release` names the file they go to, or :meth:`drop`."""

    closed = False

    def __init__(self) -> None:
        self.digest = hashlib.sha256()
        self._size = 0
        self._held: list[bytes] = []
        self._handle: IO[bytes] | None = None
        self._dropped = False
        self._lock = threading.Lock()

    def write(self, data: bytes) -> int:
        self.digest.update(data)
        with self._lock:
            if self._dropped:  # stops the encoding
                raise StorageError("These staged records were discarded")
            handle = self._handle
            if handle is None:
                self._held.append(data)
        if handle is not None:
            handle.write(data)
        self._size += len(data)
        return len(data)

    def tell(self) -> int:
        return self._size

    def flush(self) -> None:
        pass  # whoever opened the file flushes it

    def release(self, handle: IO[bytes]) -> None:
        """Write the bytes held to ``handle``, and every later one as it comes."""
        while True:
            with self._lock:
                held, self._held = self._held, []
                if not held:
                    self._handle = handle
                    return
            for chunk in held:
                handle.write(chunk)

    def held(self) -> bytes:
        with self._lock:
            return b"".join(self._held)

    def drop(self) -> None:
        with self._lock:
            self._dropped, self._held, self._handle = True, [], None


class StagedRecords:
    """Records sorted by ``(example_id, sample_index)``, their record file being encoded in the
    background for :meth:`SqlRunRepository.put` to store (see the module's notes).

    Use it as a context manager: leaving the block drops the records unless ``put`` stored them.
    """

    def __init__(self, files: FileRoot, records: pa.Table, *, write: bool) -> None:
        check_example_ids(records)
        self.records = sorted_records(records)
        """The records as they are stored."""
        self._files = files
        self._cancelled = threading.Event()
        self._bytes = _Encoded()
        self._encoding: Future[str | None] | None = None
        if write:
            pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="assay-records")
            self._encoding = pool.submit(self._encode)
            pool.shutdown(wait=False)

    def records_for(self, files: FileRoot, function: str) -> pa.Table:
        """The records, for a store whose records folder is ``files``: records staged by another
        store are refused (their file belongs in that store's folder)."""
        if files.url.rstrip("/") != self._files.url.rstrip("/"):
            raise ParameterError(
                "records",
                function,
                "records staged by this store's runs.stage",
                f"records staged for {self._files.url}",
            )
        return self.records

    def _encode(self) -> str | None:
        """The SHA-256 of the bytes encoded; ``None`` when discarded before it began."""
        if self._cancelled.is_set():
            return None
        write_parquet_to(self.records, self._bytes, self._files.location(_NAME))
        return self._bytes.digest.hexdigest()

    def adopt(self, stem: str) -> str:
        """Write the encoded records as ``<stem>.sha256-<hex>.parquet`` (atomically) and return
        that name; an encoding that failed raises its error here."""
        encoding, self._encoding = self._encoding, None
        if encoding is None or self._cancelled.is_set():
            raise StorageError(
                "These staged records were stored or discarded already; stage them again"
            )

        def digest() -> str:
            found = encoding.result()
            if found is None:  # discarded before it began
                raise StorageError("These staged records were discarded; stage them again")
            return found

        def written(handle: IO[bytes]) -> str:
            self._bytes.release(handle)
            return digest()

        if self._files.local:
            # named for the run until the digest that ends its name is known
            temporary, found = self._files.stage_written(f"{stem}.parquet", written)
            relative = digest_name(stem, found)
            self._files.adopt(temporary, relative)
        else:
            relative = digest_name(stem, digest())
            self._files.write_bytes(relative, self._bytes.held())
        self._bytes.drop()
        return relative

    def discard(self) -> None:
        """Drop the encoded records unless they were stored (nothing is on disk to remove),
        without waiting: an encoding not yet begun is skipped, one under way stops."""
        self._cancelled.set()
        self._encoding = None
        self._bytes.drop()

    def __enter__(self) -> StagedRecords:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.discard()
