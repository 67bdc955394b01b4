"""Pages of the runs listing kept as JSON bytes while the runs stay as they were.

The store counts every change to its runs (a run stored, a tag set) in the same transaction
as the change (:func:`assay.storage.runs_generation`), whoever makes it: this process,
another worker, or the CLI writing to the same database. A page is built once (the query,
the pydantic models, the JSON) and then served from memory for as long as that counter
stands; reading the counter is one primary-key lookup. The counter is read before the
listing, so a page is never kept under a count older than what it shows.

Requests that arrive together share one read of the counter: a request waits for the read
in flight to end and then takes the next one, which starts after it arrived, so it still
sees every change committed before it came (and a crowd of requests holds one database
connection, not one each).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import TYPE_CHECKING

from assay.server._state import AppState

if TYPE_CHECKING:
    import sqlalchemy as sa

__all__ = ["cached_page"]

_KEY = "runs_pages"
_MAX_PAGES = 256


class _Counter:
    """One read of the counter at a time; everyone waiting takes the next read's value."""

    def __init__(self) -> None:
        self.changed = threading.Condition()
        self.reading = False
        self.started = 0  # reads begun
        self.finished = 0  # the number of the last read that ended with a value
        self.value = -1

    def read(self, engine: sa.Engine) -> int:
        from assay.storage import runs_generation

        with self.changed:
            arrived = self.started
            while True:
                if self.finished > arrived:  # a read begun after this request came
                    return self.value
                if not self.reading:
                    self.reading = True
                    self.started += 1
                    mine = self.started
                    break
                self.changed.wait()
        value = None
        try:
            value = runs_generation(engine)
            return value
        finally:
            with self.changed:
                self.reading = False
                if value is not None:
                    self.finished, self.value = mine, value
                self.changed.notify_all()


class _Pages:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.generation = -1
        self.pages: OrderedDict[Hashable, bytes] = OrderedDict()
        self.counter = _Counter()


def _pages(state: AppState) -> _Pages:
    found = state.caches.get(_KEY)
    if not isinstance(found, _Pages):
        found = state.caches.setdefault(_KEY, _Pages())
    assert isinstance(found, _Pages)
    return found


def cached_page(state: AppState, shape: Hashable, build: Callable[[], bytes]) -> bytes:
    """The page with this ``shape`` (the request's parameters) as ``build`` made it under
    the store's current count of changes to runs; built now when not kept."""
    assert state.store.engine is not None  # a server serves a database store
    pages = _pages(state)
    generation = pages.counter.read(state.store.engine)
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
