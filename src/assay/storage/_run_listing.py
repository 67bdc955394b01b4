"""Listing runs of an embedded store with the standard library alone.

``assay runs list`` is a short command whose own work is one query: opening a store through
SQLAlchemy and validating every run into a typed model costs several times that in imports.
When the store is a SQLite file already at this assay's schema revision, :func:`list_run_json`
reads the runs with :mod:`sqlite3` and returns each as the JSON object that
``RunInfo.model_dump(mode="json")`` would give, by the query of
:func:`~assay.storage._run_query.select_runs` less its column for runs tagged later (asked in a
statement of its own). Anything it cannot answer exactly (another
database, a file to create or migrate, a stored run of an unexpected shape, a filter naming an
unknown metric or tag, which :meth:`SqlRunRepository.list` explains) returns ``None``, and the
caller takes the typed path.
"""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, TypeVar

from assay._util import check_instance
from assay.storage._query import DIGEST_PREFIX, RunQuery, like_prefix
from assay.storage._revision import head_revision

__all__ = ["READ_BUSY_TIMEOUT_S", "RUN_FIELDS", "list_run_json", "read_embedded"]

T = TypeVar("T")

RUN_FIELDS = (
    "run_id",
    "suite_name",
    "suite_digest",
    "model",
    "params",
    "tags",
    "status",
    "created_at",
    "content_digest",
    "n_records",
    "n_examples",
    "n_errors",
    "metrics",
)
"""The fields of :class:`~assay.core.RunInfo`, in order: a stored run of any other shape is
left to the typed path (which fills defaults or refuses it)."""
_MODEL_FIELDS = ("name", "version", "parameters")
_METRIC_FIELDS = ("estimate", "low", "high", "confidence", "method", "n", "n_clusters", "n_missing")
_SQL_OPERATORS = {">": ">", ">=": ">=", "<": "<", "<=": "<=", "==": "="}
_UTC = "+00:00"
_IDS_PER_QUERY = 500
READ_BUSY_TIMEOUT_S = 5.0
"""How long a read with :mod:`sqlite3` waits for a locked database before it gives up and the
caller takes the typed path, which waits the store's own busy timeout and reports a lock that
outlasts it: a short wait here keeps a locked store's error as late as it was, not twice."""


def database_file(url: str | None, env: Mapping[str, str]) -> Path | None:
    """The SQLite file of the store ``url`` (else the environment) names, when it is a plain
    local file whose record folder is the default; ``None`` for anything else."""
    if env.get("ASSAY_ARTIFACTS") is not None:
        return None
    text = url if url is not None else env.get("ASSAY_DB")
    if text is None or (url is None and text == ""):
        return Path(env.get("ASSAY_HOME") or ".assay").expanduser().absolute() / "assay.db"
    path = text.removeprefix("sqlite:///")
    if path == text or not path or path == ":memory:" or any(c in path for c in "?#%@"):
        return None
    # as SQLAlchemy opens it: a "~" in a URL is a folder of that name, not the home folder
    return Path(path).absolute()


def _select(query: RunQuery) -> tuple[str, list[Any]]:
    """The statement of ``select_runs(query)`` in SQLite's words, with its parameters (less
    its column for runs tagged later, which :func:`_current_tags` asks apart)."""
    where: list[str] = []
    args: list[Any] = []
    if query.suite is not None:
        if DIGEST_PREFIX.match(query.suite):
            where.append("(runs.suite_name = ? OR runs.suite_digest LIKE ? ESCAPE '\\')")
            args += [query.suite, like_prefix(query.suite)]
        else:
            where.append("runs.suite_name = ?")
            args.append(query.suite)
    if query.model is not None:
        name, at, version = query.model.partition("@")
        where.append("runs.model_name = ?")
        args.append(name)
        if at:
            where.append("runs.model_version = ?")
            args.append(version)
    # as select_runs nests them: the first filter's index walked, the others' lists tested
    filters: list[tuple[str, list[Any]]] = []
    for item in query.metric_filters:
        name, op = f"filter_{len(filters)}", _SQL_OPERATORS[item.op]
        filters.append(
            (
                f"SELECT {name}.run_id FROM run_metrics AS {name}"
                f" WHERE {name}.metric = ? AND {name}.estimate {op} ?",
                [item.metric, item.value],
            )
        )
    for key, value in query.tags.items():
        name = f"filter_{len(filters)}"
        filters.append(
            (
                f"SELECT {name}.run_id FROM run_tags AS {name}"
                f" WHERE {name}.key = ? AND {name}.value = ?",
                [key, value],
            )
        )
    if filters:
        (first, first_args), rest = filters[0], filters[1:]
        tests = "".join(f" AND filter_0.run_id IN ({sub})" for sub, _ in rest)
        where.append(f"runs.run_id IN ({first}{tests})")
        args += first_args + [arg for _, sub_args in rest for arg in sub_args]
    direction = "DESC" if query.descending else "ASC"
    join = ""
    order = f"runs.created_at {direction}, runs.run_id {direction}"
    if query.sort != "created_at":
        join = (
            " LEFT OUTER JOIN run_metrics AS sort_metric"
            " ON sort_metric.run_id = runs.run_id AND sort_metric.metric = ?"
        )
        args.insert(0, query.sort)
        order = f"sort_metric.estimate {direction} NULLS LAST, {order}"
    sql = f"SELECT runs.run_id, runs.info FROM runs{join}"
    if where:
        sql += " WHERE " + " AND ".join(where)
    sql += f" ORDER BY {order}"
    if query.limit is not None:
        sql += " LIMIT ?"
        args.append(query.limit)
    return sql, args


def _names_known(conn: sqlite3.Connection, query: RunQuery, *, matched: bool) -> bool:
    """Whether ``check_names`` would let the listing through (it explains when not)."""
    metrics = [f.metric for f in query.metric_filters] if not matched else []
    if query.sort != "created_at":
        metrics.append(query.sort)
    keys = list(query.tags) if not matched else []
    if not metrics and not keys:
        return True
    if conn.execute("SELECT run_id FROM runs LIMIT 1").fetchone() is None:
        return True
    known = "SELECT 1 FROM run_metrics WHERE metric = ? LIMIT 1"
    if any(conn.execute(known, (name,)).fetchone() is None for name in metrics):
        return False
    known = "SELECT 1 FROM run_tags WHERE key = ? LIMIT 1"
    return all(conn.execute(known, (key,)).fetchone() is not None for key in keys)


def _current_tags(conn: sqlite3.Connection, ids: list[str]) -> dict[str, dict[str, str]]:
    """The tags now of those of ``ids`` tagged after they were stored (few, usually none)."""
    notes = "SELECT DISTINCT run_id FROM run_notes WHERE kind = 'tag'"
    changed = list({run_id for (run_id,) in conn.execute(notes)} & set(ids))
    out: dict[str, dict[str, str]] = {}
    for start in range(0, len(changed), _IDS_PER_QUERY):
        chunk = changed[start : start + _IDS_PER_QUERY]
        marks = ", ".join("?" * len(chunk))
        rows = conn.execute(
            f"SELECT run_id, key, value FROM run_tags WHERE run_id IN ({marks})", chunk
        )
        for run_id, key, value in rows:
            out.setdefault(run_id, {})[key] = value
    return out


def _as_dumped(info: Any) -> dict[str, Any] | None:
    """A stored run's ``info`` as ``model_dump(mode="json")`` gives it, or ``None`` when its
    shape is not the current model's."""
    if not isinstance(info, dict) or tuple(info) != RUN_FIELDS:
        return None
    model, metrics, created = info["model"], info["metrics"], info["created_at"]
    if not isinstance(model, dict) or tuple(model) != _MODEL_FIELDS:
        return None
    if not isinstance(metrics, dict) or not isinstance(info["tags"], dict):
        return None
    if any(not isinstance(m, dict) or tuple(m) != _METRIC_FIELDS for m in metrics.values()):
        return None
    if not isinstance(created, str) or not created.endswith(_UTC):
        return None
    # stored with isoformat(); pydantic writes UTC as "Z"
    info["created_at"] = created.removesuffix(_UTC) + "Z"
    return info


def _read(conn: sqlite3.Connection, query: RunQuery) -> list[dict[str, Any]] | None:
    rows = conn.execute("SELECT version_num FROM alembic_version").fetchall()
    if rows != [(head_revision(),)]:
        return None
    sql, args = _select(query)
    found = conn.execute(sql, args).fetchall()
    ids = [run_id for run_id, _ in found]
    if not _names_known(conn, query, matched=bool(ids)):
        return None
    tags = _current_tags(conn, ids)
    out: list[dict[str, Any]] = []
    for run_id, text in found:
        info = _as_dumped(json.loads(text))
        if info is None:
            return None
        merged = {**info["tags"], **tags.get(run_id, {})}
        if merged != info["tags"]:
            info["tags"] = merged
        out.append(info)
    return out


def list_run_json(
    query: RunQuery, *, url: str | None = None, env: Mapping[str, str] | None = None
) -> list[dict[str, Any]] | None:
    """The runs ``query`` matches in the embedded store ``url`` (else the one the environment
    names), each as ``RunInfo.model_dump(mode="json")``, or ``None`` when this store or query
    needs the typed path (:meth:`SqlRunRepository.list`).

    Nothing is created, migrated or written: a missing file, another schema revision or any
    database error also means ``None``.
    """
    check_instance(query, "query", "list_run_json", RunQuery, "a RunQuery")
    check_instance(url, "url", "list_run_json", (str, type(None)), "a URL string or None")
    found = read_embedded(url, env, lambda conn: _read(conn, query))
    return None if found is None else found[0]


def read_embedded(
    url: str | None, env: Mapping[str, str] | None, read: Callable[[sqlite3.Connection], T]
) -> tuple[T, Path] | None:
    """What ``read`` answers on the embedded store ``url`` names (else the environment), with
    the store's database file; ``None`` where there is no such file, or on a database error
    or a column that is not JSON (``ValueError``)."""
    database = database_file(url, os.environ if env is None else env)
    if database is None or not database.is_file():
        return None
    try:
        conn = sqlite3.connect(database, timeout=READ_BUSY_TIMEOUT_S)
    except sqlite3.Error:
        return None
    try:
        return read(conn), database
    except (sqlite3.Error, ValueError):
        return None
    finally:
        conn.close()
