"""Pages of the runs listing kept as JSON bytes while the runs stay as they were.

The store counts every change to its runs (a run stored, a tag set) in the same transaction
as the change (:func:`assay.storage.runs_generation`), whoever makes it: this process,
another worker, or the CLI writing to the same database. A page is built once (the query,
the pydantic models, the JSON) and then served from memory for as long as that counter
stands; reading the counter is one primary-key lookup. The counter is read before the
listing, so a page is never kept under a count older than what it shows.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable

from assay.server._state import AppState

__all__ = ["cached_page"]

_KEY = "runs_pages"
_MAX_PAGES = 256


class _Pages:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.generation = -1
        self.pages: OrderedDict[Hashable, bytes] = OrderedDict()


def _pages(state: AppState) -> _Pages:
    found = state.caches.get(_KEY)
    if not isinstance(found, _Pages):
        found = state.caches.setdefault(_KEY, _Pages())
    assert isinstance(found, _Pages)
    return found


def cached_page(state: AppState, shape: Hashable, build: Callable[[], bytes]) -> bytes:
    """The page with this ``shape`` (the request's parameters) as ``build`` made it under
    the store's current count of changes to runs; built now when not kept."""
    from assay.storage import runs_generation

    assert state.store.engine is not None  # a server serves a database store
    generation = runs_generation(state.store.engine)
    pages = _pages(state)
    with pages.lock:
        if generation > pages.generation:  # the count only grows: an older reader keeps none
            pages.pages.clear()
            pages.generation = generation
        found = pages.pages.get(shape) if generation == pages.generation else None
        if found is not None:
            pages.pages.move_to_end(shape)
            return found
    body = build()  # outside the lock: a slow query does not hold up pages already kept
    with pages.lock:
        if pages.generation == generation:
            pages.pages[shape] = body
            while len(pages.pages) > _MAX_PAGES:
                pages.pages.popitem(last=False)
    return body
