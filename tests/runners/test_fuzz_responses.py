"""Hostile answer bodies from a real server on loopback: each is a record or that example's error.

Every body below is what the fake server sends, byte for byte, with status 200. The run must
end quickly with one record per example whose text is valid Unicode, whose error (if any) is
short, and which goes through the response cache and back unchanged.
"""

from __future__ import annotations

import json
import random
import time
from collections.abc import Iterator
from pathlib import Path

import pyarrow as pa
import pytest

import assay
from assay.runners import OpenAIAdapter, evaluate_suite
from assay.testing import FakeOpenAI

ALWAYS = {"accuracy": lambda o, r: 1.0}
GOOD = (
    b'{"choices": [{"index": 0, "message": {"role": "assistant", "content": "fine"}}],'
    b' "usage": {"prompt_tokens": 2, "completion_tokens": 1}}'
)


def chat(content: bytes, usage: bytes = b'{"prompt_tokens": 1, "completion_tokens": 1}') -> bytes:
    return b'{"choices": [{"message": {"content": ' + content + b'}}], "usage": ' + usage + b"}"


HOSTILE: dict[str, bytes] = {
    "empty": b"",
    "not json": b"<html>502 Bad Gateway</html>",
    "truncated": b'{"choices": [',
    "binary": bytes(range(256)),
    "null": b"null",
    "list": b"[]",
    "number": b"42",
    "string": b'"an answer"',
    "no choices": b"{}",
    "empty choices": b'{"choices": []}',
    "choices a mapping": b'{"choices": {"0": {"message": {"content": "x"}}}}',
    "choices a string": b'{"choices": "abc"}',
    "null choice": b'{"choices": [null]}',
    "null message": b'{"choices": [{"message": null}]}',
    "null content": chat(b"null"),
    "number content": chat(b"42"),
    "list content": chat(b'["a", "b"]'),
    "mapping content": chat(b'{"text": "a"}'),
    "NaN content": chat(b"NaN"),
    "deeply nested content": chat(b"[" * 500 + b"]" * 500),
    "deeply nested body": b"[" * 200_000 + b"]" * 200_000,
    "huge number": chat(b"1" * 10_000),
    "huge content": chat(b'"' + b"x" * 5_000_000 + b'"'),
    "escaped control characters": chat(b'"\\u0000\\u0007\\u001b[31mred\\r\\n"'),
    "raw control characters": chat(b'"a\x00b\x1b"'),
    "invalid UTF-8 in content": chat(b'"a\xff\xfe\xc3b"'),
    "lone high surrogate": chat(b'"\\ud800"'),
    "lone low surrogate": chat(b'"x\\udc00y"'),
    "reversed pair": chat(b'"\\udc00\\ud800"'),
    "surrogate in a key": b'{"choices": [{"message": {"content": "k", "\\ud800": 1}}]}',
    "byte order mark": b"\xef\xbb\xbf" + GOOD,
    "usage of wrong types": chat(b'"u"', b'{"prompt_tokens": "12", "completion_tokens": true}'),
    "usage out of range": chat(b'"u"', b'{"prompt_tokens": 1e400, "completion_tokens": -3}'),
    "usage too large": chat(b'"u"', b'{"prompt_tokens": 100000000000000000000000000000}'),
    "usage a list": chat(b'"u"', b"[1, 2]"),
    "duplicate keys": chat(b'"first", "content": "second"'),
}

EMBEDDINGS: dict[str, bytes] = {
    "no data": b"{}",
    "empty data": b'{"data": []}',
    "null data": b'{"data": null}',
    "text vector": b'{"data": [{"embedding": ["a", "b"]}]}',
    "nested vector": b'{"data": [{"embedding": [[1, 2]]}]}',
    "boolean vector": b'{"data": [{"embedding": [true, false]}]}',
    "null item": b'{"data": [null]}',
    "vector of NaN": b'{"data": [{"embedding": [NaN, Infinity]}]}',
}


@pytest.fixture(scope="module")
def shared_server() -> Iterator[FakeOpenAI]:
    with FakeOpenAI() as srv:
        yield srv


def one_example() -> assay.SuiteData:
    return assay.make_suite(
        "fuzz", [{"example_id": "a", "input": "a prompt"}], metrics=["accuracy"]
    )


def run_with(server: FakeOpenAI, body: bytes, cache: Path, endpoint: str = "chat") -> pa.Table:
    server.raw_body = body
    adapter = OpenAIAdapter(
        "fake-model", base_url=server.url, endpoint=endpoint, max_retries=0, timeout_s=10.0
    )  # type: ignore[arg-type]
    t0 = time.monotonic()
    records = evaluate_suite(one_example(), adapter, scorers=ALWAYS, cache_dir=cache)
    assert time.monotonic() - t0 < 10
    assert records.num_rows == 1
    (record,) = records.to_pylist()
    json.dumps(record, ensure_ascii=False).encode("utf-8")  # every text is valid Unicode
    if record["error"] is None:
        assert isinstance(record["output"], str)
    else:
        assert record["output"] is None and len(record["error"]) < 1_000
    for count in ("tokens_in", "tokens_out"):
        assert record[count] is None or 0 <= record[count] < 2**63
    return records


def check_cached(server: FakeOpenAI, body: bytes, cache: Path, endpoint: str = "chat") -> None:
    first = run_with(server, body, cache, endpoint)
    server.reset()
    again = run_with(server, b"not json any more", cache, endpoint)
    if first.column("error")[0].as_py() is None:
        assert server.requests == 0  # the answer came back from the cache, unchanged
        assert again.drop_columns(["latency_ms"]).equals(first.drop_columns(["latency_ms"]))
    else:
        assert server.requests == 1  # errors are not cached


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_chat_bodies(shared_server, tmp_path, name):
    check_cached(shared_server, HOSTILE[name], tmp_path)


@pytest.mark.parametrize("name", sorted(EMBEDDINGS))
def test_hostile_embedding_bodies(shared_server, tmp_path, name):
    check_cached(shared_server, EMBEDDINGS[name], tmp_path, endpoint="embeddings")


def test_what_each_hostile_body_becomes(shared_server, tmp_path):
    def outcome(name: str) -> tuple[str | None, str | None]:
        (record,) = run_with(shared_server, HOSTILE[name], tmp_path / name).to_pylist()
        return record["output"], record["error"]

    assert outcome("lone high surrogate") == ("\ufffd", None)
    assert outcome("reversed pair") == ("\ufffd\ufffd", None)
    assert outcome("invalid UTF-8 in content") == ("a\ufffd\ufffd\ufffdb", None)
    assert outcome("escaped control characters") == ("\x00\x07\x1b[31mred\r\n", None)
    assert outcome("byte order mark") == ("fine", None)
    assert outcome("huge content")[0] == "x" * 5_000_000
    assert outcome("null content")[1].startswith(
        "unexpected response shape: no choices[0].message.content (found null)"
    )
    assert outcome("number content")[1].startswith(
        "unexpected response shape: no choices[0].message.content (found int)"
    )
    assert outcome("deeply nested body")[1].startswith("malformed JSON response: ")
    assert outcome("huge number")[1].startswith("malformed JSON response: ")
    assert outcome("raw control characters")[1].startswith("malformed JSON response: ")
    usage = run_with(shared_server, HOSTILE["usage out of range"], tmp_path / "u").to_pylist()
    assert (usage[0]["output"], usage[0]["tokens_in"], usage[0]["tokens_out"]) == ("u", None, None)


def mutate(body: bytes, rng: random.Random) -> bytes:
    pieces = [b"\\ud800", b"\xff", b"[", b"]", b"{", b'"', b"\x00", b"null", b",", b"\\"]
    data = bytearray(body)
    for _ in range(rng.randint(1, 6)):
        where = rng.randrange(len(data) + 1)
        kind = rng.random()
        if kind < 0.4:
            data[where:where] = rng.choice(pieces)
        elif kind < 0.7:
            del data[where : where + rng.randint(1, 8)]
        elif data:
            data[min(where, len(data) - 1)] = rng.randrange(256)
    return bytes(data)


@pytest.mark.parametrize("seed", range(4))
def test_randomly_mangled_bodies(shared_server, tmp_path, seed):
    rng = random.Random(seed)
    for i in range(15):
        run_with(shared_server, mutate(GOOD, rng), tmp_path / str(i))


def test_an_answer_over_64_mib_is_refused_unread(shared_server, tmp_path):
    body = chat(b'"' + b"x" * (64 * 2**20) + b'"')
    (record,) = run_with(shared_server, body, tmp_path).to_pylist()
    assert record["error"] == f"HTTP 200: the answer is larger than {64 * 2**20} bytes"
