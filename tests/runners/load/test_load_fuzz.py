"""Hostile input: any objective text and any streamed body end in a clear error, never a crash."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from streaming_server import StreamingServer

from assay.errors import ConfigError
from assay.runners.load import parse_objective, run_load


@pytest.fixture(scope="module")
def server() -> Iterator[StreamingServer]:
    with StreamingServer() as s:
        yield s


_EVENTS = st.sampled_from(
    [b"data: [DONE]\n\n", b"data: {}\n\n", b'data: {"choices": [{"delta": {"content": "x"}}]}\n\n',
     b'data: {"usage": {"completion_tokens": -3}}\n\n', b"data: [1, 2]\n\n", b": keep-alive\n\n",
     b"data: \xff\xfe\n\n", b"event: x\n", b"\n"]
)  # fmt: skip


@given(st.text(max_size=40))
def test_any_objective_text_parses_or_says_why(text: str) -> None:
    try:
        objective = parse_objective(text)
    except ConfigError as exc:
        assert str(exc)
    else:
        assert objective.threshold >= 0 and objective.op in ("<=", ">=")


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.one_of(_EVENTS, st.binary(max_size=30)), max_size=8))
def test_any_streamed_body_becomes_a_timing_or_an_error_kind(
    server: StreamingServer, parts: list[bytes]
) -> None:
    server.raw = b"".join(parts)
    result = asyncio.run(run_load(server.url, ["hi"], concurrency=1, requests=1, timeout_s=5))
    (timing,) = result.timings
    assert timing.error in (None, "malformed_sse", "stream_truncated", "empty")
    if timing.ok:
        assert timing.output_tokens >= 1 and len(timing.chunk_times_s) >= 1
