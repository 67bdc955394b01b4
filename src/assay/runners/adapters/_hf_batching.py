"""Micro-batching: many concurrent requests, one batched model call at a time.

The runner keeps ``concurrency`` requests in flight; a local model answers fastest when it
sees them together. :class:`MicroBatcher` queues every request it is sent; one worker takes
up to ``batch_size`` queued requests (waiting at most ``wait_s`` for a batch to fill), runs
them as one call of ``run_batch`` in a worker thread (so the model never blocks the event
loop), and resolves each request's future with its own answer.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import deque
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from types import TracebackType
from typing import Any

from assay.runners._responses import ModelResponse

__all__ = ["MicroBatcher"]

BatchFn = Callable[[Sequence[Any]], list[ModelResponse]]


class MicroBatcher:
    """An :class:`~assay.runners.AsyncModelClient` that sends requests in batches.

    ``run_batch`` gets a list of requests and returns one response per request, in order;
    it runs in one dedicated thread, so at most one batch runs at a time. Use as an async
    context manager: entering starts the worker, leaving stops it (a batch that is running
    then finishes in its thread; its answers are dropped).
    """

    def __init__(self, run_batch: BatchFn, *, batch_size: int, wait_s: float) -> None:
        self.run_batch = run_batch
        self.batch_size = batch_size
        self.wait_s = wait_s
        self._queue: deque[tuple[Any, asyncio.Future[ModelResponse]]] = deque()
        self._arrived = asyncio.Event()
        self._worker: asyncio.Task[None] | None = None
        self._pool: ThreadPoolExecutor | None = None

    async def __aenter__(self) -> MicroBatcher:
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="assay-model")
        self._worker = asyncio.create_task(self._work())
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._worker is not None:
            self._worker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._worker
        while self._queue:
            _, future = self._queue.popleft()
            future.cancel()
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)

    async def send(self, request: Any) -> ModelResponse:
        """The answer to one request, computed in a batch with whatever else is queued."""
        if self._worker is None or self._worker.done():
            raise RuntimeError("MicroBatcher.send needs an open batcher (async with ...)")
        future: asyncio.Future[ModelResponse] = asyncio.get_running_loop().create_future()
        self._queue.append((request, future))
        self._arrived.set()
        return await future

    async def _next_batch(self) -> list[tuple[Any, asyncio.Future[ModelResponse]]]:
        while not self._queue:
            self._arrived.clear()
            await self._arrived.wait()
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.wait_s
        batch: list[tuple[Any, asyncio.Future[ModelResponse]]] = []
        while len(batch) < self.batch_size:
            if self._queue:
                item = self._queue.popleft()
                if not item[1].done():  # a cancelled sender needs no answer
                    batch.append(item)
                continue
            remaining = deadline - loop.time()
            if remaining <= 0:
                break
            self._arrived.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._arrived.wait(), remaining)
        return batch

    async def _work(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            batch = await self._next_batch()
            if not batch:
                continue
            requests = [request for request, _ in batch]
            try:
                answers = await loop.run_in_executor(self._pool, self.run_batch, requests)
                if len(answers) != len(batch):
                    raise RuntimeError(
                        f"the model returned {len(answers)} answers for {len(batch)} requests"
                    )
            except Exception as exc:
                for _, future in batch:
                    if not future.done():
                        future.set_exception(exc)
                continue
            for (_, future), answer in zip(batch, answers, strict=True):
                if not future.done():
                    future.set_result(answer)
