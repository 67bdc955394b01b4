"""A store: the repositories of one database and one file root, opened together."""

from __future__ import annotations

from pathlib import Path
from types import TracebackType

import sqlalchemy as sa

from assay._util import check_instance
from assay.errors import StorageError
from assay.storage._artifacts import FileArtifactRepository
from assay.storage._decisions import SqlDecisionRepository
from assay.storage._engine import StoreLocation, create_engine, resolve_location
from assay.storage._files import FileRoot
from assay.storage._migrate import check_schema, migrate
from assay.storage._runs import SqlRunRepository
from assay.storage._suites import SqlSuiteRepository

__all__ = ["Store", "open_store", "upgrade_database"]


class Store:
    """Suites, runs, artifacts and decisions of one project. Open it with :func:`open_store`.

    Use it as a context manager, or call :meth:`close`, to release database connections.
    """

    def __init__(
        self,
        url: str,
        engine: sa.Engine,
        suites: SqlSuiteRepository,
        runs: SqlRunRepository,
        artifacts: FileArtifactRepository,
        decisions: SqlDecisionRepository,
    ) -> None:
        self.url = url
        """The database URL, without its password."""
        self.engine = engine
        """The SQLAlchemy engine the repositories share."""
        self.suites = suites
        """Suite versions and their examples."""
        self.runs = runs
        """Runs and their records."""
        self.artifacts = artifacts
        """Content-addressed artifacts."""
        self.decisions = decisions
        """Decisions and the ledger of decisions and approvals."""

    def close(self) -> None:
        """Release the database connections."""
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


def _prepare_embedded(location: StoreLocation) -> None:
    database = location.url.database
    if database and database != ":memory:":
        try:
            Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StorageError(f"Cannot create the store folder for {database}: {exc}") from exc


def open_store(url: str | None = None, *, artifacts: str | None = None) -> Store:
    """Open the store at ``url``, or the one the environment names, or the embedded one.

    Without ``url``: ``ASSAY_DB`` if set, else a SQLite file ``assay.db`` in ``ASSAY_HOME`` (or
    ``./.assay``). Records and artifacts go under ``artifacts`` (a folder or fsspec URL), else
    ``ASSAY_ARTIFACTS``, else the SQLite file's folder (or ``ASSAY_HOME`` / ``./.assay`` for
    PostgreSQL), in ``records/``, ``suites/`` and ``artifacts/``.

    A SQLite store creates its folder and migrates its schema on open. A PostgreSQL database is
    never migrated implicitly: when its schema is missing or older, this raises
    :class:`~assay.errors.StorageError` asking for ``assay db upgrade``.
    """
    for name, value in (("url", url), ("artifacts", artifacts)):
        check_instance(value, name, "open_store", (str, type(None)), "a URL string or None")
    location = resolve_location(url, artifacts)
    engine = create_engine(location)
    try:
        if location.embedded:
            _prepare_embedded(location)
            migrate(engine)
        else:
            check_schema(engine, location)
    except BaseException:
        engine.dispose()
        raise
    files = FileRoot(location.files)
    return Store(
        url=location.printable,
        engine=engine,
        suites=SqlSuiteRepository(engine, files.child("suites")),
        runs=SqlRunRepository(engine, files.child("records")),
        artifacts=FileArtifactRepository(files.child("artifacts")),
        decisions=SqlDecisionRepository(engine),
    )


def upgrade_database(url: str | None = None) -> str:
    """Migrate the database at ``url`` (or the one :func:`open_store` would open) to the
    newest schema; returns the revision it is at. Safe to run when it is already current."""
    check_instance(url, "url", "upgrade_database", (str, type(None)), "a URL string or None")
    location = resolve_location(url, None)
    if location.embedded:
        _prepare_embedded(location)
    engine = create_engine(location)
    try:
        return migrate(engine)
    finally:
        engine.dispose()
