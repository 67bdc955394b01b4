"""The fake OpenAI-compatible server: a real HTTP server with deterministic answers."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from typing import Any

import pytest

from assay.testing import FakeOpenAI, closed_port, fake_reply, word_count


def post(url: str, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    request = urllib.request.Request(
        url, json.dumps(body).encode(), {"Content-Type": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def test_answers_are_deterministic_and_counted() -> None:
    with FakeOpenAI() as server:
        chat = {"messages": [{"role": "user", "content": "say hi twice"}]}
        status, body = post(f"{server.url}/chat/completions", chat)
        assert status == 200
        assert (
            body["choices"][0]["message"]["content"] == "SAY HI TWICE" == fake_reply("say hi twice")
        )
        assert body["usage"] == {"prompt_tokens": 3, "completion_tokens": 3}
        status, body = post(f"{server.url}/embeddings", {"input": "a b"})
        assert body["data"][0]["embedding"] == [3, word_count("a b")]
        assert server.requests == 2 and server.bodies[0] == chat


def test_failure_knobs_and_known_timing() -> None:
    with FakeOpenAI(delay_s=0.2) as server:
        server.fail_first, server.retry_after = 1, "3"
        status, body = post(f"{server.url}/completions", {"prompt": "x"})
        assert status == 429 and body["error"]["message"] == "slow down"
        started = time.monotonic()
        status, body = post(f"{server.url}/completions", {"prompt": "x"})
        assert status == 200 and body["choices"][0]["text"] == "X"
        assert time.monotonic() - started >= 0.2
        status, _ = post(f"{server.url}/completions", {"prompt": "SERVER_ERROR"})
        assert status == 500


def test_the_server_stops_when_the_block_ends() -> None:
    with FakeOpenAI() as server:
        url = server.url
    with pytest.raises(urllib.error.URLError):
        post(f"{url}/completions", {"prompt": "x"})
    with pytest.raises(urllib.error.URLError):
        post(f"http://127.0.0.1:{closed_port()}/v1/completions", {"prompt": "x"})
