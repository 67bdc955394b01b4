"""``assay suites datasheet``: a suite's datasheet from its catalog and its examples."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from assay._util import atomic_write, check_choice, check_instance
from assay.governance import Datasheet, build_datasheet, compute_facts
from assay.reports import DATASHEET_FORMATS, render_datasheet
from assay.storage import RunQuery, Store
from assay.workflows._store import resolve_store
from assay.workflows._suite_check_store import latest_suite_check, suite_check_from_json

__all__ = ["DatasheetResult", "suite_datasheet"]


@dataclass(frozen=True)
class DatasheetResult:
    """A suite's datasheet, rendered."""

    datasheet: Datasheet
    """The questions and answers, with the computed facts."""
    format: str
    """``markdown``, ``html`` or ``json``."""
    text: str
    """The datasheet in that format."""
    path: Path | None = None
    """The file written, when one was asked for."""


def suite_datasheet(
    ref: str,
    *,
    format: str = "markdown",
    out: str | Path | None = None,
    store: Store | None = None,
) -> DatasheetResult:
    """The datasheet of the stored suite ``ref`` (name, ``name@version`` or digest prefix).

    The questions of *Datasheets for Datasets* are answered from the suite's catalog and from
    facts computed from its examples (size, clusters, slice distributions, missing inputs and
    references, exact and near duplicates, licence, the stored integrity findings), or left marked for a person. ``out``
    writes it atomically.
    """
    where = "suite_datasheet"
    check_instance(ref, "ref", where, str, "a suite name, name@version or digest prefix")
    check_choice(format, "format", where, list(DATASHEET_FORMATS))
    check_instance(out, "out", where, (str, Path, type(None)), "a path or None")
    st = resolve_store(store)
    suite = st.suites.get(ref)
    stored = latest_suite_check(st, suite.digest)
    findings = None if stored is None else suite_check_from_json(stored).findings
    facts = compute_facts(suite, st.suites.examples(suite.digest), findings=findings)
    versions = [s.digest for s in st.suites.list() if s.name == suite.name]
    models = sorted({str(r.model) for r in st.runs.list(RunQuery(suite=suite.digest))})
    sheet = build_datasheet(suite, facts, versions=versions, models=models)
    text = render_datasheet(sheet, format)
    path = atomic_write(out, text) if out is not None else None
    return DatasheetResult(sheet, format, text, path)
