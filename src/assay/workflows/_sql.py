"""``assay.sql``: one read-only DuckDB query over the store's runs, metrics, decisions and
records.

The query runs in a private in-memory DuckDB database whose only tables are the views of
:data:`~assay.workflows._sql_views.SQL_VIEWS`. Before the query is parsed the connection is
locked down, so that nothing in the SQL can reach past the store: file access is disabled except
for the store's own record files (``allowed_paths``), extensions are neither installed nor
loaded, secrets are not persisted, Python variables are not scanned, and the configuration is
locked. Only one ``SELECT`` (``WITH``, ``FROM``, ``VALUES``, ``DESCRIBE``, ``SUMMARIZE``) or
``EXPLAIN`` statement is accepted; the result is bounded in rows, the engine in memory, and the
query in time.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

from assay._util import check_instance, check_int, check_number, require
from assay.errors import ConfigError, StorageError
from assay.storage import Store
from assay.workflows._sql_views import SQL_VIEWS, create_views
from assay.workflows._store import resolve_store

if TYPE_CHECKING:
    import duckdb
    import pyarrow as pa

__all__ = ["MAX_SQL_ROWS", "SQL_VIEWS", "sql"]

MAX_SQL_ROWS = 100_000
"""The default bound on the rows a query may return."""
_MAX_QUERY = 100_000  # characters
_MEMORY_LIMIT = "1GB"
_READS = ("SELECT", "EXPLAIN")


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
    if kind not in _READS:
        raise ConfigError(
            f"assay sql only reads: a {kind} statement is refused. Ask with SELECT (or WITH, "
            "FROM, DESCRIBE, SUMMARIZE, EXPLAIN) over the views "
            f"{', '.join(SQL_VIEWS)}."
        )


def _bounded(reader: pa.RecordBatchReader, max_rows: int) -> pa.Table:
    import pyarrow as pa

    batches, rows = [], 0
    for batch in reader:
        rows += batch.num_rows
        if rows > max_rows:
            raise ConfigError(
                f"The query returns more than {max_rows:,} rows: add a LIMIT or an aggregate, "
                "or raise max_rows (--max-rows)."
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
) -> pa.Table:
    """Run one read-only SQL query (DuckDB's dialect) over the store; returns an Arrow table.

    The views are ``runs``, ``metrics``, ``decisions`` and ``records`` (with ``record_files``,
    each run's record file); :data:`SQL_VIEWS` lists their columns. ``records`` reads the
    stored Parquet files in place, on a local disk or in an object store, so a query over
    millions of records streams them instead of loading them.

    Only a single ``SELECT`` (``WITH``, ``FROM``, ``VALUES``, ``DESCRIBE``, ``SUMMARIZE``) or
    ``EXPLAIN`` runs; any other statement (``COPY``, ``ATTACH``, ``INSTALL``, ``CREATE``,
    ``SET``, ...) raises :class:`~assay.errors.ConfigError`, as does reading any file that is
    not one of the store's record files (``read_csv('/etc/passwd')``), a result of more than
    ``max_rows`` rows, or a query running longer than ``timeout`` seconds. A record file that
    cannot be read raises :class:`~assay.errors.StorageError`.
    """
    check_instance(query, "query", "sql", str, "an SQL query (str)")
    if not query.strip() or len(query) > _MAX_QUERY:
        raise ConfigError(f"The SQL query is text of 1 to {_MAX_QUERY:,} characters.")
    check_int(max_rows, "max_rows", "sql")
    check_number(timeout, "timeout", "sql", low=0, low_open=True)
    require("duckdb", "sql", feature="assay sql")
    st = resolve_store(store)
    con = _connect()
    try:
        views = create_views(con, st)
        _lock(con, views.allowed)
        _check_statement(con, query)
        try:
            return _run(con, query, max_rows, float(timeout))
        except ConfigError as exc:
            if views.problem is not None and views.problem in str(exc):
                raise StorageError(views.problem) from exc
            raise
    finally:
        con.close()
