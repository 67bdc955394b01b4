"""Importing lm-evaluation-harness and Inspect AI logs as runs."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

from assay._util import check_instance, renamed_parameters
from assay.core import ModelRef
from assay.data import Location, SuiteData
from assay.importers import read_harness_log
from assay.storage import Store
from assay.workflows._api import LoggedRun
from assay.workflows._log_run import log_run
from assay.workflows._store import resolve_store

__all__ = ["import_log"]


@renamed_parameters({"name": "suite_name"})
def import_log(
    path: str | Path,
    *,
    suite_name: str | None = None,
    model: str | ModelRef | None = None,
    slices: Sequence[str] | None = None,
    cluster: str | None = None,
    tags: Mapping[str, str] | None = None,
    store: Store | None = None,
) -> LoggedRun:
    """Store an lm-evaluation-harness or Inspect AI log as a run, with its suite.

    ``path`` is an Inspect AI ``.eval`` or ``.json`` log, or an lm-evaluation-harness
    ``samples_<task>_<date>.jsonl`` (its ``results_<date>.json`` beside it is read when present)
    or ``results_<date>.json``. The suite is registered by content digest and the run by the
    digest of suite, model and records, so importing the same log again stores nothing new and
    returns the stored run with ``created`` false.

    ``suite_name`` names the suite (default: the task's name) when it is stored for the first
    time; a suite is identified by its content, so importing into a store that already holds
    the same suite keeps the name it was stored with; ``model`` (``NAME@VERSION``)
    replaces the model name the log gives, keeping its generation settings; ``slices`` names
    the document or sample-metadata fields to slice by; ``cluster`` names the field whose
    items are not independent (questions on one passage), so that intervals are clustered by
    it; an Inspect AI log whose metrics compute clustered standard errors
    (``stderr(cluster="group_id")``) gives that field by default. A cluster field is not also
    a default slice. The harness, its version, git revision,
    task versions, configuration, dates, the source file's SHA-256 and the values the tool
    reported go into the run's manifest as provenance.
    """
    check_instance(path, "path", "import_log", (str, Path), "a log file path (str or Path)")
    if suite_name is not None:
        check_instance(suite_name, "suite_name", "import_log", str, "a suite name (str) or None")
    if cluster is not None:
        check_instance(cluster, "cluster", "import_log", str, "a field name (str) or None")
    imported = read_harness_log(path, slices=slices, cluster=cluster)
    suite = imported.suite
    if suite_name is not None:
        suite = SuiteData(
            suite=suite.suite.model_copy(update={"name": suite_name}), examples=suite.examples
        )
    ref = imported.model
    if model is not None:
        given = model if isinstance(model, ModelRef) else ModelRef.parse(model)
        ref = given.model_copy(update={"parameters": {**ref.parameters, **given.parameters}})
    st = resolve_store(store)
    return log_run(
        imported.records,
        suite=suite,
        model=ref,
        store=st,
        tags={**imported.tags, **dict(tags or {})},
        provenance=imported.provenance,
        source=f"import:{imported.harness}:{Path(path).name}",
        location=Location(str(path), "parquet"),
    )
