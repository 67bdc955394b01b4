"""The public workflow functions: every CLI command is one call of these."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from assay._util import atomic_path, check_instance, renamed_parameters
from assay.core import (
    ManifestDifference,
    ModelRef,
    Run,
    RunList,
    Suite,
    diff_manifests,
    digest,
)
from assay.data import (
    Location,
    SampleSummary,
    SuiteData,
    detect_format,
    load_suite,
    read_table,
    records_digest,
    summarise_samples,
    validate_records,
)
from assay.data import summarise_records as _summarise
from assay.errors import ConfigError, DataError
from assay.storage import MetricFilter, RunQuery, Store
from assay.workflows._capture import capture_manifest
from assay.workflows._store import resolve_store

__all__ = [
    "ExportedRun",
    "LoggedRun",
    "diff_runs",
    "export_run",
    "get_run",
    "get_suite",
    "ingest",
    "list_runs",
    "list_suites",
    "log_run",
    "parse_metric_filter",
    "register_suite",
    "sample_summaries",
]


@dataclass(frozen=True)
class LoggedRun:
    """The outcome of recording a run."""

    run: Run
    """The stored run (the existing one when ``created`` is false)."""
    created: bool
    """False when an identical run (same suite, model, parameters and records) was already stored."""


def _store(store: Store | None) -> Store:
    return resolve_store(store)


def register_suite(suite: SuiteData | str | Path, *, store: Store | None = None) -> SuiteData:
    """Store a suite (a :class:`SuiteData` or a YAML path); idempotent by content digest."""
    st = _store(store)
    data = suite if isinstance(suite, SuiteData) else load_suite(suite)
    st.suites.put(data.suite, data.examples)
    return data


def list_suites(*, store: Store | None = None) -> list[Suite]:
    """Every stored suite version, by name and then oldest first."""
    return _store(store).suites.list()


def get_suite(ref: SuiteData | str | Path, *, store: Store | None = None) -> SuiteData:
    """A suite by YAML path (registered on the way), name, digest or digest prefix."""
    st = _store(store)
    data, given = _resolve_suite(ref, st)
    if given:
        st.suites.put(data.suite, data.examples)
    return data


def _resolve_suite(ref: SuiteData | str | Path, st: Store) -> tuple[SuiteData, bool]:
    """The suite, and whether it was given (object or YAML) rather than found in the store;
    nothing is stored, so a caller can refuse bad records before registering anything."""
    if isinstance(ref, SuiteData):
        return ref, True
    path = Path(ref)
    if path.suffix.lower() in (".yaml", ".yml") or path.is_file():
        return load_suite(path), True
    suite = st.suites.get(str(ref))
    return SuiteData(suite=suite, examples=st.suites.examples(suite.digest)), False


def _to_table(records: Any) -> pa.Table:
    if isinstance(records, pa.Table):
        return records
    if hasattr(records, "to_arrow"):  # polars
        return records.to_arrow()
    if hasattr(records, "to_pandas") or hasattr(records, "iloc"):  # pandas
        return pa.Table.from_pandas(records, preserve_index=False)
    if isinstance(records, Sequence) and not isinstance(records, str | bytes):
        rows = [dict(r) for r in records]
        # every key of every row is a column (from_pylist would keep the first row's only)
        keys = dict.fromkeys(k for row in rows for k in row)
        return pa.table({k: [row.get(k) for row in rows] for k in keys})
    raise DataError(
        "records must be an Arrow table, a pandas or polars data frame, or a list of mappings",
        found=type(records).__name__,
    )


@renamed_parameters({"where": "location"})
def log_run(
    records: Any,
    *,
    suite: SuiteData | str | Path,
    model: str | ModelRef,
    store: Store | None = None,
    params: Mapping[str, str | int | float | bool | None] | None = None,
    tags: Mapping[str, str] | None = None,
    seeds: Mapping[str, int] | None = None,
    provenance: Mapping[str, Any] | None = None,
    dataset_digests: Mapping[str, str] | None = None,
    rename: Mapping[str, str] | None = None,
    source: str = "python",
    location: Location | None = None,
) -> LoggedRun:
    """Validate per-example records against ``suite`` and store them as one run, atomically.

    ``records`` is an Arrow table, a pandas or polars frame, or a list of mappings with an
    ``example_id`` column, one column per metric of the suite, and optionally ``sample_index``,
    ``output``, ``latency_ms``, ``tokens_in``, ``tokens_out``, ``cost`` and ``error``. Nothing is
    stored unless every record is valid. An identical run already stored is returned as it is.
    """
    st = _store(store)
    data, given = _resolve_suite(suite, st)
    ref = model if isinstance(model, ModelRef) else ModelRef.parse(model)
    table = validate_records(
        _to_table(records),
        data,
        location=location or Location("<records>", "parquet"),
        rename=rename,
    )
    if given:  # only now: a refused ingest registers no suite
        st.suites.put(data.suite, data.examples)
    summaries = _summarise(table, data.suite)
    manifest = capture_manifest(
        suite_digest=data.digest,
        model=ref,
        seeds=dict(seeds or {}),
        provenance=dict(provenance or {}),
        dataset_digests=dict(dataset_digests or {}),
        config={"params": dict(params or {})},
        source=source,
    )
    n_errors = table.num_rows - table.column("error").null_count
    content = digest(
        {
            "suite": data.digest,
            "model": ref.model_dump(mode="json"),
            "params": dict(params or {}),
            "records": records_digest(table.drop_columns(["latency_ms"])),
        }
    )
    run = Run(
        run_id=uuid.uuid4().hex,
        suite_name=data.suite.name,
        suite_digest=data.digest,
        model=ref,
        manifest=manifest,
        params=dict(params or {}),
        tags=dict(tags or {}),
        status="complete",
        created_at=datetime.now(UTC),
        content_digest=content,
        n_records=table.num_rows,
        n_examples=pc.count_distinct(table.column("example_id")).as_py(),
        n_errors=n_errors,
        metrics=summaries,
    )
    stored, created = st.runs.put(run, table)
    return LoggedRun(run=stored, created=created)


def ingest(
    path: str | Path,
    *,
    suite: SuiteData | str | Path,
    model: str | ModelRef,
    store: Store | None = None,
    fmt: str | None = None,
    rename: Mapping[str, str] | None = None,
    params: Mapping[str, str | int | float | bool | None] | None = None,
    tags: Mapping[str, str] | None = None,
    provenance: Mapping[str, Any] | None = None,
) -> LoggedRun:
    """Record a run from a JSONL, CSV or Parquet file of per-example results."""
    p = Path(path)
    kind = detect_format(p, fmt)
    table = read_table(p, kind)
    return log_run(
        table,
        suite=suite,
        model=model,
        store=store,
        params=params,
        tags=tags,
        provenance=provenance,
        rename=rename,
        source=f"ingest:{p.name}",
        location=Location(str(p), kind),
    )


def parse_metric_filter(text: str) -> MetricFilter:
    """Parse ``"accuracy>=0.8"`` into a filter on stored metric estimates."""
    return MetricFilter.parse(text)


def list_runs(
    *,
    store: Store | None = None,
    suite: str | None = None,
    model: str | None = None,
    tags: Mapping[str, str] | None = None,
    where: Sequence[str | MetricFilter] = (),
    sort: str = "created_at",
    descending: bool = True,
    limit: int | None = None,
) -> RunList:
    """Stored runs matching every filter, newest first unless ``sort`` names a metric (a list
    with ``to_pandas()``)."""
    filters = [w if isinstance(w, MetricFilter) else parse_metric_filter(w) for w in where]
    query = RunQuery(
        suite=suite,
        model=model,
        tags=dict(tags or {}),
        metric_filters=filters,
        sort=sort,
        descending=descending,
        limit=limit,
    )
    return RunList(_store(store).runs.list(query))


def get_run(ref: str, *, store: Store | None = None) -> Run:
    """A run by id or unique id prefix."""
    return _store(store).runs.get(ref)


def sample_summaries(run: Run | str, *, store: Store | None = None) -> list[SampleSummary]:
    """Per metric, how a run's repeated samples of an example vary, with pass@k (empty when
    every example has one sample)."""
    st = _store(store)
    found = run if isinstance(run, Run) else st.runs.get(run)
    if found.n_records <= found.n_examples:
        return []
    return summarise_samples(st.runs.records(found.run_id), st.suites.get(found.suite_digest))


def diff_runs(a: str, b: str, *, store: Store | None = None) -> list[ManifestDifference]:
    """What differs between the manifests of two runs (code, packages, config, data, model)."""
    st = _store(store)
    return diff_manifests(st.runs.get(a).manifest, st.runs.get(b).manifest)


@dataclass(frozen=True)
class ExportedRun:
    """What :func:`export_run` wrote."""

    run: Run
    """The exported run."""
    path: Path
    """The file written."""
    n_records: int
    """How many records it holds."""


_EXPORT_FORMATS = (".parquet", ".csv", ".jsonl", ".ndjson")


def export_run(run: str, output: str | Path, *, store: Store | None = None) -> ExportedRun:
    """Write a stored run's records to ``output``: Parquet, CSV or JSONL by its suffix
    (``.parquet``, ``.csv``, ``.jsonl`` or ``.ndjson``). The file appears whole or not at all."""
    check_instance(run, "run", "export_run", str, "a run id or unique id prefix (str)")
    check_instance(output, "output", "export_run", (str, Path), "a file path (str or Path)")
    path = Path(output)
    st = _store(store)
    found = st.runs.get(run)
    suffix = path.suffix.lower()
    if suffix not in _EXPORT_FORMATS:
        raise ConfigError(
            f"The output of 'runs export' must end in .parquet, .csv or .jsonl. Got {path.name!r}."
        )
    table = st.runs.records(found.run_id)
    with atomic_path(path) as temporary:
        _write_table(table, temporary, suffix)
    return ExportedRun(run=found, path=path, n_records=table.num_rows)


def _write_table(table: pa.Table, path: Path, suffix: str) -> None:
    if suffix == ".parquet":
        import pyarrow.parquet as pq

        pq.write_table(table, path)
    elif suffix == ".csv":
        import pyarrow.csv as pacsv

        pacsv.write_csv(table, path)
    else:
        table.to_pandas().to_json(path, orient="records", lines=True, force_ascii=False)
