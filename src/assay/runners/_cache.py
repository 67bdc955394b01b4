"""The response cache: model answers kept on disk, so a run that stops resumes where it was.

One SQLite file (``responses.sqlite``) in the cache folder maps a request key to the answer.
The key is the digest of the adapter kind, the endpoint the adapter reaches (its
``cache_scope``: for an OpenAI-compatible endpoint, the base URL and endpoint kind), the full
request body (model, decoding settings, rendered prompt) and the sample index
(:func:`request_key`), so two servers that serve a model of the same name never share
answers. Entries written before the endpoint was part of the key are no longer found; those
requests are sent again.

An answer that cannot be written as UTF-8 JSON is not stored (:meth:`ResponseCache.put`
says so by returning False). An entry that cannot be read back (a damaged row) is a miss:
it is reported with an :class:`~assay.errors.AssayWarning`, removed, and asked again.

Answers are written as they arrive, in small transactions (the runner commits every answer
that arrived in the last 50 ms together), in write-ahead-log mode: a process killed with
SIGKILL loses at most the answers not yet committed, and whatever was committed is complete;
a cancelled or interrupted run commits every answer it received before it stops. The runner
commits from a worker thread (:meth:`ResponseCache.flush` may be called from any thread), so
the event loop keeps sending while SQLite writes and syncs the file.
Only successful answers are kept; failed examples are asked again on the next run.
"""

from __future__ import annotations

import hashlib
import sqlite3
import threading
import warnings
from collections.abc import Iterable, Mapping
from pathlib import Path
from types import TracebackType
from typing import Any

from assay._util import check_instance
from assay.errors import AssayWarning, ParameterError, StorageError
from assay.runners._json import Encoder, loads

try:
    from json.encoder import c_encode_basestring as _encode_string  # type: ignore[attr-defined]
except ImportError:  # pragma: no cover - CPython builds have it
    from json.encoder import py_encode_basestring as _encode_string

__all__ = ["ResponseCache", "request_key"]

_FILENAME = "responses.sqlite"
_TABLE = "responses_v1"
_CHUNK = 499  # keys per lookup query, rows per insert: under SQLite's oldest limit (999 values)


def request_key(adapter: str, request: Any, sample_index: int, scope: str | None = None) -> str:
    """Cache key of one request: SHA-256 of the JSON of (adapter, request, sample), keys sorted.

    ``scope`` names where the request goes (an endpoint's address and kind); requests with
    different scopes never share a key. Numbers are keyed as the request writes them (``1``
    and ``1.0`` are different requests).
    """
    parts: list[Any] = [adapter, sample_index, request]
    if scope is not None:
        parts.append({"scope": scope})
    text = _KEY_JSON.encode(parts)
    # surrogatepass: a prompt holding a lone surrogate still has a key (valid text is unchanged)
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


# one encoder for every call (json.dumps builds one per call when given options)
_KEY_JSON = Encoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False)
_VALUE_JSON = Encoder(ensure_ascii=False)
_FLAT = (str, int, float, type(None))
_FLAT_TYPES = frozenset(_FLAT)


_ANSWER_KEYS = ("output", "tokens_in", "tokens_out", "latency_ms")
_SPECIAL_FLOATS = {"nan": "NaN", "inf": "Infinity", "-inf": "-Infinity"}


def _plain_answer_json(value: Any) -> str | None:
    """``_VALUE_JSON.encode(value)`` for the runner's answer of text (a dict of these four keys
    in this order: a string without surrogates, two counts, a float), written here where the
    encoder's general walk costs twice as much; None for anything else."""
    if type(value) is not dict or tuple(value) != _ANSWER_KEYS:
        return None
    output, tokens_in, tokens_out, latency = value.values()
    if type(output) is not str or type(latency) is not float:
        return None
    if not all(c is None or type(c) is int for c in (tokens_in, tokens_out)):
        return None
    try:
        counts = ["null" if c is None else int.__repr__(c) for c in (tokens_in, tokens_out)]
        text = _encode_string(output)
        if not text.isascii():
            text.encode("utf-8")
    except ValueError:  # a lone surrogate, an int of too many digits: put's general path
        return None
    number = float.__repr__(latency)
    number = _SPECIAL_FLOATS.get(number, number)
    return (
        f'{{"output": {text}, "tokens_in": {counts[0]}, "tokens_out": {counts[1]}, '
        f'"latency_ms": {number}}}'
    )


def _insert(db: sqlite3.Connection, rows: list[tuple[str, str]]) -> None:
    """``INSERT OR IGNORE`` of ``rows`` in order (the first row of a key wins), _CHUNK rows
    per statement: one statement runs without the GIL where one per row would take it back
    after each, stalling the event loop's thread once per row."""
    for start in range(0, len(rows), _CHUNK):
        chunk = rows[start : start + _CHUNK]
        marks = ",".join(("(?,?)",) * len(chunk))
        query = f"INSERT OR IGNORE INTO {_TABLE} (key, value) VALUES {marks}"
        db.execute(query, [v for row in chunk for v in row])


def _damaged(path: Path, exc: BaseException) -> StorageError:
    return StorageError(
        f"cannot use the response cache {path}: {exc}. Delete that file (and its -wal and "
        "-shm files) to start the cache afresh; its answers are then asked again."
    )


def _readable(value: Any) -> dict[str, Any] | None:
    """A stored answer as a mapping, or None when the row is damaged."""
    if not isinstance(value, str):
        return None
    try:
        answer = loads(value)
    except (ValueError, RecursionError):
        return None
    return answer if isinstance(answer, dict) else None


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
        # _db_lock: one user of the connection at a time; _queue_lock: the queue alone, held
        # only for an append or a swap, so put() never waits for a write in another thread
        self._db_lock = threading.RLock()
        self._queue_lock = threading.Lock()

    @property
    def path(self) -> Path:
        """The SQLite file."""
        return self.cache_dir / _FILENAME

    def _db(self) -> sqlite3.Connection:
        if self._conn is None:
            try:
                self.cache_dir.mkdir(parents=True, exist_ok=True)
                conn = sqlite3.connect(
                    self.path, isolation_level=None, timeout=30.0, check_same_thread=False
                )
                conn.execute("PRAGMA journal_mode=WAL")
                # WAL with synchronous=NORMAL survives a killed process; only a power cut can
                # lose the last commits, which then are asked of the model again.
                conn.execute("PRAGMA synchronous=NORMAL")
                conn.execute(
                    f"CREATE TABLE IF NOT EXISTS {_TABLE} "
                    "(key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID"
                )
            except (OSError, sqlite3.Error) as exc:
                raise _damaged(self.path, exc) from exc
            self._conn = conn
        return self._conn

    def __len__(self) -> int:
        with self._db_lock:
            self.flush()
            row = self._db().execute(f"SELECT count(*) FROM {_TABLE}").fetchone()
            return int(row[0])

    def get_many(
        self, keys: Iterable[str], *, damaged: list[str] | None = None, queued: bool = True
    ) -> dict[str, dict[str, Any]]:
        """The stored answers among ``keys`` (missing keys are absent from the result).

        Entries that cannot be read are removed (they are misses) and reported with an
        :class:`~assay.errors.AssayWarning`; with ``damaged``, their keys are appended to it
        instead, for one report of several lookups (:meth:`report_damaged`). ``queued=False``
        looks only at what is written, without writing the answers queued first (a lookup on
        an event loop's thread while a flush thread writes them).
        """
        with self._db_lock:
            if queued:
                self.flush()
            return self._get_many(keys, damaged)

    def report_damaged(self, keys: list[str]) -> None:
        """Warn of the entries that could not be read (their keys), as :meth:`get_many` does."""
        if keys:
            warnings.warn(
                f"The response cache {self.path} holds {len(keys)} entries that cannot be "
                f"read (the first: key {keys[0]}); they are asked of the model again.",
                AssayWarning,
                stacklevel=3,
            )

    def _get_many(
        self, keys: Iterable[str], gathered: list[str] | None
    ) -> dict[str, dict[str, Any]]:
        db = self._db()
        wanted = list(dict.fromkeys(keys))
        found: dict[str, dict[str, Any]] = {}
        damaged: list[tuple[str, Any]] = []
        for start in range(0, len(wanted), _CHUNK):
            chunk = wanted[start : start + _CHUNK]
            marks = ",".join("?" * len(chunk))
            query = f"SELECT key, value FROM {_TABLE} WHERE key IN ({marks})"
            try:
                rows = db.execute(query, chunk).fetchall()
            except sqlite3.DatabaseError as exc:  # a damaged page, found only when read
                raise _damaged(self.path, exc) from exc
            for key, value in rows:
                answer = _readable(value)
                if answer is None:
                    damaged.append((key, value))
                else:
                    found[key] = answer
        if damaged:
            # only the damaged row itself: another process may have stored a good answer since
            db.executemany(f"DELETE FROM {_TABLE} WHERE key = ? AND value = ?", damaged)
            if gathered is None:
                self.report_damaged([key for key, _ in damaged])
            else:
                gathered.extend(key for key, _ in damaged)
        return found

    def get(self, key: str) -> dict[str, Any] | None:
        """The stored answer for ``key``, or None."""
        return self.get_many([key]).get(key)

    def put(self, key: str, value: Mapping[str, Any]) -> bool:
        """Queue an answer; it is written by the next :meth:`flush` (or :meth:`close`).

        Returns False, storing nothing, when the answer cannot be written as UTF-8 JSON and
        read back (text with a lone surrogate, a value JSON cannot hold, nesting too deep).
        """
        text = _plain_answer_json(value)
        if text is not None:  # the runner's answer of text: valid UTF-8, reads back
            with self._queue_lock:
                self._pending.append((key, text))
            return True
        try:
            text = _VALUE_JSON.encode(value if type(value) is dict else dict(value))
            if not text.isascii():
                text.encode("utf-8")
        except (TypeError, ValueError, RecursionError):  # UnicodeEncodeError is a ValueError
            return False
        # a mapping of plain values (the runner's answers) always reads back; nested ones may not
        values = value.values()
        flat = _FLAT_TYPES.issuperset(map(type, values)) or all(
            isinstance(v, _FLAT) for v in values
        )
        if not flat and _readable(text) is None:
            return False
        with self._queue_lock:
            self._pending.append((key, text))
        return True

    def flush(self) -> None:
        """Write the queued answers in one transaction (from any thread; one at a time)."""
        with self._db_lock:
            with self._queue_lock:
                pending, self._pending = self._pending, []
            if not pending:
                return
            try:
                db = self._db()
                db.execute("BEGIN IMMEDIATE")
                _insert(db, pending)
                db.execute("COMMIT")
            except BaseException:
                if self._conn is not None and self._conn.in_transaction:
                    self._conn.execute("ROLLBACK")
                with self._queue_lock:
                    self._pending[:0] = pending
                raise

    def close(self) -> None:
        """Write what is queued and close the file."""
        with self._db_lock:
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
