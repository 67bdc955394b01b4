"""Persistence of suites, runs, records and artifacts behind narrow protocols.

``open_store()`` gives a :class:`Store` whose ``suites``, ``runs``, ``artifacts`` and
``decisions`` follow the :class:`SuiteRepository`, :class:`RunRepository`,
:class:`ArtifactRepository` and :class:`DecisionRepository` protocols. Decisions and their
approvals are chained in a tamper-evident ledger that ``store.decisions.verify()`` checks;
``store.users`` holds a team server's users, roles and (hashed) tokens.
Metadata lives in SQLite (embedded, zero set-up) or PostgreSQL (teams); records are Parquet
files that DuckDB, Polars, Spark and pandas read directly; artifacts are content-addressed files
in any fsspec file system. Everything stored is immutable, and every write is atomic and
durable: files are synced before the metadata that names them commits. A store this process may
not write opens read-only, and a SQLite file deleted or replaced under an open store fails its
next write instead of losing it.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from assay.storage._artifacts import FileArtifactRepository
    from assay.storage._decisions import SqlDecisionRepository
    from assay.storage._evidence import artifact_location, evidence_file_name
    from assay.storage._generation import GenerationReader, runs_generation
    from assay.storage._ledger import LedgerVerification
    from assay.storage._ledger_file import (
        MAX_LEDGER_EXPORT_BYTES,
        ledger_export_lines,
        verify_ledger_export,
    )
    from assay.storage._ledger_view import LedgerCheck, LedgerView
    from assay.storage._protocols import (
        ArtifactRepository,
        DecisionRepository,
        RunRepository,
        SuiteRepository,
    )
    from assay.storage._query import MetricFilter, RunQuery
    from assay.storage._record_copies import RecordCopies, copy_record_files
    from assay.storage._record_files import RecordFiles, record_files, run_ids
    from assay.storage._record_page import (
        MAX_PAGE,
        RecordFilter,
        RecordIndex,
        RecordPage,
        page_records,
    )
    from assay.storage._remote_store import RemoteStore
    from assay.storage._run_listing import list_run_json
    from assay.storage._run_notes import RunNote, TagChange, check_tags
    from assay.storage._run_reading import RunPair, StoredRunRows, read_run_data, read_run_pair
    from assay.storage._runs import SqlRunRepository
    from assay.storage._sessions import SqlSessionRepository
    from assay.storage._signatures import entry_signature_problem
    from assay.storage._store import Store, open_store, upgrade_database
    from assay.storage._suites import SqlSuiteRepository
    from assay.storage._sweep import Orphan, Sweep, sweep_orphans
    from assay.storage._users import IssuedToken, SqlUserRepository, TokenInfo, User
    from assay.storage._withheld import withhold_text

# Names load on first use: listing runs from an embedded store reads it with the standard
# library alone, without SQLAlchemy or the typed models (see _run_listing).
_EXPORTS = {
    "FileArtifactRepository": "_artifacts",
    "SqlDecisionRepository": "_decisions",
    "artifact_location": "_evidence",
    "evidence_file_name": "_evidence",
    "runs_generation": "_generation",
    "GenerationReader": "_generation",
    "SqlSessionRepository": "_sessions",
    "entry_signature_problem": "_signatures",
    "LedgerVerification": "_ledger",
    "LedgerCheck": "_ledger_view",
    "LedgerView": "_ledger_view",
    "MAX_LEDGER_EXPORT_BYTES": "_ledger_file",
    "ledger_export_lines": "_ledger_file",
    "verify_ledger_export": "_ledger_file",
    "ArtifactRepository": "_protocols",
    "DecisionRepository": "_protocols",
    "RunRepository": "_protocols",
    "SuiteRepository": "_protocols",
    "MetricFilter": "_query",
    "RunQuery": "_query",
    "RecordCopies": "_record_copies",
    "copy_record_files": "_record_copies",
    "RecordFiles": "_record_files",
    "record_files": "_record_files",
    "run_ids": "_record_files",
    "MAX_PAGE": "_record_page",
    "RecordFilter": "_record_page",
    "RecordIndex": "_record_page",
    "RecordPage": "_record_page",
    "page_records": "_record_page",
    "RemoteStore": "_remote_store",
    "list_run_json": "_run_listing",
    "RunPair": "_run_reading",
    "StoredRunRows": "_run_reading",
    "read_run_data": "_run_reading",
    "read_run_pair": "_run_reading",
    "RunNote": "_run_notes",
    "TagChange": "_run_notes",
    "check_tags": "_run_notes",
    "SqlRunRepository": "_runs",
    "Store": "_store",
    "open_store": "_store",
    "upgrade_database": "_store",
    "SqlSuiteRepository": "_suites",
    "Orphan": "_sweep",
    "Sweep": "_sweep",
    "sweep_orphans": "_sweep",
    "IssuedToken": "_users",
    "SqlUserRepository": "_users",
    "TokenInfo": "_users",
    "User": "_users",
    "withhold_text": "_withheld",
}

__all__ = [
    "MAX_LEDGER_EXPORT_BYTES",
    "MAX_PAGE",
    "ArtifactRepository",
    "DecisionRepository",
    "FileArtifactRepository",
    "GenerationReader",
    "IssuedToken",
    "LedgerCheck",
    "LedgerVerification",
    "LedgerView",
    "MetricFilter",
    "Orphan",
    "RecordCopies",
    "RecordFiles",
    "RecordFilter",
    "RecordIndex",
    "RecordPage",
    "RemoteStore",
    "RunNote",
    "RunPair",
    "RunQuery",
    "RunRepository",
    "SqlDecisionRepository",
    "SqlRunRepository",
    "SqlSessionRepository",
    "SqlSuiteRepository",
    "SqlUserRepository",
    "Store",
    "StoredRunRows",
    "SuiteRepository",
    "Sweep",
    "TagChange",
    "TokenInfo",
    "User",
    "artifact_location",
    "check_tags",
    "copy_record_files",
    "entry_signature_problem",
    "evidence_file_name",
    "ledger_export_lines",
    "list_run_json",
    "open_store",
    "page_records",
    "read_run_data",
    "read_run_pair",
    "record_files",
    "run_ids",
    "runs_generation",
    "sweep_orphans",
    "upgrade_database",
    "verify_ledger_export",
    "withhold_text",
]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'assay.storage' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"assay.storage.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_EXPORTS))
