"""Evaluating a model on a suite and recording the run: the runner plus the store."""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, Literal, TypeVar

from assay._util import check_choice, check_instance, check_int, warn_renamed
from assay.core import ModelRef
from assay.data import SuiteData
from assay.errors import ConfigError, ParameterError
from assay.runners import (
    MODEL_GRADED,
    AsyncModelAdapter,
    CallableAdapter,
    EarlyStop,
    EmbeddingJudge,
    ModelAdapter,
    ModelGradedScorer,
    PairEmbedder,
    ProgressCallback,
    Scorer,
    SklearnAdapter,
    adapter_for_suite,
    evaluate_suite,
    evaluate_suite_early_stop,
    grade_records,
    judge_records,
    not_yet_graded,
)
from assay.storage import Store
from assay.workflows._api import LoggedRun, _model_ref, get_suite
from assay.workflows._log_run import log_run
from assay.workflows._store import resolve_store

__all__ = ["as_adapter", "evaluate"]


def as_adapter(model: Any) -> ModelAdapter | AsyncModelAdapter:
    """An adapter for a model: an adapter, a fitted scikit-learn estimator, a callable or 'module:function'."""
    if isinstance(model, ModelAdapter | AsyncModelAdapter):
        return model
    if hasattr(model, "predict") and hasattr(model, "get_params"):
        return SklearnAdapter(model)
    if isinstance(model, str) or callable(model):
        return CallableAdapter(model)
    raise ConfigError(
        "A model is a fitted scikit-learn estimator, a callable, 'module:function' or a ModelAdapter. "
        f"Got {type(model).__name__}."
    )


F = TypeVar("F", bound=Callable[..., Any])


def _accept_old_spelling(func: F) -> F:
    """``evaluate(model_obj, suite=..., name="m@1")``, the older spelling, still works.

    Then ``name`` was the run's model name (now ``model``) and ``model`` the thing evaluated
    (now ``adapter``); both warn.
    """

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if "name" in kwargs:
            if "model" in kwargs:
                if args or "adapter" in kwargs:
                    raise ParameterError(
                        "name", "evaluate", "left out when 'model' is given", kwargs["name"]
                    )
                warn_renamed("The 'model' parameter of evaluate (the model run)", "'adapter'")
                kwargs["adapter"] = kwargs.pop("model")
            warn_renamed("The 'name' parameter of evaluate", "'model'")
            kwargs["model"] = kwargs.pop("name")
        return func(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


@_accept_old_spelling
def evaluate(
    adapter: Any,
    *,
    suite: SuiteData | str | Path,
    model: str | ModelRef,
    store: Store | None = None,
    scorers: Mapping[str, Scorer] | None = None,
    batch_size: int = 512,
    samples: int = 1,
    cache_dir: str | Path | None = None,
    params: Mapping[str, str | int | float | bool | None] | None = None,
    tags: Mapping[str, str] | None = None,
    seeds: Mapping[str, int] | None = None,
    provenance: Mapping[str, Any] | None = None,
    dataset_digests: Mapping[str, str] | None = None,
    on_progress: ProgressCallback | None = None,
    early_stop: EarlyStop | None = None,
    judges: Mapping[str, ModelGradedScorer | EmbeddingJudge] | None = None,
    backend: Literal["local", "ray"] = "local",
    ray_address: str | None = None,
    ray_retries: int | None = None,
) -> LoggedRun:
    """Run ``adapter`` over every example of ``suite``, score it, and store the run with its
    manifest, under the model name ``model`` (``NAME@VERSION``).

    ``adapter`` is a :class:`~assay.runners.ModelAdapter`, a fitted scikit-learn estimator, a
    callable or ``"module:function"`` (:func:`as_adapter`). The older spelling
    ``evaluate(model_obj, suite=..., name=...)`` still works, with a warning.

    With ``early_stop`` (opt-in), examples are evaluated in a seeded random order and the run
    stops once an anytime-valid confidence sequence has decided; only the evaluated examples
    are recorded, and the plan and its outcome go into the manifest's provenance
    (``provenance["early_stop"]``). Compared with the plan's baseline run
    (:func:`assay.compare_runs`), the stop is replayed from the records and the gates use it;
    :func:`assay.early_stop_plan` makes the plan from a policy.

    ``judges`` maps metrics of the suite (declared with scorer ``"model_graded"``, or any
    scorer the judge replaces) to a :class:`~assay.runners.ModelGradedScorer` or a trained
    :class:`~assay.runners.EmbeddingJudge`: after the run, each judge grades every record
    without an error (:func:`~assay.runners.grade_records`, :func:`~assay.runners.judge_records`;
    ``cache_dir`` keeps the judges' answers and embeddings too, whatever the model's
    adapter), and each judge's description (a model judge's rubric text and digest, choices,
    score mode and judge model; a trained judge's name, version, digest and measured
    agreement with people) goes into the manifest's provenance (``provenance["judges"]``),
    with the number of records it failed on and why (``failed``, ``failures``). A judge's
    failure on a record leaves that metric missing on it; the record keeps its other scores.

    ``backend="ray"`` evaluates the model in shards on a Ray cluster
    (:func:`~assay.runners.evaluate_suite_ray`; ``ray_address`` names it, default a local
    cluster): the records are the local backend's, ``latency_ms`` aside. A shard whose worker
    dies is run again up to ``ray_retries`` times (default 3); a shard that still cannot
    complete raises :class:`~assay.errors.AdapterError` and no run is stored.
    """
    if not isinstance(model, ModelRef):
        check_instance(model, "model", "evaluate", str, "a model name NAME@VERSION or a ModelRef")
        _model_ref(model)  # refused before the model runs, not after
    check_int(batch_size, "batch_size", "evaluate")
    check_int(samples, "samples", "evaluate")
    check_choice(backend, "backend", "evaluate", ("local", "ray"))
    st = resolve_store(store)
    data = get_suite(suite, store=st)
    runner = adapter_for_suite(as_adapter(adapter), data)
    judged = _check_judges(data, judges, early_stop)
    runner_cache = cache_dir
    if judged:
        # the runner leaves judged metrics empty; grade_records fills them below
        scorers = {**dict(scorers or {}), **{name: not_yet_graded for name in judged}}
        if not isinstance(runner, AsyncModelAdapter):
            runner_cache = None  # a synchronous model has no response cache; the judges do
    stop_provenance: dict[str, Any] = {}
    if early_stop is not None:
        if backend != "local":
            raise ParameterError("backend", "evaluate", "'local' with early_stop", backend)
        if samples != 1:
            raise ParameterError("samples", "evaluate", "1 with early_stop", samples)
        records, stopped = evaluate_suite_early_stop(
            data,
            runner,
            early_stop,
            scorers=scorers,
            batch_size=batch_size,
            on_progress=on_progress,
            cache_dir=runner_cache,
        )
        stop_provenance = {"early_stop": stopped.to_dict()}
    else:
        records = evaluate_suite(
            data,
            runner,
            scorers=scorers,
            batch_size=batch_size,
            on_progress=on_progress,
            samples=samples,
            cache_dir=runner_cache,
            backend=backend,
            ray_address=ray_address,
            ray_retries=ray_retries,
        )
    judge_provenance: dict[str, Any] = {}
    if judged:
        records, judge_provenance = _grade(data, records, judged, cache_dir)
    ref = _model_ref(model)  # NAME@VERSION, as the help says; NAME alone is refused
    return log_run(
        records,
        suite=data,
        model=ref,
        store=st,
        params=params,
        tags=tags,
        seeds=seeds,
        provenance={
            "adapter": runner.describe(),
            **stop_provenance,
            **judge_provenance,
            **({"backend": backend} if backend != "local" else {}),
            **dict(provenance or {}),
        },
        dataset_digests=dataset_digests,
        source=f"runner:{runner.name}",
    )


_SHOWN_FAILURES = 20  # reasons kept in the manifest per judge; the count is always exact


def _grade(
    data: SuiteData,
    records: Any,
    judged: Mapping[str, ModelGradedScorer | EmbeddingJudge],
    cache_dir: str | Path | None,
) -> tuple[Any, dict[str, Any]]:
    """Grade the records with every judge; the provenance of each, with its failures."""
    failures: dict[str, dict[str, str]] = {}
    graded = {k: v for k, v in judged.items() if isinstance(v, ModelGradedScorer)}
    trained = {k: v for k, v in judged.items() if isinstance(v, EmbeddingJudge)}
    if graded:
        records = grade_records(data, records, graded, cache_dir=cache_dir, failures=failures)
    if trained:
        cache = None if cache_dir is None else Path(cache_dir) / "embeddings"
        embedder = PairEmbedder(cache)
        records = judge_records(data, records, trained, embedder=embedder, failures=failures)
    described: dict[str, Any] = {}
    for name, judge in judged.items():
        failed = failures.get(name, {})
        shown = dict(sorted(failed.items())[:_SHOWN_FAILURES])
        described[name] = {**judge.describe(), "failed": len(failed), "failures": shown}
    return records, {"judges": described}


def _check_judges(
    data: SuiteData,
    judges: Mapping[str, ModelGradedScorer | EmbeddingJudge] | None,
    early_stop: EarlyStop | None,
) -> dict[str, ModelGradedScorer | EmbeddingJudge]:
    """The judges by metric, checked against the suite; every model-graded metric needs one."""
    judged = dict(judges or {})
    for metric in data.suite.metrics:
        if metric.scorer == MODEL_GRADED and metric.name not in judged:
            raise ConfigError(
                f"Metric {metric.name!r} of suite {data.suite.name!r} is model-graded; pass "
                f"judges={{{metric.name!r}: ModelGradedScorer(...)}} to evaluate."
            )
    for name, judge in judged.items():
        if name not in data.suite.metric_names:
            raise ConfigError(
                f"The 'judges' parameter of evaluate names {name!r}, which is not a metric of "
                f"suite {data.suite.name!r} (its metrics: {data.suite.metric_names})."
            )
        if not isinstance(judge, ModelGradedScorer | EmbeddingJudge):
            raise ConfigError(
                f"The judge of metric {name!r} must be a ModelGradedScorer or an "
                f"EmbeddingJudge. Got {type(judge).__name__}."
            )
    if early_stop is not None and judged:
        raise ConfigError(
            "evaluate takes judges or early_stop, not both: judges grade after the run, after "
            "the stop has used the scores. Stop early "
            "on a run without judges, or grade a run that is not stopped early."
        )
    return judged
