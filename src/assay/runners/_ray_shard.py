"""One shard of a Ray evaluation: the task a worker runs, and how its outcome is read."""

from __future__ import annotations

import contextlib
import os
import sys
from typing import Any

import pyarrow as pa

from assay.data import SuiteData
from assay.errors import AdapterError, AssayError, ConfigError
from assay.runners._local import evaluate_suite
from assay.runners._scoring import describe_error
from assay.runners.adapters._buckets import SharedLimits

__all__ = ["Shard", "discard", "evaluate_shard", "shard_result"]

_DISCARD_WAIT_S = 5.0


class Shard:
    """Where one shard lies in the suite: its number, and its first and last example."""

    def __init__(self, data: SuiteData, index: int, count: int, start: int, stop: int) -> None:
        self.index, self.count, self.start, self.stop = index, count, start, stop
        ids = data.examples.column("example_id")
        self.first = str(ids[start].as_py()) if stop > start else ""
        self.last = str(ids[stop - 1].as_py()) if stop > start else ""

    def __str__(self) -> str:
        return (
            f"shard {self.index + 1} of {self.count} (examples {self.start + 1} to "
            f"{self.stop}, ids {self.first!r} to {self.last!r})"
        )


def discard(ray: Any, refs: list[Any]) -> None:
    """Cancel the shards still running after one failed, and collect their outcome quietly.

    Ray logs every task error that nobody fetched; the other shards usually fail the same way
    (an adapter no worker can load), and one error is enough.
    """
    for ref in refs:
        ray.cancel(ref)
    ready, _ = ray.wait(refs, num_returns=len(refs), timeout=_DISCARD_WAIT_S)
    for ref in ready:
        with contextlib.suppress(Exception):
            ray.get(ref)


def shard_result(ray: Any, ref: Any, shard: Shard, retries: int) -> pa.Table:
    """The records of a finished shard, or the error that says which shard failed and why."""
    try:
        table: pa.Table = ray.get(ref)
    except ray.exceptions.RayTaskError as exc:
        cause = exc.cause
        if isinstance(cause, AssayError):
            raise cause from None
        what = describe_error(cause) if isinstance(cause, BaseException) else str(exc)
        raise AdapterError(f"A Ray worker failed while evaluating {shard}: {what}") from exc
    except ray.exceptions.RayError as exc:  # a worker or node died, an object was lost
        tries = "once" if retries == 0 else f"{retries + 1} times"
        raise AdapterError(
            f"The Ray backend could not complete {shard}: it was tried {tries} and its "
            f"worker was lost each time ({type(exc).__name__}: {_first_line(exc)}). Nothing "
            "was recorded; with cache_dir, running again sends only the requests not yet "
            "answered."
        ) from exc
    return table


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else "no message"


def evaluate_shard(
    data: SuiteData,
    start: int,
    stop: int,
    adapter_blob: bytes,
    scorers_blob: bytes,
    driver_path: list[str],
    batch_size: int,
    samples: int,
    cache_dir: str | None,
    limits: SharedLimits | None,
) -> pa.Table:
    """Runs on a Ray worker: evaluate examples ``start:stop`` with the local runner."""
    from ray import cloudpickle

    for entry in driver_path:  # appended: the worker's own packages keep precedence
        if entry not in sys.path and os.path.isdir(entry):
            sys.path.append(entry)
    try:
        adapter = cloudpickle.loads(adapter_blob)
        scorers = cloudpickle.loads(scorers_blob)
    except Exception as exc:
        raise ConfigError(
            f"A Ray worker cannot load the adapter or its scorers: {describe_error(exc)}. "
            "Code they refer to by module must be importable on every worker: install it "
            "there, or pass a runtime_env to ray.init."
        ) from exc
    if limits is not None:
        adapter.shared_limits = limits  # the cluster's buckets, not one per shard
    shard = SuiteData(suite=data.suite, examples=data.examples.slice(start, stop - start))
    return evaluate_suite(
        shard,
        adapter,
        scorers=scorers,
        batch_size=batch_size,
        samples=samples,
        cache_dir=cache_dir,
    )
