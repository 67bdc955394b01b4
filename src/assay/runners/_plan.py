"""A run's requests, looked up in the response cache a chunk at a time while the first ones
are in flight.

Every request is built before anything is sent, so an example the adapter cannot handle
stops the run before it costs a request. Their cache keys and the cache lookups (about 4 us a
row: 40 ms for a suite of 10,000 examples) are made a chunk at a time: a first chunk of about
two requests per worker, then each further chunk of :data:`_CHUNK_ROWS` when the workers have
taken every request of the one before, so the event loop does that work while the first
answers are on their way, in steps of about a millisecond.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from assay.data import SuiteData
from assay.errors import DataError
from assay.runners._cache import ResponseCache, request_key
from assay.runners._responses import ModelResponse, _cached
from assay.runners._tasks import example_fields

__all__ = ["RunPlan"]

_CHUNK_ROWS = 256
"""Rows looked up at once after the first chunk: the event loop's answers wait meanwhile."""


class RunPlan:
    """Every row (an example and one of its samples) of a run: its request, and its cache key
    and cached response filled in chunk by chunk (see the module). Rows are numbered in suite
    order, the samples of an example together."""

    def __init__(
        self, data: SuiteData, adapter: Any, samples: int, cache: ResponseCache | None
    ) -> None:
        self.adapter = adapter
        self.samples = samples
        self.cache = cache
        self.scope = getattr(adapter, "cache_scope", None)
        self.n_rows = data.examples.num_rows * samples
        self.fields = example_fields(data.examples, data.suite.slice_names)
        self.requests: list[Any] = [None] * self.n_rows
        self.keys: list[str | None] = [None] * self.n_rows
        self.responses: list[ModelResponse | None] = [None] * self.n_rows
        for row in range(self.n_rows):
            try:
                self.requests[row] = adapter.build_request(
                    self.fields[row // samples], row % samples
                )
            except DataError as exc:
                self.responses[row] = ModelResponse(error=str(exc))
        self.prepared = 0
        """Rows looked up so far (all of them without a cache)."""
        self.sent: list[int] = []
        """The rows handed out to be sent, in order."""
        self.answered = 0
        """Rows answered without a request (from the cache, or a request that could not be
        built), among those prepared so far."""
        self.damaged: list[str] = []
        """Keys of cache entries that could not be read (misses, reported once per run)."""
        self._first: list[int] = []
        self._asked: set[str] = set()
        """Keys of the rows handed out to be sent: a later chunk asks them again (as a run that
        looked every key up before sending did), not the answer this run has cached."""

    def start(self, first_rows: int) -> bool:
        """Prepare chunks, the first of about ``first_rows`` rows and each next one twice as
        large (up to the later chunks' size), until one has a row to send; False when none has
        (every row answered from the cache or failed to build)."""
        rows = first_rows
        while not self._first and self.prepared < self.n_rows:
            self._first = self._prepare(rows)
            # a resumed run's cached beginning: larger chunks until a row is left to send
            rows = max(rows, min(2 * rows, _CHUNK_ROWS))
        return bool(self._first)

    def rows(self, on_answered: Callable[[int], None]) -> Iterator[int]:
        """The rows to send, in order; each further chunk is prepared when the one before is
        handed out, and ``on_answered`` told how many of its rows need no request. Several
        workers of one event loop may draw from it: no step awaits."""
        chunk, self._first = self._first, []
        while True:
            self.sent.extend(chunk)
            yield from chunk
            if self.prepared == self.n_rows:
                return
            before = self.answered
            chunk = self._prepare(_CHUNK_ROWS)
            on_answered(self.answered - before)

    def _prepare(self, rows: int) -> list[int]:
        """The next ``rows`` rows' keys and cached answers; returns those left to send."""
        first = self.prepared
        stop = self.prepared = self.n_rows if self.cache is None else min(first + rows, self.n_rows)
        responses = self.responses
        if self.cache is not None:
            keys, requests, samples = self.keys, self.requests, self.samples
            name, scope = self.adapter.name, self.scope
            for row in range(first, stop):
                if responses[row] is None:
                    keys[row] = request_key(name, requests[row], row % samples, scope)
            # the answers queued meanwhile are written by the runner's flush thread, not here
            asked = self._asked
            wanted = (k for k in keys[first:stop] if k is not None and k not in asked)
            hits = self.cache.get_many(wanted, damaged=self.damaged, queued=False)
            if hits:
                for row in range(first, stop):
                    key = keys[row]
                    if key is not None and key in hits:
                        responses[row] = _cached(hits[key])
        todo = [row for row in range(first, stop) if responses[row] is None]
        if self.cache is not None:
            self._asked.update(self.keys[row] for row in todo)  # type: ignore[misc]
        self.answered += (stop - first) - len(todo)
        return todo
