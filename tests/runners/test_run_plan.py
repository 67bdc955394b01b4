"""The runner builds every request first, then looks them up in the response cache a chunk
at a time while the first ones are in flight.

Against the real fake server on loopback: the first requests leave before the last rows are
looked up; cached answers found in a later chunk are used and counted; unreadable cache
entries spread over chunks are reported once; an adapter that fails on a later example stops
the run before any request; a request asked again in a later chunk is sent again; a cached
beginning is looked up in a few chunks; a run cancelled as its cache closes stops once the
cache is closed.
"""

from __future__ import annotations

import asyncio
import sqlite3
import time
import warnings
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

import assay
from assay.errors import AssayWarning, DataError
from assay.runners import OpenAIAdapter, ResponseCache, evaluate_suite
from assay.runners._cache import request_key
from assay.runners._tasks import example_fields
from assay.testing import QA_TEMPLATE, FakeOpenAI, qa_examples

N = 40


class Watched(OpenAIAdapter):
    """An OpenAI adapter that notes how many requests the server had seen as each request
    was built, and may fail on one example (as an adapter with a bug would)."""

    def __init__(self, server: FakeOpenAI, *, fail_on: str | None = None, **kw: Any) -> None:
        super().__init__("fake-model", base_url=server.url, prompt_template=QA_TEMPLATE, **kw)
        self.server = server
        self.fail_on = fail_on
        self.seen_at_build: list[int] = []

    def build_request(self, example: Any, sample_index: int) -> dict[str, Any]:
        if example["example_id"] == self.fail_on:
            raise RuntimeError("adapter bug")
        self.seen_at_build.append(self.server.requests)
        return super().build_request(example, sample_index)


@pytest.fixture
def big() -> assay.SuiteData:
    return assay.make_suite(
        "plan", qa_examples(N), metrics=[{"name": "match", "scorer": "exact_match"}]
    )


def test_the_first_requests_leave_before_the_last_rows_are_looked_up(
    server, big, tmp_path, monkeypatch
):
    seen_at_lookup: list[int] = []
    get_many = ResponseCache.get_many

    def noted(self: ResponseCache, keys: Any, **kw: Any) -> Any:
        seen_at_lookup.append(server.requests)
        return get_many(self, keys, **kw)

    monkeypatch.setattr(ResponseCache, "get_many", noted)
    adapter = Watched(server, concurrency=2)
    records = evaluate_suite(big, adapter, cache_dir=tmp_path)
    assert records.num_rows == N and server.requests == N
    assert adapter.seen_at_build == [0] * N  # every request built once, before any was sent
    assert seen_at_lookup[0] == 0
    # the second chunk is looked up once the workers took the first chunk's four requests,
    # each after an answer: the server had answered at least three by then
    assert len(seen_at_lookup) >= 2 and seen_at_lookup[-1] >= 3


def test_cached_answers_in_a_later_chunk_are_used_and_counted(server, big, tmp_path):
    first = evaluate_suite(big, Watched(server, concurrency=2), cache_dir=tmp_path)
    with sqlite3.connect(tmp_path / "responses.sqlite") as db:
        keys = [k for (k,) in db.execute("SELECT key FROM responses_v1 ORDER BY key")]
        db.execute(f"DELETE FROM responses_v1 WHERE key IN ({','.join('?' * 5)})", keys[:5])
    db.close()
    server.reset()
    seen: list[tuple[int, int]] = []
    again = evaluate_suite(
        big,
        Watched(server, concurrency=2),
        cache_dir=tmp_path,
        on_progress=lambda done, total: seen.append((done, total)),
    )
    assert server.requests == 5  # only the deleted answers, wherever their chunk
    assert seen[-1] == (N, N)
    assert again.column("output").to_pylist() == first.column("output").to_pylist()
    assert again.column("example_id").to_pylist() == first.column("example_id").to_pylist()


def test_unreadable_entries_in_several_chunks_are_reported_once(server, big, tmp_path):
    evaluate_suite(big, Watched(server, concurrency=1), cache_dir=tmp_path)
    with sqlite3.connect(tmp_path / "responses.sqlite") as db:
        db.execute("UPDATE responses_v1 SET value = '[1, 2]'")  # every entry, every chunk
    db.close()
    server.reset()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        evaluate_suite(big, Watched(server, concurrency=1), cache_dir=tmp_path)
    damaged = [w for w in caught if issubclass(w.category, AssayWarning)]
    assert len(damaged) == 1
    assert f"holds {N} entries that cannot be read" in str(damaged[0].message)
    assert server.requests == N


def test_an_adapter_failing_on_a_later_example_stops_the_run_before_any_request(
    server, big, tmp_path
):
    adapter = Watched(server, concurrency=2, fail_on="q0030")
    with pytest.raises(RuntimeError, match="adapter bug"):
        evaluate_suite(big, adapter, cache_dir=tmp_path)
    assert server.requests == 0  # nothing paid for before the bug showed
    assert not (tmp_path / "responses.sqlite").exists()


def test_an_example_whose_request_cannot_be_built_fails_alone_in_any_chunk(server, big):
    class Picky(Watched):
        def build_request(self, example: Any, sample_index: int) -> dict[str, Any]:
            if example["example_id"] in ("q0001", "q0030"):
                raise DataError("too long for this model")
            return super().build_request(example, sample_index)

    records = evaluate_suite(big, Picky(server, concurrency=2), samples=2)
    ids = records.column("example_id").to_pylist()
    errors = records.column("error").to_pylist()
    failed = [i for i, e in zip(ids, errors, strict=True) if e is not None]
    assert failed == ["q0001", "q0001", "q0030", "q0030"]  # both samples of each
    assert records.num_rows == 2 * N
    assert server.requests == 2 * (N - 2)


def test_a_request_asked_again_in_a_later_chunk_is_sent_again(server, big, tmp_path):
    # example 30 asks what example 0 asks: both are sent, as when every key was looked up
    # before the first request, not the answer this run cached meanwhile (timing-dependent)
    examples = qa_examples(N)
    examples[30] = {**examples[0], "example_id": examples[30]["example_id"]}
    data = assay.make_suite("dup", examples, metrics=[{"name": "m", "scorer": "exact_match"}])
    slow = FakeOpenAI(delay_s=0.02).start()
    try:
        records = evaluate_suite(data, Watched(slow, concurrency=2), cache_dir=tmp_path)
        assert slow.requests == N
    finally:
        slow.stop()
    assert records.column("output")[30] == records.column("output")[0]


def test_a_cached_beginning_is_looked_up_in_a_few_chunks(server, tmp_path, monkeypatch):
    # a resumed run whose first 2,000 examples are cached: not 1,000 lookups of two keys
    data = assay.make_suite(
        "resume", qa_examples(2100), metrics=[{"name": "m", "scorer": "exact_match"}]
    )
    evaluate_suite(data, Watched(server, concurrency=1), cache_dir=tmp_path)
    adapter = Watched(server, concurrency=1)
    fields = example_fields(data.examples, data.suite.slice_names)
    late = [
        request_key(adapter.name, adapter.build_request(f, 0), 0, adapter.cache_scope)
        for f in fields[2000:]
    ]
    with sqlite3.connect(tmp_path / "responses.sqlite") as db:
        db.executemany("DELETE FROM responses_v1 WHERE key = ?", [(k,) for k in late])
        assert db.execute("SELECT count(*) FROM responses_v1").fetchone()[0] == 2000
    db.close()
    lookups = []
    get_many = ResponseCache.get_many

    def counted(self: ResponseCache, keys: Any, **kw: Any) -> Any:
        lookups.append(1)
        return get_many(self, keys, **kw)

    monkeypatch.setattr(ResponseCache, "get_many", counted)
    server.reset()
    evaluate_suite(data, Watched(server, concurrency=1), cache_dir=tmp_path)
    assert server.requests == 100
    assert len(lookups) <= 20  # 1,000 in chunks of two


def _cancelled_as_records_are_built(
    big: assay.SuiteData, server: FakeOpenAI, tmp_path: Any, monkeypatch: Any, busy: bool
) -> tuple[list[ResponseCache], float, dict[str, float]]:
    """Run, cancel the run just as its records are built (the cache closing on a thread), and
    return the run's caches, when the run ended, and when its cache closed."""
    from assay.runners import _async_runner, evaluate_suite_async

    caches: list[ResponseCache] = []
    closed: dict[str, float] = {}
    init, close, finish = ResponseCache.__init__, ResponseCache.close, _async_runner._finish
    task: list[asyncio.Task[Any]] = []

    def noted(self: ResponseCache, *a: Any) -> None:
        init(self, *a)
        caches.append(self)

    def slow_close(self: ResponseCache) -> None:
        time.sleep(0.2)  # a checkpoint and a sync of a large file
        close(self)
        closed.setdefault("at", time.monotonic())

    def cancelling(*a: Any) -> Any:
        task[0].cancel()
        return finish(*a)

    monkeypatch.setattr(ResponseCache, "__init__", noted)
    monkeypatch.setattr(ResponseCache, "close", slow_close)
    monkeypatch.setattr(_async_runner, "_finish", cancelling)

    async def main() -> float:
        loop = asyncio.get_running_loop()
        pool = ThreadPoolExecutor(max_workers=1)
        loop.set_default_executor(pool)
        adapter = Watched(server, concurrency=2)
        task.append(asyncio.ensure_future(evaluate_suite_async(big, adapter, cache_dir=tmp_path)))
        if busy:  # the application's own work holds the executor's thread at the end
            real = _async_runner._finish

            def occupy(*a: Any) -> Any:
                pool.submit(time.sleep, 0.5)
                return real(*a)

            monkeypatch.setattr(_async_runner, "_finish", occupy)
        with pytest.raises(asyncio.CancelledError):
            await task[0]
        return time.monotonic()

    ended = asyncio.run(main())
    return caches, ended, closed


def test_a_run_cancelled_while_its_cache_closes_stops_once_it_is_closed(
    server, big, tmp_path, monkeypatch
):
    caches, ended, closed = _cancelled_as_records_are_built(
        big, server, tmp_path, monkeypatch, busy=False
    )
    assert closed["at"] <= ended  # no thread writes the file once the run has stopped
    assert all(c._conn is None and not c._pending for c in caches)
    with ResponseCache(tmp_path) as cache:
        assert len(cache) == N


def test_a_run_cancelled_before_its_cache_closes_closes_it(server, big, tmp_path, monkeypatch):
    caches, ended, closed = _cancelled_as_records_are_built(
        big, server, tmp_path, monkeypatch, busy=True
    )
    assert closed["at"] <= ended
    assert all(c._conn is None and not c._pending for c in caches)
    with ResponseCache(tmp_path) as cache:
        assert len(cache) == N
