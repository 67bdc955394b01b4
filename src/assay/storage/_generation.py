"""Counters that every change of one kind moves on, in the same transaction as the change.

``runs``: a run stored, a tag set (a listing cached under one value is still true while it
holds). ``identities``: a user added or removed, a token revoked, a session ended (who a
token or session is, cached under one value, is still who it is). ``sign_in_failures``: a
failed sign-in counted (an address without recent failures under one value has none yet).
A reader that caches under a counter's value is as current as its last read of the counter.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa

from assay._util import check_instance
from assay.errors import StorageError
from assay.storage._engine import read_connection
from assay.storage._schema import metadata

__all__ = [
    "FAILURES",
    "IDENTITIES",
    "RUNS",
    "GenerationReader",
    "bump_generation",
    "bump_runs_generation",
    "generations",
    "runs_generation",
]

generations = sa.Table(
    "generations",
    metadata,
    sa.Column("name", sa.String(32), primary_key=True),
    sa.Column("value", sa.BigInteger(), nullable=False),
)

RUNS = "runs"
"""The counter of changes to the runs listing."""
IDENTITIES = "identities"
"""The counter of changes to who a token or session identifies."""
FAILURES = "sign_in_failures"
"""The counter of failed sign-ins."""

_READ = sa.select(generations.c.value).where(generations.c.name == RUNS)
_READ_ALL = "SELECT name, value FROM generations"


def bump_generation(conn: sa.Connection, name: str) -> None:
    """Move the counter ``name`` on (inside the writing transaction); a counter without its
    row (one the migration did not make, or a deleted one) gets it. Two transactions giving
    a missing counter its row at once both succeed: the second waits for the first's row and
    moves it on (an insert that meets the row updates it), instead of failing the change."""
    bump = generations.update().where(generations.c.name == name)
    if conn.execute(bump.values(value=generations.c.value + 1)).rowcount == 0:
        # the dialect's own upsert, imported here: a store on SQLite never loads PostgreSQL's
        # dialect (and its drivers' modules, some 0.1 s)
        if conn.dialect.name == "postgresql":
            from sqlalchemy.dialects import postgresql as dialect
        else:
            from sqlalchemy.dialects import sqlite as dialect  # type: ignore[no-redef]
        insert = dialect.insert(generations).values(name=name, value=1)
        conn.execute(
            insert.on_conflict_do_update(
                index_elements=[generations.c.name], set_={"value": generations.c.value + 1}
            )
        )


def bump_runs_generation(conn: sa.Connection) -> None:
    """Move the runs' counter on (inside the writing transaction)."""
    bump_generation(conn, RUNS)


def runs_generation(engine: sa.Engine) -> int:
    """The runs' counter now: equal values mean no run was stored and no tag set in between.

    On PostgreSQL the one-row read runs without a transaction around it (no ``BEGIN`` and
    ``ROLLBACK`` round trips)."""
    check_instance(engine, "engine", "runs_generation", sa.Engine, "a SQLAlchemy Engine")
    with read_connection(engine) as conn:
        if engine.dialect.name == "postgresql":
            conn.execution_options(isolation_level="AUTOCOMMIT")
        return int(conn.execute(_READ).scalar() or 0)


class GenerationReader:
    """Every counter in one statement on a DBAPI connection in autocommit.

    A server asks before serving from its caches, many times a second: no SQLAlchemy
    statement, no transaction and no ``ROLLBACK`` make a read one round trip. Between reads
    that follow each other (``keep`` says whether another is coming) the connection stays
    checked out, so only the first of them pays the pool's liveness check. Thread-safe; a
    broken connection is thrown away and the read tried once more on a fresh one.
    """

    RUNS = RUNS
    IDENTITIES = IDENTITIES
    FAILURES = FAILURES

    def __init__(self, engine: sa.Engine) -> None:
        check_instance(engine, "engine", "GenerationReader", sa.Engine, "a SQLAlchemy Engine")
        self.engine = engine
        self._postgres = engine.dialect.name == "postgresql"
        self._lock = threading.Lock()
        self._held: Any = None

    def read(self, keep: Callable[[], bool] | None = None) -> dict[str, int]:
        """Every counter by name (a counter never moved is absent: read it as 0). When
        ``keep`` answers True after the read, the connection is kept for the next one
        (:meth:`release` gives it back)."""
        for attempt in (1, 2):
            raw = self._take()
            try:
                found = self._query(raw)
            except Exception as exc:
                raw.invalidate()  # a broken connection does not go back to the pool
                if attempt == 2:
                    where = self.engine.url.render_as_string(hide_password=True)
                    raise StorageError(f"Reading the store {where} failed: {exc}") from exc
                continue
            self._give(raw, keep is not None and keep())
            return found
        raise AssertionError("unreachable")

    def release(self) -> None:
        """Give a kept connection back to the pool."""
        with self._lock:
            raw, self._held = self._held, None
        if raw is not None:
            self._give(raw, False)

    def _take(self) -> Any:
        with self._lock:
            raw, self._held = self._held, None
        if raw is None:
            fresh: Any = self.engine.raw_connection()
            raw = fresh
            if self._postgres:
                raw.driver_connection.autocommit = True
        return raw

    def _give(self, raw: Any, keep: bool) -> None:
        if keep:
            with self._lock:
                if self._held is None:
                    self._held = raw
                    return
        if self._postgres:
            raw.driver_connection.autocommit = False  # the pool's other users expect transactions
        raw.close()

    def _query(self, raw: Any) -> dict[str, int]:
        cursor = raw.cursor()
        try:
            cursor.execute(_READ_ALL)
            rows = cursor.fetchall()
        finally:
            cursor.close()
        if not self._postgres:
            raw.rollback()  # no read transaction left open on SQLite
        return {str(name): int(value) for name, value in rows}
