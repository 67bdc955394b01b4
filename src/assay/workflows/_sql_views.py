"""The views ``assay sql`` queries: runs, metrics, decisions (from the store's API) and
records (the stored Parquet files: private copies checked against their digests as they were
copied, so that the bytes DuckDB reads are the bytes checked)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pyarrow as pa

from assay.errors import StorageError
from assay.storage import RecordCopies, Store, copy_record_files, record_files

if TYPE_CHECKING:
    import duckdb

__all__ = ["FILE_COLUMN", "SQL_VIEWS", "Views", "create_views"]

SQL_VIEWS: dict[str, dict[str, str]] = {
    "runs": {
        "run_id": "the run's id",
        "suite_name": "the suite evaluated",
        "suite_digest": "the suite version's digest",
        "model_name": "the model's name",
        "model_version": "the model's version",
        "status": "complete (stored runs are complete)",
        "created_at": "when the run was recorded (UTC timestamp)",
        "content_digest": "digest of suite, model and records",
        "n_records": "records (rows), repeated samples included",
        "n_examples": "distinct examples with records",
        "n_errors": "records whose model call failed",
        "tags": "the run's tags now (MAP of text to text)",
        "params": "the run's parameters (MAP of text to text; numbers and booleans as JSON)",
    },
    "metrics": {
        "run_id": "the run",
        "metric": "the metric's name",
        "estimate": "the run's value of the metric",
        "low": "lower bound of its interval",
        "high": "upper bound of its interval",
        "confidence": "the interval's confidence level",
        "method": "the interval's method",
        "n": "examples scored",
        "n_clusters": "clusters, when the interval accounts for them (else NULL)",
        "n_missing": "records with no score",
    },
    "decisions": {
        "decision_id": "the decision's id",
        "created_at": "when it was recorded (UTC timestamp)",
        "title": "what was decided",
        "verdict": "SHIP, BLOCK or INCONCLUSIVE",
        "summary": "the verdict's one-sentence summary",
        "policy": "the policy's name",
        "policy_digest": "the policy definition's digest",
        "suite_digest": "the suite version compared on",
        "baseline_run": "the baseline run's id",
        "candidate_run": "the candidate run's id",
    },
    "records": {
        "run_id": "the run the record belongs to",
        "...": "every column of the stored record files, by name (example_id, sample_index, "
        "output, error, latency_ms, one column per metric, slice attributes, ...); a column "
        "one run lacks is NULL in its rows; a record column named run_id is shown as "
        "record_run_id",
    },
}
"""Each view's columns and what they hold (``assay sql --views`` prints them)."""

FILE_COLUMN = "__assay_record_file__"
"""The column name the records view reserves for the file each record was read from."""
_TIMESTAMP = pa.timestamp("us", tz="UTC")
_TEXT_MAP = pa.map_(pa.string(), pa.string())


def _param_text(value: object) -> str | None:
    if value is None or isinstance(value, str):
        return value
    return json.dumps(value)


def _runs_and_metrics(store: Store) -> tuple[pa.Table, pa.Table]:
    infos = store.runs.list()
    runs = pa.table(
        {
            "run_id": [r.run_id for r in infos],
            "suite_name": [r.suite_name for r in infos],
            "suite_digest": [r.suite_digest for r in infos],
            "model_name": [r.model.name for r in infos],
            "model_version": [r.model.version for r in infos],
            "status": [r.status for r in infos],
            "created_at": pa.array([r.created_at for r in infos], _TIMESTAMP),
            "content_digest": [r.content_digest for r in infos],
            "n_records": pa.array([r.n_records for r in infos], pa.int64()),
            "n_examples": pa.array([r.n_examples for r in infos], pa.int64()),
            "n_errors": pa.array([r.n_errors for r in infos], pa.int64()),
            "tags": pa.array([list(r.tags.items()) for r in infos], _TEXT_MAP),
            "params": pa.array(
                [[(k, _param_text(v)) for k, v in r.params.items()] for r in infos], _TEXT_MAP
            ),
        }
    )
    rows = [(r.run_id, name, m) for r in infos for name, m in r.metrics.items()]
    metrics = pa.table(
        {
            "run_id": [run_id for run_id, _, _ in rows],
            "metric": [name for _, name, _ in rows],
            "estimate": pa.array([m.estimate for _, _, m in rows], pa.float64()),
            "low": pa.array([m.low for _, _, m in rows], pa.float64()),
            "high": pa.array([m.high for _, _, m in rows], pa.float64()),
            "confidence": pa.array([m.confidence for _, _, m in rows], pa.float64()),
            "method": pa.array([m.method for _, _, m in rows], pa.string()),
            "n": pa.array([m.n for _, _, m in rows], pa.int64()),
            "n_clusters": pa.array([m.n_clusters for _, _, m in rows], pa.int64()),
            "n_missing": pa.array([m.n_missing for _, _, m in rows], pa.int64()),
        }
    )
    return runs, metrics


def _decisions(store: Store) -> pa.Table:
    found = store.decisions.list()
    columns: dict[str, Any] = {
        name: pa.array([str(getattr(d, name)) for d in found], pa.string())
        for name in SQL_VIEWS["decisions"]
        if name != "created_at"
    }
    columns["verdict"] = pa.array([d.verdict.value for d in found], pa.string())
    columns["created_at"] = pa.array([d.created_at for d in found], _TIMESTAMP)
    return pa.table({name: columns[name] for name in SQL_VIEWS["decisions"]})


def _file_forms(url: str) -> list[str]:
    """A location as DuckDB may report it: an fsspec URL is named ``proto:///path`` too."""
    protocol, sep, path = url.partition("://")
    if not sep:
        return [url]
    return list(dict.fromkeys([url, f"{protocol}:///{path.lstrip('/')}"]))


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _records_view(
    con: duckdb.DuckDBPyConnection, sources: dict[str, str], filesystem: Any
) -> list[str]:
    """Create the records view over ``sources`` (run id → the file DuckDB reads); returns the
    locations DuckDB must be allowed to read."""
    if filesystem is not None:
        con.register_filesystem(filesystem)
    if not sources:
        con.execute("CREATE VIEW records AS SELECT NULL::VARCHAR AS run_id WHERE false")
        return []
    forms = [(run_id, form) for run_id, url in sources.items() for form in _file_forms(url)]
    listed = ", ".join(_literal(url) for url in sources.values())
    source = f"read_parquet([{listed}], union_by_name = true, filename = {_literal(FILE_COLUMN)})"
    names = con.sql(f"SELECT * FROM {source} LIMIT 0").columns
    if names.count(FILE_COLUMN) != 1:
        raise StorageError(
            f"A record file of the store has a column named {FILE_COLUMN!r}, the name assay sql "
            "reserves for the file a record was read from: rename that column."
        )
    renamed = ""
    if "run_id" in names:  # a record's own run_id column would clash with the view's
        renamed = f" RENAME (run_id AS {_quoted(_free_name('record_run_id', names))})"
    # the file → run mapping is part of the view, so that no table names the files read
    rows = ", ".join(f"({_literal(form)}, {_literal(run_id)})" for run_id, form in forms)
    con.execute(
        f"CREATE VIEW records AS SELECT f.run_id, r.* EXCLUDE ({_quoted(FILE_COLUMN)}){renamed} "
        f"FROM {source} AS r JOIN (VALUES {rows}) AS f(path, run_id) "
        f"ON r.{_quoted(FILE_COLUMN)} = f.path"
    )
    return [form for _, form in forms]


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _free_name(name: str, taken: list[str]) -> str:
    while name in taken:
        name += "_"
    return name


@dataclass(frozen=True)
class Views:
    """What :func:`create_views` made."""

    allowed: list[str]
    """The files the records view reads: the only files a query may read."""
    problem: str | None
    """Why the records view cannot be read (it raises this when queried), else ``None``."""
    locations: dict[str, str] = field(default_factory=dict)
    """Each private copy DuckDB reads → the store's file it was copied from."""
    copies: RecordCopies | None = None
    """The copies the views read, held until :meth:`release`."""

    def release(self) -> None:
        """Stop holding the copies (once the connection that reads them is closed)."""
        if self.copies is not None:
            self.copies.release()

    def named(self, text: str) -> str:
        """``text`` (a message of DuckDB's) with each copy named as the store's file."""
        for copy, location in self.locations.items():
            text = text.replace(copy, location)
        return text


def _failing_records(con: duckdb.DuckDBPyConnection, problem: str) -> Views:
    con.execute(
        "CREATE OR REPLACE VIEW records AS SELECT NULL::VARCHAR AS run_id FROM range(1) "
        f"WHERE error({_literal(problem)}) IS NULL"
    )
    return Views([], problem)


def _register_files(con: duckdb.DuckDBPyConnection, locations: dict[str, str]) -> None:
    con.register(
        "record_files", pa.table({"run_id": list(locations), "path": list(locations.values())})
    )


def create_views(
    con: duckdb.DuckDBPyConnection,
    store: Store,
    *,
    copies: bool = True,
    runs: list[str] | None = None,
) -> Views:
    """Create the views of :data:`SQL_VIEWS` (and ``record_files``: run id → file) on ``con``.

    With ``runs`` (run ids), ``records`` and ``record_files`` hold those runs alone, and only
    their files are copied; ``runs``, ``metrics`` and ``decisions`` always hold everything.

    With ``copies`` ``records`` reads private copies of the record files, each checked against
    its digest as it was copied (:func:`~assay.storage.copy_record_files`); without, it names
    the store's files (which a query is then not allowed to read). When the record files cannot be
    read (a server's store, a missing or altered file), every view but ``records`` still
    answers; ``records`` raises the reason. The copies are held until :meth:`Views.release`."""
    import duckdb

    stored, metrics = _runs_and_metrics(store)
    con.register("runs", stored)
    con.register("metrics", metrics)
    con.register("decisions", _decisions(store))
    copied: RecordCopies | None = None
    try:
        if not copies:
            files = record_files(store, runs=runs)
            _register_files(con, files.paths)
            sources, filesystem, named = files.paths, files.filesystem, {}
        else:
            copied = copy_record_files(store, runs=runs)
            _register_files(con, copied.locations)
            sources, filesystem = copied.copies, None
            named = {copied.copies[r]: copied.locations[r] for r in copied.copies}
    except StorageError as exc:
        return _failing_records(con, str(exc))
    try:
        return Views(_records_view(con, sources, filesystem), None, named, copied)
    except BaseException as exc:
        if copied is not None:
            copied.release()
        if isinstance(exc, StorageError):
            return _failing_records(con, str(exc))
        if not isinstance(exc, duckdb.Error):
            raise
        problem = Views([], None, named).named(str(exc).split("\n", 1)[0])
        return _failing_records(con, f"A record file of the store could not be read: {problem}")
