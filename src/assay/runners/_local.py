"""The local runner: evaluate a suite with a model adapter, in this process.

Synchronous adapters are called in batches; asynchronous ones (:class:`AsyncModelAdapter`,
e.g. HTTP endpoints) go through :func:`evaluate_suite_async`, with concurrency, retries and
the response cache.
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pyarrow as pa

from assay._util import check_int
from assay.data import SuiteData
from assay.errors import AssayError, ConfigError, ParameterError
from assay.runners._async_runner import AsyncModelAdapter, evaluate_suite_async
from assay.runners._scoring import (
    ProgressCallback,
    Scorer,
    build_records,
    describe_error,
    resolve_scorers,
)
from assay.runners._sync import run_coroutine
from assay.runners.adapters._base import ModelAdapter

__all__ = ["ProgressCallback", "Scorer", "evaluate_suite"]


def evaluate_suite(
    data: SuiteData,
    adapter: ModelAdapter | AsyncModelAdapter,
    *,
    scorers: Mapping[str, Scorer] | None = None,
    batch_size: int = 512,
    on_progress: ProgressCallback | None = None,
    samples: int = 1,
    cache_dir: str | Path | None = None,
    backend: Literal["local", "ray"] = "local",
    ray_address: str | None = None,
    ray_retries: int | None = None,
) -> pa.Table:
    """Run ``adapter`` on every example (``samples`` times each) and score each output.

    An :class:`AsyncModelAdapter` runs through :func:`evaluate_suite_async` (``batch_size``
    does not apply; ``cache_dir`` keeps its answers). A synchronous adapter is called in
    batches of ``batch_size`` inputs: a batch that fails is retried one example at a time, so
    a failure costs only the examples that fail; they become records with an ``error`` and no
    scores, never dropped rows. Latency is the batch's wall time divided by its size.

    ``backend="ray"`` evaluates shards of the suite on a Ray cluster and returns the same
    records, latency aside (:func:`evaluate_suite_ray`; ``ray_address`` names the cluster,
    default a local one; ``ray_retries`` is how many times a shard whose worker died is run
    again, default 3).
    """
    if backend == "ray":
        from assay.runners._ray import evaluate_suite_ray  # _ray builds on this module

        return evaluate_suite_ray(
            data,
            adapter,
            scorers=scorers,
            batch_size=batch_size,
            samples=samples,
            ray_address=ray_address,
            cache_dir=cache_dir,
            on_progress=on_progress,
            **({} if ray_retries is None else {"retries": ray_retries}),
        )
    if backend != "local":
        raise ParameterError("backend", "evaluate_suite", "'local' or 'ray'", backend)
    for name, value in (("ray_address", ray_address), ("ray_retries", ray_retries)):
        if value is not None:
            raise ConfigError(
                f"The {name!r} parameter of evaluate_suite applies to backend='ray'. "
                f"Got it with backend={backend!r}."
            )
    if isinstance(adapter, AsyncModelAdapter):
        return run_coroutine(
            evaluate_suite_async(
                data,
                adapter,
                scorers=scorers,
                samples=samples,
                cache_dir=cache_dir,
                on_progress=on_progress,
            )
        )
    if not callable(getattr(adapter, "predict", None)):
        # otherwise every example would be recorded with the same AttributeError
        raise ParameterError(
            "adapter", "evaluate_suite", "a ModelAdapter or an AsyncModelAdapter", adapter
        )
    check_int(batch_size, "batch_size", "evaluate_suite")
    check_int(samples, "samples", "evaluate_suite")
    if cache_dir is not None:
        raise ConfigError(
            "The 'cache_dir' parameter of evaluate_suite applies to asynchronous adapters "
            f"(AsyncModelAdapter). Got it with {type(adapter).__name__}."
        )
    score_fns = resolve_scorers(data, scorers)
    ids = data.examples.column("example_id").to_pylist()
    inputs = [
        None if v is None else json.loads(v) for v in data.examples.column("input").to_pylist()
    ]
    refs = [
        None if v is None else json.loads(v) for v in data.examples.column("reference").to_pylist()
    ]
    if samples > 1:
        ids, inputs, refs = (
            [x for x in col for _ in range(samples)] for col in (ids, inputs, refs)
        )
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
        except AssayError:  # the adapter itself is misconfigured: no example can succeed
            raise
        except Exception:  # one bad example must not lose the batch: retry singly
            for i in range(start, stop):
                t1 = time.perf_counter()
                try:
                    outputs[i] = adapter.predict([inputs[i]])[0]
                except AssayError:
                    raise
                except Exception as exc:
                    errors[i] = describe_error(exc)
                latency[i] = (time.perf_counter() - t1) * 1000
        if on_progress is not None:
            on_progress(stop, n)
    return build_records(
        example_ids=ids,
        sample_index=list(range(samples)) * (n // samples),
        outputs=outputs,
        references=refs,
        errors=errors,
        latency_ms=latency,
        score_fns=score_fns,
    )
