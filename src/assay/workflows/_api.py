"""The public workflow functions on runs and suites: finding, reading, listing and comparing
them (recording a run is :mod:`assay.workflows._log_run`)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from assay._util import brief
from assay.core import (
    ManifestDifference,
    ModelRef,
    Run,
    RunInfo,
    RunList,
    Suite,
    diff_manifests,
)
from assay.errors import ConfigError, ParameterError
from assay.storage import MetricFilter, RunQuery, Store, TagChange
from assay.workflows._store import resolve_store

if TYPE_CHECKING:
    # listing and reading runs is SQL only: the data layer loads where suites are read
    from assay.data import SampleSummary, SuiteData

__all__ = [
    "LoggedRun",
    "diff_runs",
    "get_run",
    "get_suite",
    "list_runs",
    "list_suites",
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
    from assay.data import SuiteData

    if isinstance(ref, SuiteData):
        return ref, True
    path = Path(ref)
    if path.suffix.lower() in (".yaml", ".yml") or path.is_file():
        from assay.data import load_suite

        return load_suite(path), True
    suite = st.suites.get(str(ref))
    return SuiteData(suite=suite, examples=st.suites.examples(suite.digest)), False


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
    st = _store(store)
    found = run if isinstance(run, Run) else st.runs.get(run_ref(run, function="sample_summaries"))
    if found.n_records <= found.n_examples:
        return []
    from assay.data import summarise_samples  # only now: it loads pyarrow's compute functions

    return summarise_samples(st.runs.records(found.run_id), st.suites.get(found.suite_digest))


def diff_runs(
    a: str | RunInfo | LoggedRun, b: str | RunInfo | LoggedRun, *, store: Store | None = None
) -> list[ManifestDifference]:
    """What differs between the manifests of two runs (code, packages, config, data, model)."""
    st = _store(store)
    first = st.runs.get(run_ref(a, parameter="a", function="diff_runs"))
    second = st.runs.get(run_ref(b, parameter="b", function="diff_runs"))
    return diff_manifests(first.manifest, second.manifest)
