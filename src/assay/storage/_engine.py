"""Where a store lives, and database engines configured for safe concurrent writes.

SQLite is the embedded default. Several processes may write one SQLite file at once, so every
connection runs in WAL mode with a busy timeout, and write transactions start with
``BEGIN IMMEDIATE``: a deferred transaction that later upgrades to a write lock can fail at once
instead of waiting for the other writer.
"""

from __future__ import annotations

import os
import sqlite3
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError
from sqlalchemy.pool import StaticPool

from assay.errors import ConfigError, StorageError

__all__ = [
    "BUSY_TIMEOUT_MS",
    "StoreLocation",
    "create_engine",
    "read_connection",
    "resolve_location",
    "write_transaction",
]

BUSY_TIMEOUT_MS = 60_000
"""How long a SQLite writer waits for another writer's lock before failing."""

_WRITE = "assay_write"


@dataclass(frozen=True)
class StoreLocation:
    """Where a store's database and files live, resolved from arguments and environment."""

    url: sa.URL
    """Database URL (SQLite file or PostgreSQL with the psycopg driver)."""
    files: str
    """Root folder or fsspec URL holding ``records/`` and ``artifacts/``."""

    @property
    def embedded(self) -> bool:
        """Whether the database is a SQLite file that may migrate itself."""
        return self.url.get_backend_name() == "sqlite"

    @property
    def printable(self) -> str:
        """The database URL without its password."""
        return self.url.render_as_string(hide_password=True)


def _home(env: Mapping[str, str]) -> Path:
    return Path(env.get("ASSAY_HOME") or ".assay").expanduser().absolute()


def _parse(url: str) -> sa.URL:
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise ConfigError(
            f"A store URL is sqlite:///PATH or postgresql://USER@HOST/DB. Got {url!r}."
        ) from exc
    backend = parsed.get_backend_name()
    if backend in ("postgresql", "postgres"):
        return parsed.set(drivername="postgresql+psycopg")
    if backend == "sqlite":
        return parsed.set(drivername="sqlite")
    raise ConfigError(
        f"assay stores runs in SQLite or PostgreSQL; the URL {parsed.render_as_string()!r} "
        f"names {backend!r}."
    )


def resolve_location(
    url: str | None, files: str | None, env: Mapping[str, str] | None = None
) -> StoreLocation:
    """Resolve the database URL and file root from arguments, then ``ASSAY_*`` variables.

    Without a URL the database is ``ASSAY_DB``, else the SQLite file ``<home>/assay.db`` where
    home is ``ASSAY_HOME`` or ``./.assay``. Files go to ``files``, else ``ASSAY_ARTIFACTS``,
    else the folder of a SQLite file, else home.
    """
    env = os.environ if env is None else env
    text = url or env.get("ASSAY_DB")
    parsed = (
        _parse(text) if text else sa.URL.create("sqlite", database=str(_home(env) / "assay.db"))
    )
    root = files or env.get("ASSAY_ARTIFACTS")
    if root is None:
        database = parsed.database
        if parsed.get_backend_name() == "sqlite" and database and database != ":memory:":
            root = str(Path(database).expanduser().absolute().parent)
        else:
            root = str(_home(env))
    return StoreLocation(url=parsed, files=root)


def _sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
    # Autocommit at the driver level, so that the begin listener controls BEGIN itself.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    _enter_wal(cursor)
    cursor.execute("PRAGMA synchronous = NORMAL")
    cursor.execute("PRAGMA foreign_keys = ON")
    cursor.close()


def _enter_wal(cursor: Any) -> None:
    """Switch the file to write-ahead logging, waiting out a concurrent switch.

    Changing the journal mode takes an exclusive lock, and SQLite reports a busy database at
    once instead of calling the busy handler, so two processes opening a new file together
    would see "database is locked". The mode is stored in the file: the retry finds it set.
    """
    deadline = time.monotonic() + BUSY_TIMEOUT_MS / 1000
    pause = 0.005
    while True:
        try:
            cursor.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as exc:
            if exc.sqlite_errorcode & 0xFF not in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED):
                raise
            if time.monotonic() + pause > deadline:
                raise
        time.sleep(pause)
        pause = min(pause * 2, 0.25)


def _sqlite_begin(conn: sa.Connection) -> None:
    immediate = conn.get_execution_options().get(_WRITE, False)
    conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def create_engine(location: StoreLocation) -> sa.Engine:
    """An engine for the location's database; connects lazily."""
    url = location.url
    if url.get_backend_name() == "sqlite":
        database = url.database or ":memory:"
        if database == ":memory:":
            engine = sa.create_engine(url, poolclass=StaticPool)
        else:
            engine = sa.create_engine(url)
        sa.event.listen(engine, "connect", _sqlite_connect)
        sa.event.listen(engine, "begin", _sqlite_begin)
        return engine
    try:
        import psycopg  # noqa: F401
    except ImportError as exc:
        raise StorageError(
            "A PostgreSQL store needs the psycopg driver: pip install 'assay[postgres]'"
        ) from exc
    return sa.create_engine(url, pool_pre_ping=True)


@contextmanager
def read_connection(engine: sa.Engine) -> Iterator[sa.Connection]:
    """A connection for reading; database failures become :class:`StorageError`."""
    try:
        with engine.connect() as conn:
            yield conn
    except sa.exc.SQLAlchemyError as exc:
        where = engine.url.render_as_string(hide_password=True)
        raise StorageError(f"Reading the store {where} failed: {exc}") from exc


@contextmanager
def write_transaction(engine: sa.Engine) -> Iterator[sa.Connection]:
    """A connection inside one transaction that holds the write lock from its start."""
    with engine.connect() as conn:
        conn.execution_options(**{_WRITE: True})
        with conn.begin():
            yield conn
