"""A run's record file encoded in a background thread while its run is still being built.

:meth:`SqlRunRepository.stage <assay.storage._runs.SqlRunRepository.stage>` sorts the records
and starts encoding them as Parquet on a thread of their own (pyarrow releases the GIL while it
encodes and compresses) and hashing the bytes. The caller meanwhile computes what the run needs
(its digest, summaries, manifest); :meth:`~SqlRunRepository.put` then writes the bytes under
their final name (``<run id>.<random>.sha256-<hex>.parquet``, through a synced temporary file
and one rename), or drops them when an identical run is stored: a re-ingested run writes
nothing. The bytes are those ``put`` writes, by the same function. The thread only encodes: it
writes no file, so an interrupted ingest (Ctrl-C) or a discarded staging leaves nothing behind,
and a file is written only by the thread that stores the run, as ``put`` writes one.
"""

from __future__ import annotations

import hashlib
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from types import TracebackType
from typing import TYPE_CHECKING

from assay.errors import ParameterError, StorageError
from assay.storage._files import FileRoot
from assay.storage._objects import digest_name
from assay.storage._parquet_io import parquet_view
from assay.storage._run_write import check_example_ids, sorted_records

if TYPE_CHECKING:
    import pyarrow as pa

__all__ = ["StagedRecords"]

_NAME = "new-run.parquet"
"""What a failed encoding names in its error (the file has no name before its digest)."""


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
        self._encoding: Future[tuple[memoryview, str] | None] | None = None
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

    def _encode(self) -> tuple[memoryview, str] | None:
        if self._cancelled.is_set():  # discarded before the encoding began
            return None
        data = parquet_view(self.records, self._files.location(_NAME))
        return None if self._cancelled.is_set() else (data, hashlib.sha256(data).hexdigest())

    def adopt(self, stem: str) -> str:
        """Write the encoded records as ``<stem>.sha256-<hex>.parquet`` (atomically) and return
        that name; an encoding that failed raises its error here."""
        encoding, self._encoding = self._encoding, None
        encoded = None if encoding is None or self._cancelled.is_set() else encoding.result()
        if encoded is None:
            raise StorageError(
                "These staged records were stored or discarded already; stage them again"
            )
        data, digest = encoded
        relative = digest_name(stem, digest)
        self._files.write_bytes(relative, data)
        return relative

    def discard(self) -> None:
        """Drop the encoded records unless they were stored (nothing is on disk to remove),
        without waiting: an encoding not yet begun is skipped."""
        self._cancelled.set()
        self._encoding = None

    def __enter__(self) -> StagedRecords:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.discard()
