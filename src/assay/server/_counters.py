"""The store's change counters, read once for every crowd of requests.

The server's caches (the runs listing, who a token or session is, which addresses have no
failed sign-ins) hold while the store's counters stand (:class:`assay.storage.GenerationReader`),
whoever changes the store: this process, another worker, or the CLI on the same database.

A request needs the counters as they were when it arrived, or later. Requests that arrive
together share one read: a request waits for the read in flight to end and then takes the
next one, which starts after it arrived, so it still sees every change committed before it
came. The waiting is on the event loop (no thread per request); the read itself runs in a
worker thread, one at a time.
"""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import Callable, Mapping

from starlette.concurrency import run_in_threadpool

from assay.server._state import AppState

__all__ = ["counters"]

_KEY = "counters"


class _Reads:
    """The reads of one application on one event loop."""

    def __init__(self) -> None:
        self.waiting: asyncio.Future[Mapping[str, int]] | None = None
        self.reading = False
        self.task: asyncio.Task[None] | None = None


class _Counters:
    def __init__(self, state: AppState) -> None:
        from assay.storage import GenerationReader

        assert state.store.engine is not None  # a server serves a database store
        self.reader = GenerationReader(state.store.engine)
        self.loops: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _Reads]
        self.loops = weakref.WeakKeyDictionary()

    async def read(self) -> Mapping[str, int]:
        loop = asyncio.get_running_loop()
        reads = self.loops.get(loop)
        if reads is None:
            reads = self.loops.setdefault(loop, _Reads())
        if reads.waiting is None:
            reads.waiting = loop.create_future()
            reads.waiting.add_done_callback(_retrieved)
        waiting = reads.waiting
        if not reads.reading:
            reads.reading = True
            reads.task = loop.create_task(self._serve(reads))
        return await asyncio.shield(waiting)

    async def _serve(self, reads: _Reads) -> None:
        """Read for everyone waiting, until nobody is: each read starts after they came."""
        try:
            while reads.waiting is not None:
                waiting, reads.waiting = reads.waiting, None
                try:  # the connection stays out while more requests wait
                    found = await run_in_threadpool(self.reader.read, _more(reads))
                except Exception as exc:
                    waiting.set_exception(exc)
                else:
                    waiting.set_result(found)
        finally:
            reads.reading = False
            self.reader.release()
            if reads.waiting is not None and not reads.waiting.done():  # cancelled mid-way
                reads.waiting.cancel()
                reads.waiting = None


def _more(reads: _Reads) -> Callable[[], bool]:
    return lambda: reads.waiting is not None


def _retrieved(future: asyncio.Future[Mapping[str, int]]) -> None:
    # a failed read whose requests went away is not an unretrieved exception
    if not future.cancelled():
        future.exception()


async def counters(state: AppState) -> Mapping[str, int]:
    """The store's change counters, read after this call began (a counter never moved is
    absent: read it as 0)."""
    found = state.caches.get(_KEY)
    if not isinstance(found, _Counters):
        found = state.caches.setdefault(_KEY, _Counters(state))
    assert isinstance(found, _Counters)
    return await found.read()
