"""The response cache: model answers kept on disk, so a run that stops resumes where it was.

One SQLite file (``responses.sqlite``) in the cache folder maps a request key to the answer.
The key is the digest of the adapter kind, the full request body (model, decoding settings,
rendered prompt) and the sample index (:func:`request_key`); the endpoint address is not
part of it, so one model served from two addresses shares its answers.

Answers are written as they arrive, in small transactions (the runner commits every answer
that arrived in the last 50 ms together), in write-ahead-log mode: a process killed with
SIGKILL loses at most the answers not yet committed, and whatever was committed is complete;
a cancelled or interrupted run commits every answer it received before it stops.
Only successful answers are kept; failed examples are asked again on the next run.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Iterable, Mapping
from pathlib import Path
from types import TracebackType
from typing import Any

from assay._util import check_instance
from assay.errors import ParameterError, StorageError

__all__ = ["ResponseCache", "request_key"]

_FILENAME = "responses.sqlite"
_TABLE = "responses_v1"
_CHUNK = 500  # keys per lookup query, well under SQLite's bound-parameter limit


def request_key(adapter: str, request: Any, sample_index: int) -> str:
    """Cache key of one request: SHA-256 of the JSON of (adapter, request, sample), keys sorted.

    Numbers are keyed as the request writes them (``1`` and ``1.0`` are different requests).
    """
    text = json.dumps(
        [adapter, sample_index, request], sort_keys=True, separators=(",", ":"), ensure_ascii=False
    )
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class ResponseCache:
    """Answers of a model, by request key, in ``cache_dir/responses.sqlite``.

    The folder and the file are created on first use, not by the constructor. Several
    processes may share one cache folder (SQLite locks it; the first answer stored for a key
    is kept). Use as a context manager, or call :meth:`close`.
    """

    def __init__(self, cache_dir: str | Path) -> None:
        check_instance(cache_dir, "cache_dir", "ResponseCache", (str, Path), "a folder path")
        if not str(cache_dir):
            raise ParameterError("cache_dir", "ResponseCache", "a folder path", cache_dir)
        self.cache_dir = Path(cache_dir)
        self._conn: sqlite3.Connection | None = None
        self._pending: list[tuple[str, str]] = []

    @property
    def path(self) -> Path:
        """The SQLite file."""
        return self.cache_dir / _FILENAME

    def _db(self) -> sqlite3.Connection:
        if self._conn is None:
            try:
                self.cache_dir.mkdir(parents=True, exist_ok=True)
                conn = sqlite3.connect(self.path, isolation_level=None, timeout=30.0)
                conn.execute("PRAGMA journal_mode=WAL")
                # WAL with synchronous=NORMAL survives a killed process; only a power cut can
                # lose the last commits, which then are asked of the model again.
                conn.execute("PRAGMA synchronous=NORMAL")
                conn.execute(
                    f"CREATE TABLE IF NOT EXISTS {_TABLE} "
                    "(key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID"
                )
            except (OSError, sqlite3.Error) as exc:
                raise StorageError(f"cannot open the response cache {self.path}: {exc}") from exc
            self._conn = conn
        return self._conn

    def __len__(self) -> int:
        self.flush()
        row = self._db().execute(f"SELECT count(*) FROM {_TABLE}").fetchone()
        return int(row[0])

    def get_many(self, keys: Iterable[str]) -> dict[str, dict[str, Any]]:
        """The stored answers among ``keys`` (missing keys are absent from the result)."""
        self.flush()
        db = self._db()
        wanted = list(dict.fromkeys(keys))
        found: dict[str, dict[str, Any]] = {}
        for start in range(0, len(wanted), _CHUNK):
            chunk = wanted[start : start + _CHUNK]
            marks = ",".join("?" * len(chunk))
            rows = db.execute(f"SELECT key, value FROM {_TABLE} WHERE key IN ({marks})", chunk)
            for key, value in rows:
                found[key] = json.loads(value)
        return found

    def get(self, key: str) -> dict[str, Any] | None:
        """The stored answer for ``key``, or None."""
        return self.get_many([key]).get(key)

    def put(self, key: str, value: Mapping[str, Any]) -> None:
        """Queue an answer; it is written by the next :meth:`flush` (or :meth:`close`)."""
        self._pending.append((key, json.dumps(dict(value), ensure_ascii=False)))

    def flush(self) -> None:
        """Write the queued answers in one transaction."""
        if not self._pending:
            return
        db = self._db()
        pending, self._pending = self._pending, []
        try:
            db.execute("BEGIN IMMEDIATE")
            db.executemany(f"INSERT OR IGNORE INTO {_TABLE} (key, value) VALUES (?, ?)", pending)
            db.execute("COMMIT")
        except BaseException:
            if db.in_transaction:
                db.execute("ROLLBACK")
            self._pending[:0] = pending
            raise

    def close(self) -> None:
        """Write what is queued and close the file."""
        try:
            self.flush()
        finally:
            if self._conn is not None:
                self._conn.close()
                self._conn = None

    def __enter__(self) -> ResponseCache:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"ResponseCache({str(self.cache_dir)!r})"
