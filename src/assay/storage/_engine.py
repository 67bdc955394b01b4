"""Where a store lives, and database engines configured for safe concurrent writes.

SQLite is the embedded default. Several processes may write one SQLite file at once, so every
connection runs in WAL mode with a busy timeout, and write transactions start with
``BEGIN IMMEDIATE``: a deferred transaction that later upgrades to a write lock can fail at once
instead of waiting for the other writer. Commits are synced (``synchronous = FULL``): a run
reported as stored survives a power loss.

A SQLite file the process may not write is opened read-only, and every write transaction first
checks that the database file is still the one the store opened (device and inode), so a store
whose file was deleted or replaced fails instead of writing into a file nobody will read again.
"""

from __future__ import annotations

import os
import sqlite3
import time
import urllib.parse
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
from assay.storage._files import split_protocol

__all__ = [
    "BUSY_TIMEOUT_MS",
    "StoreLocation",
    "check_writable",
    "create_engine",
    "read_connection",
    "remember_file",
    "resolve_location",
    "write_transaction",
]

BUSY_TIMEOUT_MS = 60_000
"""How long a SQLite writer waits for another writer's lock before failing."""

_WRITE = "assay_write"
# Engine-wide execution options, inherited by every connection of the engine.
_READ_ONLY = "assay_read_only"
_FILE = "assay_database_file"

# SQLite's "attempt to write a readonly database"; PostgreSQL's "insufficient privilege" and
# "read-only SQL transaction".
_SQLITE_READONLY = 8
_PG_READ_ONLY_STATES = ("42501", "25006")


@dataclass(frozen=True)
class StoreLocation:
    """Where a store's database and files live, resolved from arguments and environment."""

    url: sa.URL
    """Database URL (SQLite file or PostgreSQL with the psycopg driver)."""
    files: str
    """Root folder or fsspec URL holding ``records/`` and ``artifacts/``."""

    @property
    def database_file(self) -> Path | None:
        """The SQLite database file, or ``None`` for PostgreSQL and in-memory SQLite."""
        database = self.url.database
        if not self.embedded or not database or database == ":memory:":
            return None
        return Path(database).expanduser().absolute()

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
    if root is not None:
        source = "the 'artifacts' parameter of open_store" if files else "ASSAY_ARTIFACTS"
        _check_file_root(root, source, parsed)
    else:
        database = parsed.database
        if parsed.get_backend_name() == "sqlite" and database and database != ":memory:":
            root = str(Path(database).expanduser().absolute().parent)
        else:
            root = str(_home(env))
    return StoreLocation(url=parsed, files=root)


def _check_file_root(root: str, source: str, database: sa.URL) -> None:
    protocol, _ = split_protocol(root)
    if protocol in (None, "file", "local"):
        return
    import fsspec

    try:
        fsspec.get_filesystem_class(protocol)
    except ValueError:
        raise ConfigError(
            f"{source} is {root!r}, whose protocol {protocol!r} is not a file system fsspec "
            "knows. Give a folder, or a URL such as s3://bucket/prefix."
        ) from None
    except ImportError as exc:
        raise ConfigError(f"{source} is {root!r}, whose protocol needs a package: {exc}") from None
    in_memory = database.database in (None, "", ":memory:")
    if protocol == "memory" and not (database.get_backend_name() == "sqlite" and in_memory):
        raise ConfigError(
            f"{source} is {root!r}: records kept in memory vanish when the process exits, "
            "while the database keeps listing their runs. Give a folder or an object store URL."
        )


def _sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
    # Autocommit at the driver level, so that the begin listener controls BEGIN itself.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    _enter_wal(cursor)
    cursor.execute("PRAGMA synchronous = FULL")
    cursor.execute("PRAGMA foreign_keys = ON")
    cursor.close()


def _sqlite_connect_read_only(dbapi_connection: Any, _record: Any) -> None:
    # The journal mode is stored in the file; a read-only connection cannot change it.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
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


def _read_only_url(path: Path) -> sa.URL:
    query = {"mode": "ro", "uri": "true"}
    wal = path.with_name(path.name + "-wal")
    if not os.access(path.parent, os.W_OK) and not wal.exists():
        # Without write access to the folder SQLite cannot create the shared-memory file a
        # WAL database needs; no writer is connected (it would have left a -wal file), so the
        # file is read as an unchanging snapshot.
        query["immutable"] = "1"
    uri = "file:" + urllib.parse.quote(str(path))
    return sa.URL.create("sqlite", database=uri, query=query)


def create_engine(location: StoreLocation, *, read_only: bool = False) -> sa.Engine:
    """An engine for the location's database; connects lazily.

    ``read_only`` opens a SQLite file without ever writing to it; writes then fail with
    :class:`StorageError` saying so.
    """
    url = location.url
    if url.get_backend_name() == "sqlite":
        database = url.database or ":memory:"
        path = location.database_file
        if database == ":memory:":
            engine = sa.create_engine(url, poolclass=StaticPool)
        elif read_only and path is not None:
            engine = sa.create_engine(_read_only_url(path))
        else:
            engine = sa.create_engine(url)
        connect = _sqlite_connect_read_only if read_only else _sqlite_connect
        sa.event.listen(engine, "connect", connect)
        sa.event.listen(engine, "begin", _sqlite_begin)
        engine.update_execution_options(**{_READ_ONLY: read_only})
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


def remember_file(engine: sa.Engine, path: Path) -> None:
    """Record which file ``engine``'s database is, so that writes notice it vanishing."""
    stat = path.stat()
    engine.update_execution_options(**{_FILE: (str(path), stat.st_dev, stat.st_ino)})


def _where(engine: sa.Engine) -> str:
    remembered = engine.get_execution_options().get(_FILE)
    return str(remembered[0]) if remembered else engine.url.render_as_string(hide_password=True)


def _read_only_error(engine: sa.Engine) -> StorageError:
    return StorageError(
        f"The store at {_where(engine)} is read-only: it can be listed, compared and verified, "
        "but nothing can be stored in it. Open a store you may write to (ASSAY_HOME, ASSAY_DB)."
    )


def check_writable(engine: sa.Engine) -> None:
    """Fail before a write starts when the store was opened read-only."""
    if engine.get_execution_options().get(_READ_ONLY):
        raise _read_only_error(engine)


def _check_file(engine: sa.Engine, committed: bool) -> None:
    remembered = engine.get_execution_options().get(_FILE)
    if remembered is None:
        return
    path, device, inode = remembered
    try:
        stat = os.stat(path)
    except FileNotFoundError:
        change = "was deleted"
    else:
        if (stat.st_dev, stat.st_ino) == (device, inode):
            return
        change = "was replaced by another file"
    lost = "what was just written is lost" if committed else "nothing was written"
    raise StorageError(
        f"The store's database {path} {change} after the store was opened; {lost}. "
        "Restore the file, or open the store again."
    )


def _refused_write(exc: sa.exc.DBAPIError) -> bool:
    original = exc.orig
    if isinstance(original, sqlite3.Error):
        return getattr(original, "sqlite_errorcode", 0) & 0xFF == _SQLITE_READONLY
    return getattr(original, "sqlstate", None) in _PG_READ_ONLY_STATES


@contextmanager
def write_transaction(engine: sa.Engine) -> Iterator[sa.Connection]:
    """A connection inside one transaction that holds the write lock from its start.

    The database file is checked before the commit (a vanished file rolls the transaction
    back) and after it (the file vanished while committing). A database that refuses the
    write for lack of rights raises :class:`StorageError` saying the store is read-only.
    """
    check_writable(engine)
    try:
        with engine.connect() as conn:
            conn.execution_options(**{_WRITE: True})
            with conn.begin():
                yield conn
                _check_file(engine, committed=False)
        _check_file(engine, committed=True)
    except sa.exc.DBAPIError as exc:
        if _refused_write(exc):
            raise _read_only_error(engine) from exc
        raise
