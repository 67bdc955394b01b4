"""The public workflow functions: every CLI command is one call of these."""

from __future__ import annotations

import uuid
import warnings
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from assay._util import brief, renamed_parameters
from assay.core import (
    ManifestDifference,
    ModelRef,
    Run,
    RunInfo,
    RunList,
    Suite,
    diff_manifests,
    digest,
)
from assay.errors import ConfigError, CoverageWarning, DataError, ParameterError
from assay.storage import MetricFilter, RunQuery, Store, TagChange, check_tags
from assay.workflows._capture import capture_manifest
from assay.workflows._store import resolve_store

if TYPE_CHECKING:
    # listing and reading runs is SQL only: pyarrow and the data layer load where records
    # are read or written, in the functions below
    import pyarrow as pa

    from assay.data import Location, SampleSummary, SuiteData

__all__ = [
    "LoggedRun",
    "diff_runs",
    "get_run",
    "get_suite",
    "ingest",
    "list_runs",
    "list_suites",
    "log_run",
    "parse_metric_filter",
    "register_suite",
    "run_ref",
    "sample_summaries",
]


@dataclass(frozen=True)
class LoggedRun:
    """The outcome of recording a run."""

    run: Run
    """The stored run (the existing one when ``created`` is false)."""
    created: bool
    """False when an identical run (same suite, model, parameters and records) was already stored."""
    scored: Mapping[str, str] = field(default_factory=dict)
    """Metrics scored from the outputs with the suite's declared scorer (metric: scorer),
    because the records had no column for them."""
    tags_added: Sequence[TagChange] = ()
    """Tags given for a run that was already stored, set on it now (empty when ``created``)."""


def run_ref(run: object, *, parameter: str = "run", function: str = "run_ref") -> str:
    """The reference of a run given as an id, id prefix or ``MODEL@VERSION`` (returned as it
    is), or as a run object (``Run``, ``RunInfo``, ``LoggedRun``: its id)."""
    if isinstance(run, LoggedRun):
        return run.run.run_id
    if isinstance(run, RunInfo):
        return run.run_id
    if isinstance(run, str):
        return run
    raise ParameterError(
        parameter,
        function,
        "a run id, id prefix or MODEL@VERSION (str), or a run (Run, RunInfo, LoggedRun)",
        run,
    )


def _model_ref(model: str | ModelRef) -> ModelRef:
    """A model reference that names its version: runs of unversioned models cannot be told
    apart later, so ``NAME`` alone is refused (``NAME@unversioned`` says so on purpose)."""
    if isinstance(model, ModelRef):
        return model
    ref = ModelRef.parse(model)
    if len(ref.name) > 200 or len(ref.version) > 200:  # the store's column limits
        raise ConfigError(
            f"A model's name and version are at most 200 characters each. Got {brief(model)}."
        )
    if "@" not in model:
        raise ConfigError(
            f"A model is named NAME@VERSION (e.g. income-gbm@1.2). Got {model!r}, without a "
            f"version; give the version evaluated (a release, checkpoint or weights digest), "
            f"or write {model + '@unversioned'!r} if it has none."
        )
    return ref


def _warn_coverage(covered: int, total: int, provenance: Mapping[str, Any]) -> None:
    # an early-stopped run covers part of its suite by design, and records why
    if covered >= total or "early_stop" in provenance:
        return
    warnings.warn(
        CoverageWarning(
            f"records cover {covered} of the suite's {total} examples "
            f"({100 * covered / total:.1f}%); a gate's coverage rule will judge this"
        ),
        stacklevel=3,
    )


def _store(store: Store | None) -> Store:
    return resolve_store(store)


def register_suite(suite: SuiteData | str | Path, *, store: Store | None = None) -> SuiteData:
    """Store a suite (a :class:`SuiteData` or a YAML path); idempotent by content digest.

    The fast integrity checks (:func:`assay.data.check_suite` without near duplicates) run
    on a version the first time it is registered and their findings are stored with it
    (:func:`stored_suite_check`)."""
    from assay.data import SuiteData, load_suite
    from assay.workflows._suite_check_store import check_at_registration

    st = _store(store)
    data = suite if isinstance(suite, SuiteData) else load_suite(suite)
    st.suites.put(data.suite, data.examples)
    check_at_registration(st, data)
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
    from assay.data import SuiteData, load_suite

    if isinstance(ref, SuiteData):
        return ref, True
    path = Path(ref)
    if path.suffix.lower() in (".yaml", ".yml") or path.is_file():
        return load_suite(path), True
    suite = st.suites.get(str(ref))
    return SuiteData(suite=suite, examples=st.suites.examples(suite.digest)), False


def _to_table(records: Any) -> pa.Table:
    import pyarrow as pa

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
    stored unless every record is valid. ``model`` is ``NAME@VERSION`` (or a ``ModelRef``).

    A metric whose column is missing is scored from ``output`` with the scorer the suite
    declares for it (``LoggedRun.scored`` says which); a score outside its declared scorer's
    range (a 7 from ``exact_match``) is refused. Records covering only part of the suite
    issue a :class:`~assay.errors.CoverageWarning`. An identical run already stored is
    returned as it is, with ``tags`` set on it (``LoggedRun.tags_added``).
    """
    import pyarrow.compute as pc

    from assay.data import Location, records_digest, scorable_metrics, validate_records
    from assay.data import summarise_records as _summarise

    st = _store(store)
    data, given = _resolve_suite(suite, st)
    ref = _model_ref(model)
    tags = check_tags(tags or {}, "ingest" if source.startswith("ingest:") else "log_run")
    given_table = _to_table(records)
    names = [(rename or {}).get(c, c) for c in given_table.column_names]
    scored = scorable_metrics(names, data.suite)
    provenance = dict(provenance or {})
    if scored:  # the run says its scores were computed here, and by which scorer
        provenance.setdefault("scored_at_ingest", dict(scored))
    table = validate_records(
        given_table,
        data,
        location=location or Location("<records>", "parquet"),
        rename=rename,
    )
    # the records' digest (hashing Arrow buffers, which releases the GIL) is computed while
    # the suite is stored, the records summarised and the manifest captured (git, packages)
    pool = ThreadPoolExecutor(max_workers=1)
    hashing = pool.submit(records_digest, table.drop_columns(["latency_ms"]))
    pool.shutdown(wait=False)
    if given:  # only now: a refused ingest registers no suite
        st.suites.put(data.suite, data.examples)
    summaries = _summarise(table, data.suite)
    n_examples = pc.count_distinct(table.column("example_id")).as_py()
    _warn_coverage(n_examples, data.suite.n_examples, provenance)
    manifest = capture_manifest(
        suite_digest=data.digest,
        model=ref,
        seeds=dict(seeds or {}),
        provenance=provenance,
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
            "records": hashing.result(),
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
        n_examples=n_examples,
        n_errors=n_errors,
        metrics=summaries,
    )
    stored, created = st.runs.put(run, table)
    changes: list[TagChange] = []
    if not created and any(stored.tags.get(k) != v for k, v in run.tags.items()):
        stored, changes = st.runs.tag(stored.run_id, run.tags)
    return LoggedRun(run=stored, created=created, scored=scored, tags_added=tuple(changes))


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
    from assay.data import Location, detect_format, read_table

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
    with ``to_pandas()``).

    A filter or sort naming a metric or tag key that no stored run has raises
    :class:`~assay.errors.ConfigError` with the closest known name (a misspelling would
    otherwise list nothing)."""
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


def get_run(ref: str | RunInfo | LoggedRun, *, store: Store | None = None) -> Run:
    """A run by id, unique id prefix or ``MODEL@VERSION`` (or a run object, read again).

    A reference several runs match raises :class:`~assay.errors.AmbiguousReferenceError`
    listing them."""
    return _store(store).runs.get(run_ref(ref, parameter="ref", function="get_run"))


def sample_summaries(
    run: str | RunInfo | LoggedRun, *, store: Store | None = None
) -> list[SampleSummary]:
    """Per metric, how a run's repeated samples of an example vary, with pass@k (empty when
    every example has one sample)."""
    from assay.data import summarise_samples

    st = _store(store)
    found = run if isinstance(run, Run) else st.runs.get(run_ref(run, function="sample_summaries"))
    if found.n_records <= found.n_examples:
        return []
    return summarise_samples(st.runs.records(found.run_id), st.suites.get(found.suite_digest))


def diff_runs(
    a: str | RunInfo | LoggedRun, b: str | RunInfo | LoggedRun, *, store: Store | None = None
) -> list[ManifestDifference]:
    """What differs between the manifests of two runs (code, packages, config, data, model)."""
    st = _store(store)
    first = st.runs.get(run_ref(a, parameter="a", function="diff_runs"))
    second = st.runs.get(run_ref(b, parameter="b", function="diff_runs"))
    return diff_manifests(first.manifest, second.manifest)
