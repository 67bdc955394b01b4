"""The store's change counters, read once for every crowd of requests.

The server's caches (the runs listing, who a token or session is, which addresses have no
failed sign-ins) hold while the store's counters stand (:class:`assay.storage.GenerationReader`),
whoever changes the store: this process, another worker, or the CLI on the same database.

A request needs the counters as they were when it arrived, or later. Requests that arrive
together share one read: a request waits for the read in flight to end and then takes the
next one, which starts after it arrived, so it still sees every change committed before it
came. The waiting is on the event loop (no thread per request); the read itself runs in a
worker thread, one at a time, on a connection that stays checked out while reads follow
each other (no pool check-out, liveness check or reset per read) and goes back to the pool
after :data:`IDLE_SECONDS` without one. A request keeps the counters it got in its ASGI scope, so the
steps that need them (who is asking, then the page kept) share that one read.
"""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import Mapping, MutableMapping
from typing import Any

from starlette.concurrency import run_in_threadpool

from assay.server._state import AppState

__all__ = ["IDLE_SECONDS", "counters", "release_counters"]

IDLE_SECONDS = 1.0
"""How long the counters' connection stays checked out after the last read."""
_KEY = "counters"
_SCOPE_KEY = "assay.counters"


class _Reads:
    """The reads of one application on one event loop."""

    def __init__(self) -> None:
        self.waiting: asyncio.Future[Mapping[str, int]] | None = None
        self.reading = False
        self.task: asyncio.Task[None] | None = None
        self.idle: asyncio.TimerHandle | None = None


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
            if reads.idle is not None:
                reads.idle.cancel()
                reads.idle = None
            reads.task = loop.create_task(self._serve(reads))
        return await asyncio.shield(waiting)

    async def _serve(self, reads: _Reads) -> None:
        """Read for everyone waiting, until nobody is: each read starts after they came."""
        try:
            while reads.waiting is not None:
                waiting, reads.waiting = reads.waiting, None
                try:  # the connection stays out for the next read
                    found = await run_in_threadpool(self.reader.read, _keep)
                except Exception as exc:
                    waiting.set_exception(exc)
                else:
                    waiting.set_result(found)
        finally:
            reads.reading = False
            loop = asyncio.get_running_loop()
            reads.idle = loop.call_later(IDLE_SECONDS, self._idle, reads, loop)
            if reads.waiting is not None and not reads.waiting.done():  # cancelled mid-way
                reads.waiting.cancel()
                reads.waiting = None

    def _idle(self, reads: _Reads, loop: asyncio.AbstractEventLoop) -> None:
        """Give the connection back after a quiet spell (off the event loop: giving it back
        resets it, a round trip)."""
        reads.idle = None
        if not reads.reading:
            loop.run_in_executor(None, self.reader.release)


def _keep() -> bool:
    return True


def release_counters(state: AppState) -> None:
    """Give the counters' connection back to the pool now (the application stops)."""
    found = state.caches.get(_KEY)
    if isinstance(found, _Counters):
        found.reader.release()


def _retrieved(future: asyncio.Future[Mapping[str, int]]) -> None:
    # a failed read whose requests went away is not an unretrieved exception
    if not future.cancelled():
        future.exception()


async def counters(
    state: AppState, scope: MutableMapping[str, Any] | None = None
) -> Mapping[str, int]:
    """The store's change counters, read after this call began, or after the request of
    ``scope`` arrived when it asked before (a counter never moved is absent: read it as 0)."""
    if scope is not None:
        kept = scope.get(_SCOPE_KEY)
        if kept is not None:
            assert isinstance(kept, Mapping)
            return kept
    found = state.caches.get(_KEY)
    if not isinstance(found, _Counters):
        found = state.caches.setdefault(_KEY, _Counters(state))
    assert isinstance(found, _Counters)
    read = await found.read()
    if scope is not None:
        scope[_SCOPE_KEY] = read
    return read
