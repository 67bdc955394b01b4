"""Where a store keeps each run's record file, for engines that read Parquet in place."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from assay._util import check_instance
from assay.errors import StorageError
from assay.storage._engine import read_connection
from assay.storage._runs import SqlRunRepository
from assay.storage._schema import runs

if TYPE_CHECKING:
    from assay.storage._store import Store

__all__ = ["RecordFiles", "record_files", "stored_files"]


@dataclass(frozen=True)
class RecordFiles:
    """The record file of every stored run, as another engine (DuckDB, Polars, Spark) names it."""

    paths: dict[str, str]
    """Run id → the file's full path: an absolute local path, or a URL with its protocol
    (``s3://bucket/prefix/records/<run>.parquet``, ``memory://…``)."""
    filesystem: Any
    """The fsspec file system that reads the URLs, or ``None`` when the files are local."""


def record_files(store: Store, *, verify: bool = False) -> RecordFiles:
    """Locate the record file of every run of ``store``, without reading one.

    With ``verify``, every file whose name records its digest (every file the store has written
    since names carried one) is hashed first, and one whose bytes differ raises
    :class:`~assay.errors.StorageError` naming the run and the file; a file already verified in
    this process is not hashed again while it is unchanged (same size, times and inode, or
    in an object store the same ETag). A store reached through an assay server
    (``http(s)://``) keeps its files on the server's machine: that raises
    :class:`~assay.errors.StorageError`.
    """
    check_instance(verify, "verify", "record_files", bool, "True or False")
    repository, rows = stored_files(store, "record_files")
    files = repository.files
    if verify:
        for row in rows:
            files.verify(row.records_path, owner=f"the record file of run {row.run_id}")
    paths = {row.run_id: files.location(row.records_path) for row in rows}
    return RecordFiles(paths=paths, filesystem=None if files.local else files.filesystem)


def stored_files(store: Store, function: str) -> tuple[SqlRunRepository, list[Any]]:
    """The store's run repository and each run's ``(run_id, records_path)``."""
    from assay.storage._store import Store

    check_instance(store, "store", function, Store, "a Store (open_store())")
    repository = store.runs
    if not isinstance(repository, SqlRunRepository):
        raise StorageError(
            f"The store {store.url} is reached through an assay server: its record files are "
            "on the server's machine and cannot be read in place from here. Run the query "
            "where the store's database and files are."
        )
    with read_connection(repository.engine) as conn:
        rows = conn.execute(sa.select(runs.c.run_id, runs.c.records_path)).all()
    return repository, list(rows)
