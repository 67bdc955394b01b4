"""Pages of the runs listing kept as JSON bytes while the runs stay as they were.

The store counts every change to its runs (a run stored, a tag set) in the same transaction
as the change (its ``runs`` counter), whoever makes it: this process, another worker, or the
CLI writing to the same database. A page is built once (the query, the pydantic models, the
JSON) and then served from memory for as long as that counter stands. The counter is read
after the request arrives and before the listing (:mod:`assay.server._counters`: one read
for the requests that arrive together), so a page is never kept under a count older than
what it shows, and every change committed before a request arrived is in its answer. A page
kept is served on the event loop, without a worker thread; it is also kept under the
request's exact query string, for :mod:`assay.server._runs_fast` to answer the same URL
before the router.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, MutableMapping
from typing import Any

from starlette.concurrency import run_in_threadpool

from assay.server._counters import counters
from assay.server._state import AppState

__all__ = ["cached_page", "kept_page"]

_KEY = "runs_pages"
_MAX_PAGES = 256


class _Pages:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.generation = -1
        self.pages: OrderedDict[Hashable, bytes] = OrderedDict()
        self.by_query: dict[bytes, bytes] = {}

    def keep_query(self, query: bytes | None, body: bytes) -> None:
        if query is not None:
            if len(self.by_query) >= _MAX_PAGES:
                self.by_query.clear()
            self.by_query[query] = body


def _pages(state: AppState) -> _Pages:
    found = state.caches.get(_KEY)
    if not isinstance(found, _Pages):
        found = state.caches.setdefault(_KEY, _Pages())
    assert isinstance(found, _Pages)
    return found


async def kept_page(
    state: AppState, query: bytes, scope: MutableMapping[str, Any] | None = None
) -> bytes | None:
    """The page kept for this exact query string under the store's current count of
    changes to runs (read for the request of ``scope``, once), or None."""
    from assay.storage import GenerationReader

    pages = _pages(state)
    generation = (await counters(state, scope)).get(GenerationReader.RUNS, 0)
    with pages.lock:
        if generation != pages.generation:
            return None
        return pages.by_query.get(query)


async def cached_page(
    state: AppState,
    shape: Hashable,
    build: Callable[[], bytes],
    query: bytes | None = None,
    scope: MutableMapping[str, Any] | None = None,
) -> bytes:
    """The page with this ``shape`` (the request's parameters, from the query string
    ``query``) as ``build`` made it under the store's current count of changes to runs (read
    for the request of ``scope``, once); built now (in a worker thread) when not kept."""
    from assay.storage import GenerationReader

    pages = _pages(state)
    generation = (await counters(state, scope)).get(GenerationReader.RUNS, 0)
    with pages.lock:
        if generation > pages.generation:  # the count only grows: an older reader keeps none
            pages.pages.clear()
            pages.by_query.clear()
            pages.generation = generation
        found = pages.pages.get(shape) if generation == pages.generation else None
        if found is not None:
            pages.pages.move_to_end(shape)
            pages.keep_query(query, found)
            return found
    body = await run_in_threadpool(build)  # a slow query does not hold up pages kept
    with pages.lock:
        if pages.generation == generation:
            pages.pages[shape] = body
            pages.keep_query(query, body)
            while len(pages.pages) > _MAX_PAGES:
                pages.pages.popitem(last=False)
    return body
