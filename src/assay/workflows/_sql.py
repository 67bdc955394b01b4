"""``assay.sql``: one read-only DuckDB query over the store's runs, metrics, decisions and
records.

The query runs in a private in-memory DuckDB database whose only tables are the views of
:data:`~assay.workflows._sql_views.SQL_VIEWS`. Before the query is parsed the connection is
locked down, so that nothing in the SQL can reach past the store: file access is disabled except
for private copies of the store's record files (``allowed_paths``), each checked against its
digest as it was copied, so that DuckDB reads exactly the bytes checked; extensions are neither installed nor
loaded, secrets are not persisted, Python variables are not scanned, and the configuration is
locked, and DuckDB's temporary folder is off (no spilling), so no folder is open to write in.
Only one ``SELECT`` (``WITH``, ``FROM``, ``VALUES``, ``DESCRIBE``, ``SUMMARIZE``) or ``EXPLAIN``
of one ``SELECT`` is accepted, as DuckDB's parser reads it (``EXPLAIN ANALYZE`` runs its
statement and is refused); the result is bounded in rows and bytes, the engine in memory, and
the query in time.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from typing import TYPE_CHECKING

from assay._util import check_instance, check_int, check_number, require
from assay.errors import ConfigError, StorageError
from assay.storage import Store, run_ids
from assay.workflows._api import run_ref
from assay.workflows._sql_views import SQL_VIEWS, create_views
from assay.workflows._store import resolve_store

if TYPE_CHECKING:
    import duckdb
    import pyarrow as pa

__all__ = ["MAX_SQL_BYTES", "MAX_SQL_ROWS", "MAX_SQL_TIMEOUT", "SQL_VIEWS", "sql"]

MAX_SQL_ROWS = 100_000
"""The default bound on the rows a query may return."""
MAX_SQL_BYTES = 256 * 1024 * 1024
"""The bound on the bytes of a query's result (Arrow's in-memory size)."""
MAX_SQL_TIMEOUT = 24 * 3600.0
"""The longest ``timeout`` a query may be given, in seconds."""
_MAX_QUERY = 100_000  # characters
_MEMORY_LIMIT = "1GB"


def _connect() -> duckdb.DuckDBPyConnection:
    import duckdb

    return duckdb.connect(
        ":memory:",
        config={
            "autoinstall_known_extensions": False,
            "autoload_known_extensions": False,
            "allow_community_extensions": False,
            "allow_persistent_secrets": False,
            "python_enable_replacements": False,
            "memory_limit": _MEMORY_LIMIT,
            "temp_directory": "",  # no spilling: no folder to write in, none to read back
            "threads": 2,
        },
    )


def _lock(con: duckdb.DuckDBPyConnection, allowed: list[str]) -> None:
    listed = ", ".join("'" + path.replace("'", "''") + "'" for path in allowed)
    con.execute(f"SET allowed_paths = [{listed}]")
    con.execute("SET enable_external_access = false")
    con.execute("SET lock_configuration = true")


def _check_statement(con: duckdb.DuckDBPyConnection, query: str) -> None:
    import duckdb

    try:
        statements = con.extract_statements(query)
    except duckdb.Error as exc:
        raise ConfigError(f"The SQL does not parse: {exc}") from exc
    if len(statements) != 1:
        raise ConfigError(
            f"assay sql runs one statement at a time; the SQL holds {len(statements)}."
        )
    kind = statements[0].type.name
    if kind == "EXPLAIN":
        kind = _explained(con, query)
    if kind != "SELECT":
        raise ConfigError(
            f"assay sql only reads: a {kind} statement is refused. Ask with SELECT (or WITH, "
            "FROM, DESCRIBE, SUMMARIZE, EXPLAIN SELECT) over the views "
            f"{', '.join(SQL_VIEWS)}."
        )


def _explained(con: duckdb.DuckDBPyConnection, query: str) -> str:
    """The kind of statement an ``EXPLAIN`` shows, as DuckDB's parser reads it.

    ``EXPLAIN ANALYZE`` runs its statement, and ``EXPLAIN (options)`` may ask for that, so
    both are refused; a plain ``EXPLAIN`` is accepted only over one ``SELECT``."""
    import duckdb

    tokens = [
        (start, query[start:].split(None, 1)[0].upper() if query[start:].strip() else "")
        for start, kind in duckdb.tokenize(query)
        if kind != duckdb.token_type.comment
    ]
    if len(tokens) < 2 or tokens[0][1] != "EXPLAIN":
        return "EXPLAIN"
    following = tokens[1][1]
    if following.startswith(("ANALY", "(")):
        return "EXPLAIN ANALYZE" if following.startswith("ANALY") else "EXPLAIN (options)"
    try:
        inner = con.extract_statements(query[tokens[1][0] :])
    except duckdb.Error:
        return "EXPLAIN"
    return inner[0].type.name if len(inner) == 1 else "EXPLAIN"


def _names_records(query: str) -> bool:
    """Whether the query names the ``records`` view (DuckDB's tokenizer reads it)."""
    import duckdb

    tokens = duckdb.tokenize(query)
    ends = [start for start, _ in tokens[1:]] + [len(query)]
    return any(
        kind == duckdb.token_type.identifier
        and query[start:end].strip().strip('"').lower() == "records"
        for (start, kind), end in zip(tokens, ends, strict=True)
    )


def _bounded(reader: pa.RecordBatchReader, max_rows: int) -> pa.Table:
    import pyarrow as pa

    batches, rows, size = [], 0, 0
    for batch in reader:
        rows += batch.num_rows
        size += batch.nbytes
        if rows > max_rows:
            raise ConfigError(
                f"The query returns more than {max_rows:,} rows: add a LIMIT or an aggregate, "
                "or raise max_rows (--max-rows)."
            )
        if size > MAX_SQL_BYTES:
            raise ConfigError(
                f"The query's result is larger than {MAX_SQL_BYTES // 2**20:,} MiB: select "
                "fewer or shorter columns, or fewer rows."
            )
        batches.append(batch)
    return pa.Table.from_batches(batches, schema=reader.schema)


def _run(con: duckdb.DuckDBPyConnection, query: str, max_rows: int, timeout: float) -> pa.Table:
    import duckdb

    timer = threading.Timer(timeout, con.interrupt)
    timer.start()
    try:
        relation = con.sql(query)
        # DuckDB 1.x calls the streaming reader fetch_arrow_reader, 2.x to_arrow_reader
        reader = getattr(relation, "to_arrow_reader", None) or relation.fetch_arrow_reader
        return _bounded(reader(10_000), max_rows)
    except duckdb.InterruptException as exc:
        raise ConfigError(
            f"The query ran past {timeout:g} s and was stopped: narrow it, or raise timeout."
        ) from exc
    except duckdb.PermissionException as exc:
        raise ConfigError(
            f"assay sql reads only the store's views ({', '.join(SQL_VIEWS)}): {exc}"
        ) from exc
    except duckdb.IOException as exc:
        raise StorageError(f"A record file of the store could not be read: {exc}") from exc
    except duckdb.OutOfMemoryException as exc:
        raise ConfigError(
            f"The query needs more than {_MEMORY_LIMIT} of memory: narrow it. ({exc})"
        ) from exc
    except duckdb.Error as exc:
        raise ConfigError(f"The SQL failed: {exc}") from exc
    finally:
        timer.cancel()


def sql(
    query: str,
    *,
    store: Store | None = None,
    max_rows: int = MAX_SQL_ROWS,
    timeout: float = 60.0,
    runs: Iterable[object] | None = None,
) -> pa.Table:
    """Run one read-only SQL query (DuckDB's dialect) over the store; returns an Arrow table.

    The views are ``runs``, ``metrics``, ``decisions`` and ``records`` (with ``record_files``,
    each run's record file); :data:`SQL_VIEWS` lists their columns. ``records`` reads private
    copies of the stored Parquet files (on a local disk or in an object store), each checked
    against its digest as it was copied, so the records a query sees are the records checked
    even when a file is rewritten meanwhile; DuckDB streams the copies instead of loading them.

    Only a single ``SELECT`` (``WITH``, ``FROM``, ``VALUES``, ``DESCRIBE``, ``SUMMARIZE``) or
    ``EXPLAIN`` of one ``SELECT`` runs; any other statement (``COPY``, ``ATTACH``, ``INSTALL``,
    ``CREATE``, ``SET``, ``EXPLAIN ANALYZE``, ...) raises :class:`~assay.errors.ConfigError`,
    as does reading any file but through the views (``read_csv('/etc/passwd')``, a record
    file by its path), a result of more than ``max_rows`` rows or
    :data:`MAX_SQL_BYTES` bytes, or a query running longer than ``timeout`` seconds (at most
    :data:`MAX_SQL_TIMEOUT`). A record file that cannot be read raises
    :class:`~assay.errors.StorageError` for any query that names ``records``, and every
    record file is checked against its digest before any query that reads one runs.

    ``runs`` (run ids, unique id prefixes, ``MODEL@VERSION`` or run objects, as
    :func:`get_run` takes them) restricts ``records`` and ``record_files`` to those runs: only
    their files are copied and checked, which a ``WHERE run_id = ...`` in the query does not
    do. The view's columns are then those of these runs' files alone. A reference that names
    no run raises :class:`~assay.errors.NotFoundError`, one that names several
    :class:`~assay.errors.AmbiguousReferenceError` listing them; a run named twice is read
    once.
    """
    check_instance(query, "query", "sql", str, "an SQL query (str)")
    if not query.strip() or len(query) > _MAX_QUERY:
        raise ConfigError(f"The SQL query is text of 1 to {_MAX_QUERY:,} characters.")
    check_int(max_rows, "max_rows", "sql")
    check_number(timeout, "timeout", "sql", low=0, high=MAX_SQL_TIMEOUT, low_open=True)
    require("duckdb", "sql", feature="assay sql")
    st = resolve_store(store)
    named = None if runs is None else _run_ids(st, runs)
    # a query that names record files ("parquet": by read_parquet or by a path, which ends in
    # .parquet) or the records view gets them verified first; any other runs with no file
    # readable at all, and when DuckDB refuses it a file (the records view reached another
    # way, such as query_table('records')) it runs again with the files verified
    if not (_names_records(query) or "parquet" in query.lower()):
        try:
            return _query(st, query, max_rows, float(timeout), named, verify=False)
        except ConfigError as exc:
            if not isinstance(exc.__cause__, _permission_error()):
                raise
    return _query(st, query, max_rows, float(timeout), named, verify=True)


def _run_ids(st: Store, runs: Iterable[object]) -> list[str]:
    """The ids of the runs ``runs`` names, each once, in the order first named."""
    return run_ids(st, runs, "sql", lambda run: run_ref(run, parameter="runs", function="sql"))


def _permission_error() -> type[Exception]:
    import duckdb

    return duckdb.PermissionException


def _query(
    st: Store,
    query: str,
    max_rows: int,
    timeout: float,
    runs: list[str] | None,
    *,
    verify: bool,
) -> pa.Table:
    """Run ``query``; only with ``verify`` are record files readable: private copies, each
    checked against its digest as it was copied (the store's own files never are, so a file
    rewritten or replaced after the check cannot be read in its place)."""
    con = _connect()
    views = None
    try:
        views = create_views(con, st, copies=verify, runs=runs)
        _lock(con, views.allowed if verify else [])
        _check_statement(con, query)
        try:
            return _run(con, query, max_rows, timeout)
        except ConfigError as exc:
            if views.problem is not None and (views.problem in str(exc) or verify):
                raise StorageError(views.problem) from exc
            if views.named(str(exc)) == str(exc):
                raise
            raise ConfigError(views.named(str(exc))) from exc.__cause__
        except StorageError as exc:  # a copy that DuckDB failed to read: name the store's file
            if views.named(str(exc)) == str(exc):
                raise
            raise StorageError(views.named(str(exc))) from exc.__cause__
    finally:
        con.close()
        if views is not None:  # DuckDB reads the copies no more
            views.release()
