"""A run's record file written in a background thread while its run is still being built.

:meth:`SqlRunRepository.stage <assay.storage._runs.SqlRunRepository.stage>` sorts the records
and starts encoding them as Parquet on a thread of their own (pyarrow releases the GIL while it
encodes and compresses), then writes the bytes under a hidden temporary name in the records
folder, synced to disk. The caller meanwhile computes what the run needs (its digest,
summaries, manifest); :meth:`~SqlRunRepository.put` then adopts the file under its final name
(``<run id>.<random>.sha256-<hex>.parquet``, one rename) or removes it when an identical run
is stored. Nothing is visible before the transaction that names the file commits, as with a
file written by ``put`` itself: the bytes are those ``put`` writes, by the same function.
Leaving the ``with`` block removes a file nobody adopted; a process killed meanwhile leaves
only a temporary file, which :meth:`FileRoot.remove_orphans` and ``assay db gc`` remove.
"""

from __future__ import annotations

import hashlib
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
"""The name the temporary file is hidden behind (``.new-run.parquet.<random>.partial``)."""


class StagedRecords:
    """Records sorted by ``(example_id, sample_index)``, their record file being written in the
    background for :meth:`SqlRunRepository.put` to adopt (see the module's notes).

    Use it as a context manager: leaving the block removes the file unless ``put`` adopted it.
    """

    def __init__(self, files: FileRoot, records: pa.Table, *, write: bool) -> None:
        check_example_ids(records)
        self.records = sorted_records(records)
        """The records as they are stored."""
        self._files = files
        self._writing: Future[tuple[str, str]] | None = None
        if write:
            pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="assay-records")
            self._writing = pool.submit(self._write)
            pool.shutdown(wait=False)

    def records_for(self, files: FileRoot, function: str) -> pa.Table:
        """The records, for a store whose records folder is ``files``: records staged by another
        store are refused (their file is in that store's folder)."""
        if files.url.rstrip("/") != self._files.url.rstrip("/"):
            raise ParameterError(
                "records",
                function,
                "records staged by this store's runs.stage",
                f"records staged for {self._files.url}",
            )
        return self.records

    def _write(self) -> tuple[str, str]:
        data = parquet_view(self.records, self._files.location(_NAME))
        return self._files.stage(_NAME, data), hashlib.sha256(data).hexdigest()

    def adopt(self, stem: str) -> str:
        """Wait for the file, move it into place as ``<stem>.sha256-<hex>.parquet`` and return
        that name; a write that failed raises its error here (and left no file)."""
        writing, self._writing = self._writing, None
        if writing is None:
            raise StorageError(
                "These staged records were stored or discarded already; stage them again"
            )
        temporary, digest = writing.result()
        relative = digest_name(stem, digest)
        self._files.adopt(temporary, relative)
        return relative

    def discard(self) -> None:
        """Remove the file unless it was adopted (waiting for the write to end first)."""
        writing, self._writing = self._writing, None
        if writing is None:
            return
        try:
            temporary, _ = writing.result()
        except Exception:  # a failed write removed its own temporary file
            return
        self._files.discard(temporary)

    def __enter__(self) -> StagedRecords:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.discard()
