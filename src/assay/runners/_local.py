"""The local runner: evaluate a suite with a model adapter, in batches, in this process."""

from __future__ import annotations

import json
import time
import traceback
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
import pyarrow as pa

from assay.data import SuiteData
from assay.errors import ConfigError
from assay.metrics import get_scorer
from assay.runners._adapters import ModelAdapter

__all__ = ["ProgressCallback", "Scorer", "evaluate_suite"]

Scorer = Callable[[Any, Any], float]
ProgressCallback = Callable[[int, int], None]


def _describe_error(exc: BaseException) -> str:
    frame = traceback.extract_tb(exc.__traceback__)[-1:] if exc.__traceback__ else []
    where = f" at {frame[0].filename}:{frame[0].lineno}" if frame else ""
    return f"{type(exc).__name__}: {exc}{where}"


def _scorers(data: SuiteData, overrides: Mapping[str, Scorer] | None) -> dict[str, Scorer]:
    out: dict[str, Scorer] = {}
    for metric in data.suite.metrics:
        if overrides and metric.name in overrides:
            out[metric.name] = overrides[metric.name]
        elif metric.scorer:
            out[metric.name] = get_scorer(metric.scorer)
        else:
            raise ConfigError(
                f"Metric {metric.name!r} of suite {data.suite.name!r} names no scorer, so a runner "
                "cannot score it; give the metric a 'scorer' or pass scorers={...}."
            )
    return out


def _output_text(value: Any) -> str | None:
    if value is None or isinstance(value, str):
        return value
    return json.dumps(value, default=str, ensure_ascii=False)


def evaluate_suite(
    data: SuiteData,
    adapter: ModelAdapter,
    *,
    scorers: Mapping[str, Scorer] | None = None,
    batch_size: int = 512,
    on_progress: ProgressCallback | None = None,
) -> pa.Table:
    """Run ``adapter`` on every example and score each output; return the records.

    A batch that fails is retried one example at a time, so a failure costs only the examples
    that fail: they become records with an ``error`` and no scores, never dropped rows. Latency
    is the batch's wall time divided by its size.
    """
    if batch_size < 1:
        raise ConfigError(
            f"The 'batch_size' parameter of evaluate_suite must be an integer >= 1. Got {batch_size!r}."
        )
    score_fns = _scorers(data, scorers)
    ids = data.examples.column("example_id").to_pylist()
    inputs = [
        None if v is None else json.loads(v) for v in data.examples.column("input").to_pylist()
    ]
    refs = [
        None if v is None else json.loads(v) for v in data.examples.column("reference").to_pylist()
    ]
    n = len(ids)
    outputs: list[Any] = [None] * n
    errors: list[str | None] = [None] * n
    latency = np.full(n, np.nan)
    for start in range(0, n, batch_size):
        stop = min(start + batch_size, n)
        t0 = time.perf_counter()
        try:
            got = list(adapter.predict(inputs[start:stop]))
            if len(got) != stop - start:
                raise ValueError(f"adapter returned {len(got)} outputs for {stop - start} inputs")
            outputs[start:stop] = got
            latency[start:stop] = (time.perf_counter() - t0) * 1000 / (stop - start)
        except Exception:  # one bad example must not lose the batch: retry singly
            for i in range(start, stop):
                t1 = time.perf_counter()
                try:
                    outputs[i] = adapter.predict([inputs[i]])[0]
                except Exception as exc:
                    errors[i] = _describe_error(exc)
                latency[i] = (time.perf_counter() - t1) * 1000
        if on_progress is not None:
            on_progress(stop, n)
    columns: dict[str, Any] = {"example_id": ids}
    for name, fn in score_fns.items():
        scores = np.full(n, np.nan)
        for i in range(n):
            if errors[i] is not None:
                continue
            try:
                scores[i] = float(fn(outputs[i], refs[i]))
            except Exception as exc:
                errors[i] = f"scorer {name!r} failed: {_describe_error(exc)}"
        columns[name] = scores
    for name in score_fns:  # an example whose scorer failed has no scores at all
        col = columns[name]
        col[[e is not None for e in errors]] = np.nan
    columns["output"] = [_output_text(o) for o in outputs]
    columns["latency_ms"] = latency
    columns["error"] = errors
    return pa.table(columns)
