"""A store: the repositories of one database and one file root, opened together."""

from __future__ import annotations

import os
from pathlib import Path
from types import TracebackType

import sqlalchemy as sa

from assay._util import check_instance
from assay.storage._artifacts import FileArtifactRepository
from assay.storage._decisions import SqlDecisionRepository
from assay.storage._embedded import is_read_only, prepare_database_file
from assay.storage._engine import create_engine, remember_file, resolve_location
from assay.storage._files import FileRoot
from assay.storage._migrate import check_schema, migrate
from assay.storage._protocols import (
    ArtifactRepository,
    DecisionRepository,
    RunRepository,
    SuiteRepository,
)
from assay.storage._remote import is_remote_url
from assay.storage._runs import SqlRunRepository
from assay.storage._suites import SqlSuiteRepository

__all__ = ["Store", "open_store", "upgrade_database"]


class Store:
    """Suites, runs, artifacts and decisions of one project. Open it with :func:`open_store`.

    Use it as a context manager, or call :meth:`close`, to release database connections.
    A store served by ``assay serve`` (:class:`~assay.storage.RemoteStore`) has the same
    repositories, and no ``engine`` or ``database_file``.
    """

    def __init__(
        self,
        url: str,
        engine: sa.Engine | None,
        suites: SuiteRepository,
        runs: RunRepository,
        artifacts: ArtifactRepository,
        decisions: DecisionRepository,
        *,
        database_file: Path | None = None,
    ) -> None:
        self.url = url
        """The database URL, without its password."""
        self.engine = engine
        """The SQLAlchemy engine the repositories share (``None`` for a remote store)."""
        self.suites = suites
        """Suite versions and their examples."""
        self.runs = runs
        """Runs and their records."""
        self.artifacts = artifacts
        """Content-addressed artifacts."""
        self.decisions = decisions
        """Decisions and the ledger of decisions and approvals."""
        self.database_file = database_file
        """The SQLite database file, or ``None`` for PostgreSQL and in-memory SQLite."""

    def close(self) -> None:
        """Release the database connections."""
        if self.engine is not None:
            self.engine.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Store({self.url!r})"


def open_store(url: str | None = None, *, artifacts: str | None = None) -> Store:
    """Open the store at ``url``, or the one the environment names, or the embedded one.

    Without ``url``: ``ASSAY_DB`` if set, else a SQLite file ``assay.db`` in ``ASSAY_HOME`` (or
    ``./.assay``). Records and artifacts go under ``artifacts`` (a folder or fsspec URL), else
    ``ASSAY_ARTIFACTS``, else the SQLite file's folder (or ``ASSAY_HOME`` / ``./.assay`` for
    PostgreSQL), in ``records/``, ``suites/`` and ``artifacts/``.

    A SQLite store creates its folder and database on first use and migrates its schema on
    open; a database file that vanished while record files remain is not re-created (that
    raises :class:`~assay.errors.StorageError`; ``assay db upgrade`` creates it explicitly),
    and a store whose file is deleted or replaced while open fails on its next write. A SQLite
    file this process may not write is opened read-only: reading works, writing raises
    :class:`~assay.errors.StorageError`. A PostgreSQL database is never migrated implicitly:
    when its schema is missing or older, this raises :class:`~assay.errors.StorageError`
    asking for ``assay db upgrade``.

    ``memory://`` files are refused unless the database is in memory too: they would vanish
    at exit while the database keeps listing their runs.

    An ``http://`` or ``https://`` URL (as ``url`` or ``ASSAY_DB``) names an assay server
    (``assay serve``): the store returned is a client of its API, authenticated with the
    token in ``ASSAY_TOKEN``; ``artifacts`` does not apply to it.
    """
    for name, value in (("url", url), ("artifacts", artifacts)):
        check_instance(value, name, "open_store", (str, type(None)), "a URL string or None")
    chosen = url if url is not None else os.environ.get("ASSAY_DB")
    if chosen is not None and is_remote_url(chosen):
        from assay.storage._remote_store import RemoteStore

        return RemoteStore(chosen.strip())
    location = resolve_location(url, artifacts)
    read_only = False
    if location.embedded:
        prepare_database_file(location, create=False)
        read_only = is_read_only(location)
    engine = create_engine(location, read_only=read_only)
    try:
        if location.embedded and not read_only:
            migrate(engine)
        else:
            check_schema(engine, location)
        if location.database_file is not None:
            remember_file(engine, location.database_file)
    except BaseException:
        engine.dispose()
        raise
    files = FileRoot(location.files)
    if not read_only:
        # Only the store's own folders: others beside the database are not the store's to clean.
        for folder in ("suites", "records", "artifacts"):
            files.child(folder).remove_orphans()
    return Store(
        url=location.printable,
        engine=engine,
        suites=SqlSuiteRepository(engine, files.child("suites")),
        runs=SqlRunRepository(engine, files.child("records")),
        artifacts=FileArtifactRepository(files.child("artifacts")),
        decisions=SqlDecisionRepository(engine),
        database_file=location.database_file,
    )


def upgrade_database(url: str | None = None) -> str:
    """Migrate the database at ``url`` (or the one :func:`open_store` would open) to the
    newest schema; returns the revision it is at. Safe to run when it is already current."""
    check_instance(url, "url", "upgrade_database", (str, type(None)), "a URL string or None")
    location = resolve_location(url, None)
    if location.embedded:
        prepare_database_file(location, create=True)
    engine = create_engine(location)
    try:
        return migrate(engine)
    finally:
        engine.dispose()
