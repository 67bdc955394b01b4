"""The response cache written from a worker thread while answers keep arriving in another."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from typing import Any

import pytest

from assay.runners import OpenAIAdapter, ResponseCache, evaluate_suite_async
from assay.runners import _async_runner as runner_module
from assay.testing import QA_TEMPLATE, FakeOpenAI, qa_suite


def answer(i: int) -> dict[str, object]:
    return {"output": f"A{i}", "tokens_in": i, "tokens_out": 1, "latency_ms": 0.5}


def test_answers_queued_while_another_thread_flushes_are_all_stored(tmp_path):
    cache = ResponseCache(tmp_path)
    done = threading.Event()

    def flusher() -> None:
        while not done.is_set():
            cache.flush()

    thread = threading.Thread(target=flusher)
    thread.start()
    try:
        for i in range(5_000):
            assert cache.put(f"k{i}", answer(i))
    finally:
        done.set()
        thread.join()
    cache.close()
    with ResponseCache(tmp_path) as again:
        assert len(again) == 5_000
        found = again.get_many(f"k{i}" for i in range(5_000))
    assert found == {f"k{i}": answer(i) for i in range(5_000)}


class _FlushWatch(ResponseCache):
    """A cache that tells when a flush got past taking the queue, or had to wait for it."""

    def __init__(self, cache_dir: Any) -> None:
        super().__init__(cache_dir)
        self.flush_moved = threading.Event()
        self.flushing_thread: int | None = None
        self._queue_lock = _Watched(self)  # type: ignore[assignment]

    def flush(self) -> None:
        self.flushing_thread = threading.get_ident()
        super().flush()
        self.flush_moved.set()


class _Watched:
    """The queue's lock; a flush that finds it held says so before it waits."""

    def __init__(self, cache: _FlushWatch) -> None:
        self.cache = cache
        self.lock = threading.Lock()

    def __enter__(self) -> None:
        if threading.get_ident() == self.cache.flushing_thread:
            if self.lock.acquire(blocking=False):
                return
            self.cache.flush_moved.set()
        self.lock.acquire()

    def __exit__(self, *exc: object) -> None:
        self.lock.release()


class _HeldAppend(list):  # type: ignore[type-arg]
    """The queue; an append waits, once it has begun, until a flush has moved on."""

    def __init__(self, cache: _FlushWatch) -> None:
        super().__init__()
        self.cache = cache
        self.appending = threading.Event()

    def append(self, item: object) -> None:
        self.appending.set()
        self.cache.flush_moved.wait()
        super().append(item)


def test_an_answer_queued_while_a_flush_takes_the_queue_is_stored(tmp_path):
    # put() has begun appending when flush() takes the queue: the flush must wait for the
    # append (and write the answer) rather than take the queue and leave the answer behind
    cache = _FlushWatch(tmp_path)
    queue = _HeldAppend(cache)
    cache._pending = queue
    putter = threading.Thread(target=cache.put, args=("k", answer(1)))
    putter.start()
    queue.appending.wait()
    cache.flush()
    putter.join()
    cache.close()
    with ResponseCache(tmp_path) as again:
        assert again.get_many(["k"]) == {"k": answer(1)}


def test_the_runner_writes_answers_off_the_event_loops_thread(server: FakeOpenAI, tmp_path):
    # SQLite's writes and syncs must not stop the requests: the runner flushes in a thread
    # (thread, answers queued) of each flush but the last one, close's after the run
    writers: list[tuple[int, int]] = []

    class Recording(ResponseCache):
        closing = False

        def flush(self) -> None:
            if not self.closing:
                writers.append((threading.get_ident(), len(self._pending)))
            super().flush()

        def close(self) -> None:
            self.closing = True
            super().close()

    async def run() -> int:
        adapter = OpenAIAdapter(
            "fake-model", base_url=server.url, prompt_template=QA_TEMPLATE, concurrency=4
        )
        await evaluate_suite_async(qa_suite(40), adapter, cache_dir=tmp_path)
        return threading.get_ident()

    mp = pytest.MonkeyPatch()
    mp.setattr(runner_module, "ResponseCache", Recording)
    try:
        loop_thread = asyncio.run(run())
    finally:
        mp.undo()
    written = [thread for thread, queued in writers if queued]
    assert written and loop_thread not in written


def test_a_failed_flush_keeps_the_answers_queued_for_the_next(tmp_path):
    cache = ResponseCache(tmp_path)
    cache.put("a", answer(1))
    cache.flush()
    cache.put("b", answer(2))
    other = sqlite3.connect(cache.path, timeout=0)
    other.execute("BEGIN IMMEDIATE")  # another writer holds the file
    cache._db().execute("PRAGMA busy_timeout=0")
    with pytest.raises(sqlite3.OperationalError):
        cache.flush()
    other.execute("ROLLBACK")
    other.close()
    cache.put("c", answer(3))
    cache.close()
    with ResponseCache(tmp_path) as again:
        assert again.get_many(["a", "b", "c"]) == {"a": answer(1), "b": answer(2), "c": answer(3)}


def test_a_flush_from_another_thread_reaches_a_cache_opened_in_this_one(tmp_path):
    cache = ResponseCache(tmp_path)
    assert cache.get_many(["x"]) == {}  # the file is opened here
    cache.put("x", answer(7))
    errors: list[BaseException] = []

    def flush() -> None:
        try:
            cache.flush()
        except BaseException as exc:  # handed to the assertion below
            errors.append(exc)

    thread = threading.Thread(target=flush)
    thread.start()
    thread.join()
    assert errors == []
    assert cache.get_many(["x"]) == {"x": answer(7)}
    cache.close()
