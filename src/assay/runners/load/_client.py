"""One timed request to an OpenAI-compatible endpoint, streamed (SSE) or not.

Nothing in the answer is trusted: a refused connection, a stall past the timeout, an HTTP
error status, a stream that ends before ``data: [DONE]``, an event that is not JSON, or an
answer with no output each become a :class:`RequestTiming` with an ``error`` kind, never an
exception out of the load generator. Without ``usage`` the output tokens are the counted
chunks, and the timing says so (``tokens_from="chunks"``).
"""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

from assay.runners.adapters._http import import_aiohttp
from assay.runners.adapters._openai_parse import count_tokens
from assay.runners.load._timing import RequestTiming

__all__ = ["request_body", "timed_request"]

_MAX_LINE = 1 << 20


def request_body(
    model: str, prompt: str, max_tokens: int, *, chat: bool, stream: bool
) -> dict[str, Any]:
    """The JSON body of a chat or completions request (usage asked for when streaming)."""
    body: dict[str, Any] = {"model": model, "max_tokens": max_tokens, "stream": stream}
    if chat:
        body["messages"] = [{"role": "user", "content": prompt}]
    else:
        body["prompt"] = prompt
    if stream:
        body["stream_options"] = {"include_usage": True}
    return body


def _text(event: dict[str, Any]) -> str:
    choices = event.get("choices")
    if not isinstance(choices, list) or not choices or not isinstance(choices[0], dict):
        return ""
    first = choices[0]
    delta = first.get("delta")
    piece = delta.get("content") if isinstance(delta, dict) else first.get("text")
    if piece is None and isinstance(first.get("message"), dict):
        piece = first["message"].get("content")
    return piece if isinstance(piece, str) else ""


def _usage(event: dict[str, Any]) -> tuple[int | None, int | None]:
    usage = event.get("usage")
    if not isinstance(usage, dict):
        return None, None
    return count_tokens(usage.get("prompt_tokens")), count_tokens(usage.get("completion_tokens"))


async def timed_request(
    session: Any, url: str, body: dict[str, Any], *, scheduled_s: float, timeout_s: float
) -> RequestTiming:
    """POST ``body`` to ``url`` and time it; ``scheduled_s`` on the ``time.perf_counter`` clock."""
    aiohttp = import_aiohttp()
    stream = bool(body.get("stream"))
    sent = time.perf_counter()
    chunks: list[float] = []
    usage: tuple[int | None, int | None] = (None, None)
    base = {"scheduled_s": scheduled_s, "sent_s": sent, "streamed": stream}

    def failed(kind: str) -> RequestTiming:
        return RequestTiming(**base, error=kind, end_s=time.perf_counter())  # type: ignore[arg-type]

    try:
        async with asyncio.timeout(timeout_s):
            async with session.post(url, json=body) as response:
                if response.status >= 400:
                    await response.read()
                    return failed(f"http_{response.status}")
                if not stream:
                    raw = await response.read()
                    now = time.perf_counter()
                    try:
                        event = json.loads(raw)
                    except (ValueError, UnicodeDecodeError):
                        return failed("malformed_json")
                    if not isinstance(event, dict) or not _text(event):
                        return failed("empty")
                    chunks.append(now)
                    usage = _usage(event)
                else:
                    done = False
                    buffer = b""

                    def handle(line: bytes, now: float) -> str | None:
                        """``done``, an error kind, or ``None`` to read on."""
                        nonlocal usage
                        if len(line) > _MAX_LINE:
                            return "malformed_sse"
                        text = line.strip()
                        if not text.startswith(b"data:"):
                            return None  # comments, event names, keep-alives, blank separators
                        payload = text[5:].strip()
                        if payload == b"[DONE]":
                            return "done"
                        try:
                            event = json.loads(payload)
                        except (ValueError, UnicodeDecodeError):
                            return "malformed_sse"
                        if not isinstance(event, dict):
                            return "malformed_sse"
                        if _text(event):
                            chunks.append(now)
                        if event.get("usage"):
                            usage = _usage(event)
                        return None

                    # whole network reads split into lines: one timestamp per read, as the
                    # bytes arrived, and far fewer awaits than reading line by line
                    async for data in response.content.iter_any():
                        now = time.perf_counter()
                        *lines, buffer = (buffer + data).split(b"\n")
                        outcome = next((o for x in lines if (o := handle(x, now))), None)
                        if outcome is None and len(buffer) > _MAX_LINE:
                            outcome = "malformed_sse"
                        if outcome is not None:
                            if outcome != "done":
                                return failed(outcome)
                            done = True
                            break
                    if not done and buffer:
                        outcome = handle(buffer, time.perf_counter())
                        if outcome not in (None, "done"):
                            return failed(outcome)
                        done = outcome == "done"
                    if not done:
                        return failed("stream_truncated")
                    if not chunks:
                        return failed("empty")
    except TimeoutError:
        return failed("timeout")
    except asyncio.CancelledError:
        return RequestTiming(**base, cancelled=True, end_s=time.perf_counter())  # type: ignore[arg-type]
    except aiohttp.ClientConnectorError:
        return failed("connect")
    except (aiohttp.ClientPayloadError, aiohttp.ServerDisconnectedError):
        return failed("stream_truncated")
    except aiohttp.ClientError:
        return failed("connection")
    tokens_in, tokens_out = usage
    return RequestTiming(
        **base,  # type: ignore[arg-type]
        chunk_times_s=tuple(chunks),
        output_tokens=tokens_out if tokens_out is not None else len(chunks),
        input_tokens=tokens_in,
        tokens_from="usage" if tokens_out is not None else "chunks",
        end_s=time.perf_counter(),
    )
