"""Reading stored runs for a comparison, or one run to show, with the standard library alone.

``assay compare`` needs, of an embedded store, the two runs (with their manifests and tags as
they are now), their suites and where their record and example files lie: a few rows, which
SQLAlchemy takes longer to import than :mod:`sqlite3` takes to read. When the store is a
SQLite file already at this assay's schema revision, :func:`read_run_pair` reads those rows
with :mod:`sqlite3`, statement for statement what :meth:`SqlRunRepository.get`,
:meth:`SqlRunRepository.records`, :meth:`SqlSuiteRepository.get` and
:meth:`SqlSuiteRepository.examples` run. Anything it cannot answer exactly (another database,
a file to create or migrate, a reference that is ambiguous or names nothing, which the typed
path explains, a run whose suite is not stored) returns ``None``, and the caller takes the
typed path. ``assay runs show`` reads its one run the same way (:func:`read_run_data`).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from assay._util import check_instance
from assay.storage._files import FileRoot
from assay.storage._query import like_prefix
from assay.storage._revision import head_revision
from assay.storage._run_listing import read_embedded

if TYPE_CHECKING:
    import pyarrow as pa

__all__ = ["RunPair", "StoredRunRows", "read_run_data", "read_run_pair"]

_RUN_COLUMNS = "run_id, info, manifest, records_path"


@dataclass(frozen=True)
class StoredRunRows:
    """What a comparison reads of one stored run."""

    data: dict[str, Any]
    """The run as ``Run.model_validate`` takes it: its info, its manifest, its tags now."""
    records_path: str
    """Its record file, relative to the store's ``records`` folder."""
    suite_definition: str
    """The JSON of its suite (``Suite.model_validate_json``)."""
    examples_path: str
    """Its suite's examples file, relative to the store's ``suites`` folder."""


@dataclass(frozen=True)
class RunPair:
    """The baseline's and the candidate's rows, and the folder their files are under."""

    files: str
    baseline: StoredRunRows
    candidate: StoredRunRows

    def records(self, rows: StoredRunRows) -> pa.Table:
        """The record file of the baseline's or the candidate's ``rows``, as
        :meth:`SqlRunRepository.records` reads it."""
        return FileRoot(self.files).child("records").read_parquet(rows.records_path)

    def record_batches(self, rows: StoredRunRows, batch_rows: int) -> Iterator[pa.RecordBatch]:
        """The same record file read a row group at a time, in batches of at most
        ``batch_rows`` (a streaming comparison)."""
        return (
            FileRoot(self.files)
            .child("records")
            .iter_parquet(
                rows.records_path,
                batch_rows=batch_rows,
                owner=f"the record file of run {rows.data['run_id']}",
            )
        )

    def examples(self, digest: str) -> pa.Table:
        """The examples of the baseline's or the candidate's suite by its digest, as
        :meth:`SqlSuiteRepository.examples` reads them."""
        for rows in (self.baseline, self.candidate):
            if rows.data["suite_digest"] == digest:
                return FileRoot(self.files).child("suites").read_parquet(rows.examples_path)
        raise KeyError(digest)  # the comparison asks only for these two suites


def _find(conn: sqlite3.Connection, ref: str) -> tuple[Any, ...] | None:
    """The row of the one run ``ref`` names, as ``find_run`` finds it; ``None`` when it
    names none or several (``find_run`` explains)."""
    row = conn.execute(f"SELECT {_RUN_COLUMNS} FROM runs WHERE run_id = ?", (ref,)).fetchone()
    if row is not None:
        return tuple(row)
    if "@" in ref:
        name, _, version = ref.partition("@")
        where, args = "model_name = ? AND model_version = ?", [name, version]
    else:
        where, args = "run_id LIKE ? ESCAPE '\\'", [like_prefix(ref)]
    rows = conn.execute(f"SELECT {_RUN_COLUMNS} FROM runs WHERE {where} LIMIT 2", args).fetchall()
    return tuple(rows[0]) if len(rows) == 1 else None


def _run_data(conn: sqlite3.Connection, ref: str) -> tuple[dict[str, Any], str] | None:
    """The run ``ref`` names as ``Run.model_validate`` takes it (its info, its manifest, its
    tags now), and its record file; ``None`` for the typed path."""
    found = _find(conn, ref)
    if found is None:
        return None
    run_id, info, manifest, records_path = found
    data = json.loads(info)
    if not isinstance(data, dict) or data.get("run_id") != run_id:
        return None
    data["manifest"] = json.loads(manifest)
    stored = data.get("tags")
    rows = conn.execute("SELECT key, value FROM run_tags WHERE run_id IN (?)", (run_id,))
    later = dict(rows.fetchall())
    # merged before the run is validated, the same as after (SqlRunRepository.get) only where
    # every key and value is text; anything else (a hand-edited database) the typed path reads
    if not isinstance(stored, dict) or not all(map(_is_text, [*stored.items(), *later.items()])):
        return None
    data["tags"] = {**stored, **later}
    return data, records_path


def _is_text(item: tuple[object, object]) -> bool:
    return isinstance(item[0], str) and isinstance(item[1], str)


def _rows(conn: sqlite3.Connection, ref: str) -> StoredRunRows | None:
    found = _run_data(conn, ref)
    if found is None:
        return None
    data, records_path = found
    digest = data.get("suite_digest")
    suite = conn.execute(
        "SELECT definition, examples_path FROM suites WHERE digest = ?", (digest,)
    ).fetchone()
    if not isinstance(digest, str) or suite is None:
        return None
    return StoredRunRows(data, records_path, suite[0], suite[1])


def _at_head(conn: sqlite3.Connection) -> bool:
    rows = conn.execute("SELECT version_num FROM alembic_version").fetchall()
    return rows == [(head_revision(),)]


def _read(conn: sqlite3.Connection, baseline: str, candidate: str) -> tuple[Any, Any] | None:
    if not _at_head(conn):
        return None
    base = _rows(conn, baseline)
    cand = None if base is None else _rows(conn, candidate)
    return None if base is None or cand is None else (base, cand)


def read_run_pair(
    baseline: str, candidate: str, *, url: str | None = None, env: Mapping[str, str] | None = None
) -> RunPair | None:
    """The rows of the runs ``baseline`` and ``candidate`` name (a run id, a unique id prefix
    or ``MODEL@VERSION``) in the embedded store ``url`` (else the one the environment names),
    or ``None`` when this store or reference needs the typed path.

    Nothing is created, migrated or written: a missing file, another schema revision or any
    database error also means ``None``.
    """
    for name, ref in (("baseline", baseline), ("candidate", candidate)):
        check_instance(ref, name, "read_run_pair", str, "a run reference (str)")
    check_instance(url, "url", "read_run_pair", (str, type(None)), "a URL string or None")
    if not baseline.strip() or not candidate.strip():
        return None
    found = read_embedded(url, env, lambda conn: _read(conn, baseline, candidate))
    if found is None:
        return None
    pair, database = found
    return None if pair is None else RunPair(str(database.parent), *pair)


def read_run_data(
    ref: str, *, url: str | None = None, env: Mapping[str, str] | None = None
) -> dict[str, Any] | None:
    """The run ``ref`` names (a run id, a unique id prefix or ``MODEL@VERSION``) in the
    embedded store ``url`` (else the one the environment names), as ``Run.model_validate``
    takes it: its info, its manifest and its tags now, what :meth:`SqlRunRepository.get`
    reads. ``None`` when this store or reference needs the typed path (which explains a
    reference that names no run or several); nothing is created, migrated or written.
    """
    check_instance(ref, "ref", "read_run_data", str, "a run reference (str)")
    check_instance(url, "url", "read_run_data", (str, type(None)), "a URL string or None")
    if not ref.strip():
        return None
    found = read_embedded(url, env, lambda conn: _run_data(conn, ref) if _at_head(conn) else None)
    if found is None:
        return None
    run, _ = found
    return None if run is None else run[0]
