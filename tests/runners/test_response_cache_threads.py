"""The response cache written from a worker thread while answers keep arriving in another."""

from __future__ import annotations

import sqlite3
import threading

import pytest

from assay.runners import ResponseCache


def answer(i: int) -> dict[str, object]:
    return {"output": f"A{i}", "tokens_in": i, "tokens_out": 1, "latency_ms": 0.5}


def test_answers_queued_while_another_thread_flushes_are_all_stored(tmp_path):
    cache = ResponseCache(tmp_path)
    done = threading.Event()
    flushes = [0]

    def flusher() -> None:
        while not done.is_set():
            cache.flush()
            flushes[0] += 1

    thread = threading.Thread(target=flusher)
    thread.start()
    try:
        for i in range(5_000):
            assert cache.put(f"k{i}", answer(i))
    finally:
        done.set()
        thread.join()
    cache.close()
    assert flushes[0] > 0
    with ResponseCache(tmp_path) as again:
        assert len(again) == 5_000
        found = again.get_many(f"k{i}" for i in range(5_000))
    assert found == {f"k{i}": answer(i) for i in range(5_000)}


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
