"""Evaluating a model on a suite and recording the run: the runner plus the store."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from assay._api import LoggedRun, get_suite, log_run
from assay.core import ModelRef
from assay.data import SuiteData
from assay.errors import ConfigError
from assay.runners import (
    AsyncModelAdapter,
    CallableAdapter,
    EarlyStop,
    ModelAdapter,
    ProgressCallback,
    Scorer,
    SklearnAdapter,
    evaluate_suite,
    evaluate_suite_early_stop,
)
from assay.storage import Store

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


def evaluate(
    model: Any,
    *,
    suite: SuiteData | str | Path,
    name: str | ModelRef,
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
) -> LoggedRun:
    """Run ``model`` over every example of ``suite``, score it, and store the run with its manifest.

    With ``early_stop`` (opt-in), examples are evaluated in a seeded random order and the run
    stops once an anytime-valid confidence sequence has decided; only the evaluated examples
    are recorded, and the plan and its outcome go into the manifest's provenance
    (``provenance["early_stop"]``). Compare such a run with ``shared_only=True``.
    """
    data = get_suite(suite, store=store)
    adapter = as_adapter(model)
    stop_provenance: dict[str, Any] = {}
    if early_stop is not None:
        if samples != 1:
            raise ConfigError(
                f"The 'samples' parameter of evaluate must be 1 with early_stop. Got {samples!r}."
            )
        records, stopped = evaluate_suite_early_stop(
            data,
            adapter,
            early_stop,
            scorers=scorers,
            batch_size=batch_size,
            on_progress=on_progress,
            cache_dir=cache_dir,
        )
        stop_provenance = {"early_stop": stopped.to_dict()}
    else:
        records = evaluate_suite(
            data,
            adapter,
            scorers=scorers,
            batch_size=batch_size,
            on_progress=on_progress,
            samples=samples,
            cache_dir=cache_dir,
        )
    ref = name if isinstance(name, ModelRef) else ModelRef.parse(name)
    return log_run(
        records,
        suite=data,
        model=ref,
        store=store,
        params=params,
        tags=tags,
        seeds=seeds,
        provenance={"adapter": adapter.describe(), **stop_provenance, **dict(provenance or {})},
        dataset_digests=dataset_digests,
        source=f"runner:{adapter.name}",
    )
