"""A run's requests, prepared a chunk of examples at a time while the first ones are in flight.

Preparing an example (its fields, its request, its cache key, the cache lookup) costs a few
microseconds; for a suite of 10,000 examples that was 50-70 ms before the first request left.
The runner prepares a first chunk of about two requests per worker, starts sending, and
prepares each further chunk when the workers have taken every request of the one before:
the event loop does that work while the first answers are on their way.
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

_CHUNK_ROWS = 1024
"""Requests prepared at once after the first chunk."""


class RunPlan:
    """Every row (an example and one of its samples) of a run: its request, cache key and
    response, filled in chunk by chunk (see the module). Rows are numbered in suite order,
    the samples of an example together."""

    def __init__(
        self, data: SuiteData, adapter: Any, samples: int, cache: ResponseCache | None
    ) -> None:
        self.examples = data.examples
        self.slices = data.suite.slice_names
        self.adapter = adapter
        self.samples = samples
        self.cache = cache
        self.scope = getattr(adapter, "cache_scope", None)
        self.n_rows = self.examples.num_rows * samples
        self.fields: list[dict[str, Any]] = []
        self.requests: list[Any] = [None] * self.n_rows
        self.keys: list[str | None] = [None] * self.n_rows
        self.responses: list[ModelResponse | None] = [None] * self.n_rows
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
        while not self._first and len(self.fields) < self.examples.num_rows:
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
            if len(self.fields) == self.examples.num_rows:
                return
            before = self.answered
            chunk = self._prepare(_CHUNK_ROWS)
            on_answered(self.answered - before)

    def _prepare(self, rows: int) -> list[int]:
        """The next examples' rows (about ``rows`` of them): their requests, keys and cached
        answers; returns those left to send."""
        samples = self.samples
        start = len(self.fields)
        count = min(max(1, rows // samples), self.examples.num_rows - start)
        self.fields.extend(example_fields(self.examples.slice(start, count), self.slices))
        first, stop = start * samples, (start + count) * samples
        requests, keys, responses, fields = self.requests, self.keys, self.responses, self.fields
        for row in range(first, stop):
            try:
                requests[row] = self.adapter.build_request(fields[row // samples], row % samples)
            except DataError as exc:
                responses[row] = ModelResponse(error=str(exc))
        if self.cache is not None:
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
            self._asked.update(keys[row] for row in todo)  # type: ignore[misc]
        self.answered += (stop - first) - len(todo)
        return todo
