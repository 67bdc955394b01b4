"""The streamed-answer parser against a straightforward reference, on generated SSE streams."""

from __future__ import annotations

import itertools
import json
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from assay.runners.adapters._openai_parse import count_tokens
from assay.runners.load._sse import MAX_LINE, SseStream


def _reference(reads: list[bytes], times: list[float]) -> tuple[Any, ...]:
    """Line by line, as the SSE format reads: decode each ``data:`` event, then look inside."""
    chunks: list[float] = []
    usage: tuple[int | None, int | None] = (None, None)
    buffer = b""

    def handle(line: bytes, now: float) -> str | None:
        nonlocal usage
        if len(line) > MAX_LINE:
            return "malformed_sse"
        text = line.strip()
        if not text.startswith(b"data:"):
            return None
        payload = text[5:].strip()
        if payload == b"[DONE]":
            return "done"
        try:
            event = json.loads(payload)
        except (ValueError, UnicodeDecodeError):
            return "malformed_sse"
        if not isinstance(event, dict):
            return "malformed_sse"
        choices = event.get("choices")
        if isinstance(choices, list) and choices and isinstance(choices[0], dict):
            first = choices[0]
            delta = first.get("delta")
            piece = delta.get("content") if isinstance(delta, dict) else first.get("text")
            if piece is None and isinstance(first.get("message"), dict):
                piece = first["message"].get("content")
            if isinstance(piece, str) and piece:
                chunks.append(now)
        if event.get("usage"):
            u = event["usage"]
            usage = (
                (count_tokens(u.get("prompt_tokens")), count_tokens(u.get("completion_tokens")))
                if isinstance(u, dict)
                else (None, None)
            )
        return None

    outcome = None
    for data, now in zip(reads, times, strict=True):
        *lines, buffer = (buffer + data).split(b"\n")
        outcome = next((o for x in lines if (o := handle(x, now))), None)
        if outcome is None and len(buffer) > MAX_LINE:
            outcome = "malformed_sse"
        if outcome is not None:
            break
    if outcome is None and buffer:
        outcome = handle(buffer, times[-1] + 1)
    return outcome, chunks, usage


def _fast(reads: list[bytes], times: list[float]) -> tuple[Any, ...]:
    sse = SseStream()
    outcome = None
    for data, now in zip(reads, times, strict=True):
        outcome = sse.feed(data, now)
        if outcome is not None:
            break
    if outcome is None:
        outcome = sse.finish(times[-1] + 1)
    return outcome, sse.chunks, sse.usage


def _event(obj: Any, *, ascii_only: bool = True) -> bytes:
    return b"data: " + json.dumps(obj, ensure_ascii=ascii_only).encode()


# events whose token string is raw bytes, in shapes that look like a template and are not
_SHAPES = [
    b'{"id":"c1","choices":[{"index":0,"delta":{"content":"%s"},"finish_reason":null}]}',
    b'{"choices": [{"delta": {"content": "%s"}}], "usage": {"completion_tokens": 4}}',
    b'{"choices":[{"text":"%s","finish_reason":"stop"}]}',
    b'{"choices":[{"delta":{"content":"%s","content":"b"}}]}',
    b'{"x":{"content":"%s"},"choices":[{"delta":{"content":"a"}}]}',
    b'{"choices":[{"delta":{"content":"%s"}}],"usage":{"prompt_tokens":"%s"}}',
    b'{"choices":[{"delta":{"role":"assistant","content" :\t"%s"}}]}',
    b'{"choices":[{"message":{"content":"%s"}}]}',
    b'{"choices":[{"delta":{"content":"%s"}}]',
    b'[{"content":"%s"}]',
]
_spans = st.one_of(
    st.sampled_from([b"", b"tok", b" ", b"\\n", b'\\"', b"\\u00e9", b"\\x", b"\xc3\xa9",
                     b"\xed\xa0\x80", b"\xff", b"\x01", b"\x7f", b'"', b"%s"]),
    st.binary(max_size=4),
    st.text(max_size=4).map(str.encode),
)  # fmt: skip
_raw_events = st.builds(
    lambda shape, span: b"data: " + shape.replace(b"%s", span), st.sampled_from(_SHAPES), _spans
)


_piece = st.one_of(st.none(), st.just(""), st.text(max_size=5), st.integers(), st.just([]))
_usage_obj = st.one_of(
    st.none(),
    st.just({}),
    st.fixed_dictionaries(
        {},
        optional={
            "prompt_tokens": st.one_of(st.integers(-3, 50), st.text(max_size=3)),
            "completion_tokens": st.one_of(st.integers(-3, 50), st.floats(0, 9), st.none()),
        },
    ),
    st.just([1]),
)
_choice = st.one_of(
    st.builds(lambda p: {"delta": {"content": p}, "finish_reason": None}, _piece),
    st.builds(lambda p: {"text": p, "finish_reason": "length"}, _piece),
    st.builds(lambda p: {"message": {"content": p}}, _piece),
    st.builds(lambda p: {"delta": p}, _piece),
    st.just("x"),
)
_events = st.one_of(
    _raw_events,
    st.builds(lambda c: _event({"choices": c}, ascii_only=False), st.lists(_choice, max_size=2)),
    st.builds(lambda c, u: _event({"choices": c, "usage": u}), st.lists(_choice, max_size=2), _usage_obj),
    st.builds(lambda c: _event({"choices": c}), st.lists(_choice, min_size=1, max_size=2)),
    st.sampled_from([b"data: [DONE]", b"data:[DONE]", b"  data:  [DONE]  ", b": keep-alive",
                     b"event: message", b"", b"data: [1]", b"data: {", b"data: \xff", b"id: 3",
                     b"data:", b"retry: 10", b'data: "s"']),
)  # fmt: skip
_newline = st.sampled_from([b"\n", b"\r\n", b"\n\n", b"\r\n\r\n"])


@settings(max_examples=400, deadline=None)
@given(
    st.lists(st.tuples(_events, _newline), max_size=12),
    st.booleans(),
    st.lists(st.integers(0, 10_000), max_size=8),
)
def test_the_fast_parser_equals_the_reference(
    events: list[tuple[bytes, bytes]], unterminated: bool, cuts: list[int]
) -> None:
    body = b"".join(e + n for e, n in events)
    if unterminated and events:
        body = body.rstrip(b"\r\n")  # the stream closes mid-line
    points = sorted({c % (len(body) + 1) for c in cuts} | {0, len(body)})
    reads = [body[a:b] for a, b in itertools.pairwise(points) if b > a] or [b""]
    times = [float(i) for i in range(len(reads))]
    assert _fast(reads, times) == _reference(reads, times)


@given(st.lists(st.integers(1, 60), min_size=1, max_size=10), st.integers(1, 40))
def test_a_well_formed_stream_gives_one_time_per_token_and_the_usage(
    sizes: list[int], split: int
) -> None:
    body = b"".join(
        _event({"choices": [{"delta": {"content": "t" * k}}]}) + b"\r\n\r\n" for k in sizes
    )
    body += _event({"choices": [], "usage": {"prompt_tokens": 2, "completion_tokens": 7}}) + b"\n\n"
    body += b"data: [DONE]\n\n"
    reads = [body[i : i + split] for i in range(0, len(body), split)]
    outcome, chunks, usage = _fast(reads, [float(i) for i in range(len(reads))])
    assert outcome == "done" and len(chunks) == len(sizes) and usage == (2, 7)
    assert chunks == sorted(chunks)


def test_an_overlong_line_is_malformed_even_unterminated() -> None:
    sse = SseStream()
    assert sse.feed(b"data: " + b"x" * MAX_LINE, 0.0) == "malformed_sse"
    assert SseStream().feed(b": " + b"x" * MAX_LINE + b"\n", 0.0) == "malformed_sse"
