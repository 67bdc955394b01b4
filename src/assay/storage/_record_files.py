"""Where a store keeps each run's record file, for engines that read Parquet in place."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from assay._util import check_instance
from assay.errors import ParameterError, StorageError
from assay.storage._engine import read_connection
from assay.storage._run_refs import find_run
from assay.storage._runs import SqlRunRepository
from assay.storage._schema import runs as runs_table

if TYPE_CHECKING:
    from assay.storage._store import Store

__all__ = ["RecordFiles", "record_files", "run_ids", "stored_files"]

_BATCH = 500  # run ids looked up in one statement (well under any database's bound)


@dataclass(frozen=True)
class RecordFiles:
    """The record file of every stored run, as another engine (DuckDB, Polars, Spark) names it."""

    paths: dict[str, str]
    """Run id → the file's full path: an absolute local path, or a URL with its protocol
    (``s3://bucket/prefix/records/<run>.parquet``, ``memory://…``)."""
    filesystem: Any
    """The fsspec file system that reads the URLs, or ``None`` when the files are local."""


def record_files(
    store: Store, *, verify: bool = False, runs: Iterable[str] | None = None
) -> RecordFiles:
    """Locate the record file of every run of ``store`` (of ``runs`` alone when given: run ids,
    unique id prefixes or ``MODEL@VERSION``, as :func:`stored_files` reads them), without
    reading one.

    With ``verify``, every file whose name records its digest (every file the store has written
    since names carried one) is hashed first, and one whose bytes differ raises
    :class:`~assay.errors.StorageError` naming the run and the file; a file already verified in
    this process is not hashed again while it is unchanged (same size, times and inode, or
    in an object store the same ETag). A store reached through an assay server
    (``http(s)://``) keeps its files on the server's machine: that raises
    :class:`~assay.errors.StorageError`.
    """
    check_instance(verify, "verify", "record_files", bool, "True or False")
    repository, rows = stored_files(store, "record_files", runs)
    files = repository.files
    if verify:
        for row in rows:
            files.verify(row.records_path, owner=f"the record file of run {row.run_id}")
    paths = {row.run_id: files.location(row.records_path) for row in rows}
    return RecordFiles(paths=paths, filesystem=None if files.local else files.filesystem)


def stored_files(
    store: Store, function: str, runs: Iterable[str] | None = None
) -> tuple[SqlRunRepository, list[Any]]:
    """The store's run repository and each run's ``(run_id, records_path)``: every run's, or
    with ``runs`` only those runs' (each a run id, a unique id prefix or ``MODEL@VERSION``;
    one named twice, or by two references, is listed once). A reference that names no run
    raises :class:`~assay.errors.NotFoundError`, one that names several
    :class:`~assay.errors.AmbiguousReferenceError` listing them; ``runs`` naming none raises
    :class:`~assay.errors.ParameterError`."""
    from assay.storage._store import Store

    check_instance(store, "store", function, Store, "a Store (open_store())")
    refs = None if runs is None else run_references(runs, function)
    repository = store.runs
    if not isinstance(repository, SqlRunRepository):
        raise StorageError(
            f"The store {store.url} is reached through an assay server: its record files are "
            "on the server's machine and cannot be read in place from here. Run the query "
            "where the store's database and files are."
        )
    columns = (runs_table.c.run_id, runs_table.c.records_path)
    with read_connection(repository.engine) as conn:
        if refs is None:
            return repository, list(conn.execute(sa.select(*columns)).all())
        return repository, _find_runs(conn, refs, columns)


def run_ids(
    store: Store, runs: Iterable[Any], function: str, reference: Callable[[Any], str] | None = None
) -> list[str]:
    """The ids of the runs ``runs`` names (as :func:`stored_files` reads them; ``reference``
    turns each item into its reference first), each once, in the order first named. Each
    distinct reference is looked up once, and only its run id is read; the errors are
    :func:`stored_files`'. A store reached through an assay server is asked run by run."""
    from assay.storage._store import Store

    check_instance(store, "store", function, Store, "a Store (open_store())")
    refs = run_references(runs, function, reference)
    repository = store.runs
    if not isinstance(repository, SqlRunRepository):
        return list(dict.fromkeys(repository.get(ref).run_id for ref in refs))
    with read_connection(repository.engine) as conn:
        return [row.run_id for row in _find_runs(conn, refs, (runs_table.c.run_id,))]


def _find_runs(conn: sa.Connection, refs: list[str], columns: tuple[Any, ...]) -> list[Any]:
    """The rows of the runs ``refs`` name, each once: the references that are run ids are
    read a batch at a time, the others (prefixes, ``MODEL@VERSION``) one by one."""
    exact: dict[str, Any] = {}
    for start in range(0, len(refs), _BATCH):
        batch = refs[start : start + _BATCH]
        query = sa.select(*columns).where(runs_table.c.run_id.in_(batch))
        exact.update((row.run_id, row) for row in conn.execute(query))
    found = [exact[ref] if ref in exact else find_run(conn, ref, columns) for ref in refs]
    return list({row.run_id: row for row in found}.values())


def run_references(
    runs: Iterable[Any], function: str, reference: Callable[[Any], str] | None = None
) -> list[str]:
    """``runs`` as a list of at least one run reference (text), each once, checked for
    ``function``;
    ``reference`` turns each item into its reference first (a run object into its id)."""
    expected = "one or more run references (run ids, id prefixes or MODEL@VERSION), or None"
    if isinstance(runs, str | bytes) or not isinstance(runs, Iterable):
        raise ParameterError("runs", function, expected, runs)
    refs = list(runs) if reference is None else [reference(run) for run in runs]
    if not refs or not all(isinstance(ref, str) for ref in refs):
        raise ParameterError("runs", function, expected, runs)
    return list(dict.fromkeys(refs))  # a reference named twice is looked up once
