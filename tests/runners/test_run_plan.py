"""The runner prepares its requests a chunk at a time while the first ones are in flight.

Against the real fake server on loopback: the first requests leave before the last example's
request is built; cached answers found in a later chunk are used and counted; unreadable
cache entries spread over chunks are reported once; an adapter that fails on a later example
stops the run and keeps the answers received before it.
"""

from __future__ import annotations

import sqlite3
import warnings
from typing import Any

import pytest

import assay
from assay.errors import AssayWarning, DataError
from assay.runners import OpenAIAdapter, ResponseCache, evaluate_suite
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


def test_the_first_requests_leave_before_the_last_example_is_prepared(server, big):
    adapter = Watched(server, concurrency=2)
    records = evaluate_suite(big, adapter)
    assert records.num_rows == N and server.requests == N
    assert adapter.seen_at_build[0] == 0
    # the second chunk is prepared once the workers took the first chunk's four requests,
    # each after an answer: the server had answered at least three by then
    assert adapter.seen_at_build[-1] >= 3
    assert len(adapter.seen_at_build) == N  # every request built once


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


def test_an_adapter_failing_on_a_later_example_stops_the_run_and_keeps_the_answers(
    server, big, tmp_path
):
    adapter = Watched(server, concurrency=2, fail_on="q0020")
    with pytest.raises(RuntimeError, match="adapter bug"):
        evaluate_suite(big, adapter, cache_dir=tmp_path)
    with ResponseCache(tmp_path) as cache:
        kept = len(cache)
    assert 3 <= kept < N  # the first chunk's answers that arrived, cached for the next run
    server.reset()
    evaluate_suite(big, Watched(server, concurrency=2), cache_dir=tmp_path)
    assert server.requests == N - kept


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
