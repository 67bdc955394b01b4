"""The Ray backend: a suite's examples split into shards, each evaluated on a Ray worker.

Each shard is a contiguous run of examples that a worker evaluates with the local runner
(:func:`~assay.runners.evaluate_suite`; an :class:`~assay.runners.AsyncModelAdapter` goes
through :func:`~assay.runners.evaluate_suite_async` there), and the shards' records are
concatenated in suite order into one table. That table equals the local backend's on the
same inputs (rows and their order, columns and types, outputs, scores and errors) whenever
the adapter's answer to an input does not depend on the other inputs of its batch or on
earlier calls. Only ``latency_ms`` differs: it is measured on the workers, over their batches.

The adapter and any scorer overrides travel to the workers with cloudpickle, so both must be
picklable. Code they refer to by module (a ``module:function`` callable, a class defined in
the caller's package) must be importable on the workers: every folder of this process's
``sys.path`` that exists on a worker is appended to the worker's, which covers a cluster on
this machine; elsewhere, install the code there or give ``ray.init`` a ``runtime_env``.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pyarrow as pa

from assay._util import check_int, renamed_parameters, require
from assay.data import SuiteData
from assay.errors import AdapterError, ConfigError
from assay.runners._async_runner import AsyncModelAdapter
from assay.runners._ray_limits import shared_limits, stop_limits
from assay.runners._ray_shard import Shard, discard, evaluate_shard, shard_result
from assay.runners._scoring import ProgressCallback, Scorer, resolve_scorers
from assay.runners.adapters._base import ModelAdapter

__all__ = ["connect_ray", "evaluate_suite_ray", "import_ray"]

_FN = "evaluate_suite_ray"


@renamed_parameters({"address": "ray_address"})
def evaluate_suite_ray(
    data: SuiteData,
    adapter: ModelAdapter | AsyncModelAdapter,
    *,
    scorers: Mapping[str, Scorer] | None = None,
    batch_size: int = 512,
    samples: int = 1,
    num_shards: int | None = None,
    retries: int = 3,
    ray_address: str | None = None,
    num_cpus: int | None = None,
    cache_dir: str | Path | None = None,
    on_progress: ProgressCallback | None = None,
) -> pa.Table:
    """Evaluate ``adapter`` on every example of ``data`` on a Ray cluster; records as the local runner's.

    The examples are split into ``num_shards`` contiguous shards (default: the cluster's CPU
    count, never more than the examples), one Ray task each. Records come back in suite
    order, the samples of an example together, exactly as :func:`evaluate_suite` returns
    them; ``latency_ms`` is the only column that differs from a local run (it is measured on
    the workers). A synchronous adapter is called in batches of ``batch_size`` within each
    shard. An asynchronous one runs with its own ``concurrency`` in every shard, so the
    cluster sends up to ``num_shards`` times as many requests at once; its rate limits
    (``requests_per_minute``, ``tokens_per_minute`` of an adapter with a ``shared_limits``
    attribute, as :class:`~assay.runners.OpenAIAdapter`) are one token bucket each for the
    whole cluster, kept by a Ray actor, not one per shard. ``cache_dir`` must be a folder
    every worker can reach (a shared file system): answers are cached as they arrive.

    A shard whose worker process or node dies is run again by Ray, up to ``retries`` times;
    with ``cache_dir``, the new attempt sends only the requests the lost one had not got an
    answer to (and cached), and the records are those of an uninterrupted run. A shard that
    still cannot complete raises :class:`~assay.errors.AdapterError` naming the shard (its
    number and first and last example) and nothing is returned.

    Where Ray is already initialised in this process, that connection is used as it is
    (``ray_address`` and ``num_cpus`` are then not looked at, and it stays open). Otherwise
    ``ray_address=None`` starts a local cluster (``num_cpus`` CPUs, default all) and
    ``ray_address="auto"``, ``"HOST:PORT"`` (the head's address) or ``"ray://HOST:PORT"``
    connects to a running one; either is shut
    down (disconnected) when the call returns. Progress is reported as shards finish.
    (``address=`` is the deprecated spelling of ``ray_address=``.)

    Raises :class:`~assay.errors.MissingDependencyError` when Ray is not installed,
    :class:`~assay.errors.AdapterError` when the cluster cannot
    be reached, and :class:`~assay.errors.ConfigError` when the adapter or scorers cannot be
    pickled or cannot be loaded on a worker.
    """
    for name, value in (("batch_size", batch_size), ("samples", samples)):
        _check_count(name, value)
    if num_shards is not None:
        _check_count("num_shards", num_shards)
    check_int(retries, "retries", _FN, minimum=0)
    if num_cpus is not None:
        _check_count("num_cpus", num_cpus)
        if ray_address is not None:
            raise ConfigError(
                f"The 'num_cpus' parameter of {_FN} sizes a local cluster; an existing cluster "
                f"at {ray_address!r} keeps its own size. Give one of num_cpus or ray_address."
            )
    if cache_dir is not None and not isinstance(adapter, AsyncModelAdapter):
        raise ConfigError(
            f"The 'cache_dir' parameter of {_FN} applies to asynchronous adapters "
            f"(AsyncModelAdapter). Got it with {type(adapter).__name__}."
        )
    resolve_scorers(data, scorers)  # a metric without a scorer fails here, before Ray starts
    ray = import_ray()
    adapter_blob = _pickled(ray, "adapter", adapter)
    scorers_blob = _pickled(ray, "scorers", dict(scorers) if scorers else None)
    started = connect_ray(ray, ray_address, num_cpus)
    try:
        return _run_shards(
            ray,
            data,
            adapter,
            (adapter_blob, scorers_blob),
            num_shards=num_shards,
            batch_size=batch_size,
            samples=samples,
            retries=retries,
            cache_dir=None if cache_dir is None else str(Path(cache_dir).resolve()),
            on_progress=on_progress,
        )
    finally:
        if started:
            ray.shutdown()


def _check_count(name: str, value: object) -> None:
    check_int(value, name, _FN, minimum=1)


def import_ray() -> Any:
    return require("ray", "ray", feature="the Ray backend")


def _pickled(ray: Any, what: str, obj: object) -> bytes:
    try:
        blob: bytes = ray.cloudpickle.dumps(obj)
    except Exception as exc:
        raise ConfigError(
            f"The Ray backend sends the {what} to its workers with cloudpickle, and this "
            f"{type(obj).__name__} cannot be pickled: {type(exc).__name__}: {exc}. Keep open "
            "connections, locks and threads out of it (open them in the call), or use the "
            "local backend."
        ) from exc
    return blob


def connect_ray(ray: Any, address: str | None, num_cpus: int | None) -> bool:
    """Initialise Ray unless it already is; True when this call did (and must shut it down)."""
    if ray.is_initialized():
        return False
    try:
        if address is None:
            ray.init(
                num_cpus=num_cpus,
                include_dashboard=False,
                log_to_driver=False,
                ignore_reinit_error=True,
            )
        else:
            ray.init(address=address, log_to_driver=False, ignore_reinit_error=True)
    except Exception as exc:
        where = "start a local Ray cluster" if address is None else f"reach Ray at {address!r}"
        raise AdapterError(f"Cannot {where}: {type(exc).__name__}: {exc}") from exc
    return True


def _run_shards(
    ray: Any,
    data: SuiteData,
    adapter: object,
    blobs: tuple[bytes, bytes],
    *,
    num_shards: int | None,
    batch_size: int,
    samples: int,
    retries: int,
    cache_dir: str | None,
    on_progress: ProgressCallback | None,
) -> pa.Table:
    n = data.examples.num_rows
    wanted = num_shards or int(ray.cluster_resources().get("CPU", 1))
    k = max(1, min(wanted, n))
    bounds = [n * i // k for i in range(k + 1)]
    shards = [Shard(data, i, k, bounds[i], bounds[i + 1]) for i in range(k)]
    # one copy of the suite and of the adapter in the object store, shared by every shard
    data_ref = ray.put(data)
    adapter_ref, scorers_ref = (ray.put(blob) for blob in blobs)
    driver_path = [os.path.abspath(p or os.curdir) for p in sys.path]
    actors, limits = shared_limits(ray, adapter)
    task = ray.remote(max_retries=retries)(evaluate_shard)
    refs = [
        task.remote(
            data_ref,
            s.start,
            s.stop,
            adapter_ref,
            scorers_ref,
            driver_path,
            batch_size,
            samples,
            cache_dir,
            limits,
        )
        for s in shards
    ]
    shard_of = {ref: i for i, ref in enumerate(refs)}
    tables: list[pa.Table | None] = [None] * k
    pending, done = list(refs), 0
    try:
        while pending:
            ready, pending = ray.wait(pending, num_returns=1)
            for ref in ready:
                i = shard_of[ref]
                tables[i] = shard_result(ray, ref, shards[i], retries)
                done += (bounds[i + 1] - bounds[i]) * samples
                if on_progress is not None:
                    on_progress(done, n * samples)
    except BaseException:
        discard(ray, pending)
        raise
    finally:
        stop_limits(ray, actors)
    return pa.concat_tables([t for t in tables if t is not None]).combine_chunks()
