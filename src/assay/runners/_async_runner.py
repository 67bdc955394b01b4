"""The asynchronous runner: one request per example and sample, many in flight, cached, resumable.

An :class:`AsyncModelAdapter` turns an example into a request (:meth:`build_request`, pure)
and sends requests through a client it opens for the run (:meth:`connect`). The runner
renders every request first, answers what it can from the response cache, and sends the
rest with ``adapter.concurrency`` workers over one client; the cache is asked a chunk of
rows at a time, the next chunks while the first requests are in flight
(:class:`~assay.runners._plan.RunPlan`). Answers are cached as they arrive, so a run that is
killed or cancelled resumes by running it again: only the requests without a cached answer
are sent, and the records are the same.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import replace
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import numpy as np
import pyarrow as pa

from assay._util import check_instance, check_int, quiet_collector
from assay.data import SuiteData
from assay.runners._cache import ResponseCache
from assay.runners._plan import RunPlan
from assay.runners._responses import ModelResponse, _to_cache, check_endpoint
from assay.runners._scoring import (
    ProgressCallback,
    Scorer,
    build_records,
    describe_error,
    resolve_scorers,
    valid_text,
)
from assay.runners._tasks import adapter_for_suite

__all__ = [
    "AsyncModelAdapter",
    "AsyncModelClient",
    "ModelResponse",
    "check_endpoint",
    "evaluate_suite_async",
]

_PROGRESS_EVERY_S = 0.1
_FLUSH_EVERY_S = 0.05


class AsyncModelClient(Protocol):
    """An open connection to a model, good for one run."""

    async def send(self, request: Any) -> ModelResponse:
        """The answer to one request. A failure is a response with ``error``, not an exception."""
        ...


@runtime_checkable
class AsyncModelAdapter(Protocol):
    """A model reached by asynchronous requests (an HTTP endpoint, a local server).

    An adapter that reaches a model at an address may also have a ``cache_scope`` string
    (the address and kind of endpoint): it joins every cache key, so the answers of two
    servers are never mixed up. It is optional, so adapters written without it still fit.
    """

    name: str
    """Adapter kind, recorded in the manifest and part of every cache key."""
    concurrency: int
    """Most requests in flight at once."""

    def describe(self) -> dict[str, Any]:
        """Facts about the model and how it is called, for the manifest."""
        ...

    def build_request(self, example: Mapping[str, Any], sample_index: int) -> Any:
        """The JSON-serialisable request for one example and sample.

        ``example`` is one mapping of :func:`~assay.runners.example_fields`. Raise
        :class:`~assay.errors.DataError` to fail this example alone (its record gets the
        message); any other exception stops the run.
        """
        ...

    def connect(self) -> AbstractAsyncContextManager[AsyncModelClient]:
        """Open a client for one run (sessions, rate limits); closed when the run ends."""
        ...

    def cost(self, tokens_in: int | None, tokens_out: int | None) -> float | None:
        """Cost of one request from its token counts, or None when unknown."""
        ...


class _Progress:
    def __init__(self, callback: ProgressCallback | None, total: int, done: int) -> None:
        self.callback = callback
        self.total = total
        self.done = done
        self.last = time.monotonic()

    def step(self) -> None:
        self.done += 1
        if self.callback is not None and time.monotonic() - self.last >= _PROGRESS_EVERY_S:
            self.last = time.monotonic()
            self.callback(self.done, self.total)

    def add(self, done: int) -> None:
        """Count ``done`` rows answered without a request (from the cache, or failed to
        build)."""
        self.done += done

    def finish(self) -> None:
        if self.callback is not None:
            self.callback(self.done, self.total)


async def _send_all(
    adapter: AsyncModelAdapter,
    requests: Sequence[Any],
    keys: Sequence[str | None],
    rows: Iterator[int],
    most: int,
    responses: list[ModelResponse | None],
    cache: ResponseCache | None,
    progress: _Progress,
) -> None:
    """Send the requests of ``rows`` (at most ``most`` of them) with the adapter's
    concurrency, each answer into ``responses`` and the cache."""
    n_workers = max(1, min(int(adapter.concurrency), most))
    dirty = asyncio.Event()
    finished = asyncio.Event()
    state = {"active": n_workers}

    async with adapter.connect() as client:

        async def worker() -> None:
            try:
                for row in rows:
                    try:
                        resp = await client.send(requests[row])
                    except Exception as exc:  # a client bug must not lose the other examples
                        resp = ModelResponse(error=describe_error(exc))
                    # text no file can hold is mended before it is cached or scored
                    output, error = valid_text(resp.output), valid_text(resp.error)
                    if output is not resp.output or error is not resp.error:
                        resp = replace(resp, output=output, error=error)
                    responses[row] = resp
                    if (
                        cache is not None
                        and resp.error is None
                        and cache.put(keys[row], _to_cache(resp))  # type: ignore[arg-type]
                    ):
                        dirty.set()
                    progress.step()
            finally:
                state["active"] -= 1
                if state["active"] == 0:
                    dirty.set()
                    finished.set()

        async def flusher() -> None:
            # one transaction for every answer that arrived in the last _FLUSH_EVERY_S
            assert cache is not None
            while state["active"] > 0:
                await dirty.wait()
                dirty.clear()
                # in a thread: the workers keep sending while SQLite writes and syncs the file
                await asyncio.to_thread(cache.flush)
                if state["active"] > 0:
                    # not wait_for: on Python 3.11 it returns normally when cancelled just as
                    # its awaitable completes, and the flusher would miss its cancellation
                    waiter = asyncio.ensure_future(finished.wait())
                    try:
                        await asyncio.wait({waiter}, timeout=_FLUSH_EVERY_S)
                    finally:
                        waiter.cancel()

        try:
            async with asyncio.TaskGroup() as group:
                for _ in range(n_workers):
                    group.create_task(worker())
                if cache is not None:
                    group.create_task(flusher())
        except BaseExceptionGroup as group_error:
            if len(group_error.exceptions) == 1:
                raise group_error.exceptions[0] from None
            raise


async def evaluate_suite_async(
    data: SuiteData,
    adapter: AsyncModelAdapter,
    *,
    scorers: Mapping[str, Scorer] | None = None,
    samples: int = 1,
    cache_dir: str | Path | None = None,
    on_progress: ProgressCallback | None = None,
) -> pa.Table:
    """Run an asynchronous adapter on every example (``samples`` times each) and score it.

    Records come in suite order, the samples of an example together (``sample_index`` 0 to
    ``samples - 1``), with the endpoint's token counts, the cost the adapter computes from
    them, and each request's latency. An example whose request cannot be built, whose request
    fails after its retries, or whose scorer raises gets a record with ``error`` and no scores.
    With ``cache_dir``, answers are read from and written to a :class:`ResponseCache` there
    (a cached answer keeps the latency it was measured with). Cancelling the coroutine leaves
    every answer received so far in the cache. Text holding lone surrogates is recorded with
    each one replaced by U+FFFD.

    When no request gets an answer and every one sent failed for a reason that is the
    endpoint's (:attr:`ModelResponse.endpoint_error`: it cannot be reached, refuses the
    credentials, does not know the model), the run raises :class:`~assay.errors.AdapterError`
    naming the endpoint and the first error, rather than returning a table of errors.
    """
    # evaluate_suite hands asynchronous adapters to this function: its name is the one users see
    check_int(samples, "samples", "evaluate_suite")
    check_instance(
        adapter, "adapter", "evaluate_suite_async", AsyncModelAdapter, "an AsyncModelAdapter"
    )
    with quiet_collector():  # the collector's passes were 3-4% of a run's CPU
        return await _evaluate(data, adapter, scorers, samples, cache_dir, on_progress)


async def _evaluate(
    data: SuiteData,
    adapter: AsyncModelAdapter,
    scorers: Mapping[str, Scorer] | None,
    samples: int,
    cache_dir: str | Path | None,
    on_progress: ProgressCallback | None,
) -> pa.Table:
    adapter = adapter_for_suite(adapter, data)
    score_fns = resolve_scorers(data, scorers)
    cache = None if cache_dir is None else ResponseCache(cache_dir)
    plan = RunPlan(data, adapter, samples, cache)
    try:
        # the first requests leave once about two per worker are looked up in the cache; the
        # others are looked up while they are in flight (RunPlan)
        sending = plan.start(2 * max(1, int(adapter.concurrency)))
        progress = _Progress(on_progress, plan.n_rows, plan.answered)
        if sending:
            rows = plan.rows(progress.add)
            most = plan.n_rows - plan.answered
            responses = plan.responses
            await _send_all(
                adapter, plan.requests, plan.keys, rows, most, responses, cache, progress
            )
    except BaseException:
        if cache is not None:
            _close(cache, plan)
        raise
    if cache is None:
        return _finish(adapter, plan, progress, samples, score_fns)
    # the cache writes its last answers and closes its file (a checkpoint and a sync: 10-20 ms
    # after 10,000 answers) on a thread while the records are built
    closing = asyncio.get_running_loop().run_in_executor(None, cache.close)
    try:
        return _finish(adapter, plan, progress, samples, score_fns)
    finally:
        try:
            await closing
        except asyncio.CancelledError:
            # cancelled meanwhile: a close not yet begun is dropped with the wait, one under
            # way is waited for (the cache's lock), so every answer is written and no thread
            # writes the file once the run has stopped
            cache.close()
            raise
        finally:
            cache.report_damaged(plan.damaged)


def _close(cache: ResponseCache, plan: RunPlan) -> None:
    """Close the cache (writing what is queued) and report its unreadable entries."""
    try:
        cache.close()
    finally:
        cache.report_damaged(plan.damaged)


def _finish(
    adapter: AsyncModelAdapter,
    plan: RunPlan,
    progress: _Progress,
    samples: int,
    score_fns: Mapping[str, Scorer],
) -> pa.Table:
    """The run's records, once every row has its answer (or its error)."""
    check_endpoint(adapter, [plan.responses[row] for row in plan.sent], plan.responses)
    progress.finish()
    return _records(plan.fields, samples, plan.responses, adapter, score_fns)


def _records(
    fields: Sequence[Mapping[str, Any]],
    samples: int,
    responses: Sequence[ModelResponse | None],
    adapter: AsyncModelAdapter,
    score_fns: Mapping[str, Scorer],
) -> pa.Table:
    done = [r if r is not None else ModelResponse(error="no answer") for r in responses]
    ok = [r.error is None for r in done]
    return build_records(
        example_ids=[f["example_id"] for f in fields for _ in range(samples)],
        sample_index=list(range(samples)) * len(fields),
        outputs=[r.output for r in done],
        references=[f["reference"] for f in fields for _ in range(samples)],
        errors=[r.error for r in done],
        latency_ms=np.fromiter((r.latency_ms for r in done), dtype=np.float64, count=len(done)),
        score_fns=score_fns,
        tokens_in=[r.tokens_in if good else None for r, good in zip(done, ok, strict=True)],
        tokens_out=[r.tokens_out if good else None for r, good in zip(done, ok, strict=True)],
        cost=[
            adapter.cost(r.tokens_in, r.tokens_out) if good else None
            for r, good in zip(done, ok, strict=True)
        ],
    )
