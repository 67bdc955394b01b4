"""The runner's per-request shortcuts give exactly what the general code gives: answers, outcomes,
cached JSON, the request on the wire, and the garbage collector's settings after a run."""

from __future__ import annotations

import asyncio
import dataclasses
import gc
import json
import pickle
import random
import socket
import sqlite3
import threading
import weakref

import pytest

from assay._util import quiet_collector
from assay.runners import OpenAIAdapter, evaluate_suite
from assay.runners._cache import _VALUE_JSON, ResponseCache, _plain_answer_json
from assay.runners._responses import ModelResponse, _cached, answered
from assay.runners.adapters._http import HttpOutcome, _decoded
from assay.testing import QA_TEMPLATE


def test_answered_is_the_constructors_object():
    fast, slow = answered("out", 3, None, 12.5), ModelResponse("out", 3, None, 12.5)
    assert fast == slow and hash(fast) == hash(slow) and repr(fast) == repr(slow)
    assert list(vars(fast).items()) == list(vars(slow).items())
    assert pickle.loads(pickle.dumps(fast)) == slow
    assert dataclasses.replace(fast, output="x") == ModelResponse("x", 3, None, 12.5)
    with pytest.raises(dataclasses.FrozenInstanceError):
        fast.output = "changed"  # type: ignore[misc]
    stored = {"output": "out", "tokens_in": 3, "tokens_out": None, "latency_ms": 12.5}
    assert _cached(stored) == slow


def test_decoded_is_the_constructors_outcome():
    fast = _decoded({"a": [1]}, 4.0, 2, b'{"a": [1]}')
    slow = HttpOutcome({"a": [1]}, None, 4.0, 2, raw=b'{"a": [1]}')
    assert fast == slow and repr(fast) == repr(slow)
    assert list(vars(fast).items()) == list(vars(slow).items())
    assert fast.snippet == slow.snippet


def _answers(rng: random.Random, n: int) -> list[dict[str, object]]:
    texts = [
        "",
        "plain",
        'q"u\\o\te\n\x00\x1f\x7f',
        "héllo ☃ 𝄞",
        "\u2028\u2029",
        "\ud800",
        "\udc00x",
    ]
    floats = [0.0, -0.0, 1e300, 5e-324, float("nan"), float("inf"), -float("inf"), 1 / 3]
    counts = [None, 0, 7, 2**70, -1, 10**5000]
    out = []
    for _ in range(n):
        text = rng.choice(texts) + "".join(chr(rng.randrange(0x11000)) for _ in range(3))
        latency = rng.choice([*floats, rng.uniform(0, 1e4)])
        out.append(
            {
                "output": text,
                "tokens_in": rng.choice(counts),
                "tokens_out": rng.choice(counts),
                "latency_ms": latency,
            }
        )
    return out


def test_plain_answer_json_is_the_encoders_text():
    for value in _answers(random.Random(7), 3000):
        try:
            expected: str | None = _VALUE_JSON.encode(value)
            assert expected is not None
            expected.encode("utf-8")
        except ValueError:  # a lone surrogate, an int of too many digits: put stores nothing
            expected = None
        assert _plain_answer_json(value) == expected
        if expected is not None:
            assert expected == json.dumps(value, ensure_ascii=False)


@pytest.mark.parametrize(
    "value",
    [
        {"output": ["a"], "tokens_in": 1, "tokens_out": 1, "latency_ms": 1.0},
        {"output": "a", "tokens_in": True, "tokens_out": 1, "latency_ms": 1.0},
        {"output": "a", "tokens_in": 1, "tokens_out": 1, "latency_ms": 1},
        {"tokens_in": 1, "output": "a", "tokens_out": 1, "latency_ms": 1.0},
        {"output": "a", "tokens_in": 1, "tokens_out": 1, "latency_ms": 1.0, "more": 1},
    ],
)
def test_other_shapes_take_the_general_path(value, tmp_path):
    assert _plain_answer_json(value) is None
    with ResponseCache(tmp_path) as cache:
        assert cache.put("k", value)
    with sqlite3.connect(tmp_path / "responses.sqlite") as db:
        stored = db.execute("SELECT value FROM responses_v1").fetchone()[0]
    assert stored == json.dumps(value, ensure_ascii=False)


def test_cached_rows_are_the_encoders_text(tmp_path):
    answers = _answers(random.Random(11), 400)
    with ResponseCache(tmp_path) as cache:
        kept = [cache.put(f"k{i}", a) for i, a in enumerate(answers)]
    with sqlite3.connect(tmp_path / "responses.sqlite") as db:
        rows = dict(db.execute("SELECT key, value FROM responses_v1"))
    for i, (answer, ok) in enumerate(zip(answers, kept, strict=True)):
        assert rows.get(f"k{i}") == (json.dumps(answer, ensure_ascii=False) if ok else None)
    assert not all(kept) and any(kept)  # the lone surrogates are refused, the rest stored


def test_the_collector_is_put_back_after_overlapping_runs():
    before = gc.get_threshold()
    with quiet_collector():
        assert gc.get_threshold()[0] >= 200_000
        with quiet_collector():
            pass
        assert gc.get_threshold()[0] >= 200_000  # the outer run is still under way
    assert gc.get_threshold() == before


class _Cycle:
    def __init__(self) -> None:
        self.me = self


def test_a_run_freezes_nothing_so_its_garbage_is_collected():
    # a run may be one of many in a long-lived process: nothing is left out of the passes
    frozen = gc.get_freeze_count()
    with quiet_collector():
        assert gc.get_freeze_count() == frozen
        cycle = _Cycle()
        gone = weakref.ref(cycle)
        del cycle
    gc.collect()
    assert gone() is None and gc.get_freeze_count() == frozen


def test_a_run_keeps_automatic_collection_off_where_it_was():
    before = gc.get_threshold()
    gc.set_threshold(0, *before[1:])  # a threshold of 0 turns automatic collection off
    try:
        with quiet_collector():
            assert gc.get_threshold()[0] == 0
    finally:
        gc.set_threshold(*before)


def test_a_run_leaves_the_collector_as_it_was(server, suite):
    before = gc.get_threshold()
    model = OpenAIAdapter("m", base_url=server.url, prompt_template=QA_TEMPLATE)
    records = evaluate_suite(suite, model)
    assert records.column("error").null_count == records.num_rows
    assert gc.get_threshold() == before and gc.get_freeze_count() == 0

    async def two_at_once() -> None:
        await asyncio.gather(*(asyncio.to_thread(evaluate_suite, suite, model) for _ in "ab"))

    asyncio.run(two_at_once())
    assert gc.get_threshold() == before and gc.get_freeze_count() == 0


def _raw_request_heads(api_key: str | None) -> list[bytes]:
    heads: list[bytes] = []
    listener = socket.create_server(("127.0.0.1", 0))

    def serve() -> None:
        answer = b'{"choices": [{"message": {"content": "hi"}}], "usage": {}}'
        for _ in range(2):
            conn, _ = listener.accept()
            with conn:
                data = b""
                while b"\r\n\r\n" not in data:
                    data += conn.recv(65536)
                heads.append(data.split(b"\r\n\r\n")[0])
                conn.sendall(
                    b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                    b"Connection: close\r\nContent-Length: %d\r\n\r\n%s" % (len(answer), answer)
                )

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    port = listener.getsockname()[1]
    model = OpenAIAdapter(
        "m", base_url=f"http://127.0.0.1:{port}/v1", api_key=api_key, api_key_env="ASSAY_NO_KEY"
    )
    try:
        assert model.predict(["one", "two"]) == ["hi", "hi"]
    finally:
        thread.join(10)
        listener.close()
    return heads


@pytest.mark.parametrize("api_key", [None, "sk-wire"])
def test_the_request_head_is_as_aiohttp_writes_a_requests_own_header(api_key):
    for head in _raw_request_heads(api_key):
        names = [line.split(b":")[0].lower() for line in head.split(b"\r\n")[1:]]
        expected = [b"host", b"content-type", b"accept", b"accept-encoding", b"user-agent"]
        if api_key:
            expected.insert(1, b"authorization")
        assert names == [*expected, b"content-length"]
        assert b"\r\nContent-Type: application/json\r\n" in head
