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
from assay.runners.load._sse import SseStream, first_text, usage_counts
from assay.runners.load._timing import RequestTiming

__all__ = ["request_body", "timed_request"]

_JSON = {"Content-Type": "application/json"}
_DRAIN_S = 0.25
_DRAIN_BYTES = 1 << 16


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


async def timed_request(
    session: Any,
    url: str,
    body: dict[str, Any],
    *,
    scheduled_s: float,
    timeout_s: float,
    encoded: bytes | None = None,
) -> RequestTiming:
    """POST ``body`` to ``url`` and time it; ``scheduled_s`` on the ``time.perf_counter`` clock.

    ``encoded``: ``body`` already serialised as JSON (the load generator encodes every body
    before the run, so nothing is encoded at send time).
    """
    stream = bool(body.get("stream"))
    data = encoded if encoded is not None else json.dumps(body).encode()
    clock = time.perf_counter
    sent = clock()
    sse = SseStream()
    chunks = sse.chunks

    def failed(kind: str) -> RequestTiming:
        return RequestTiming(scheduled_s, sent, error=kind, streamed=stream, end_s=clock())

    ended = None
    try:
        async with asyncio.timeout(timeout_s) as budget:
            async with session.post(url, data=data, headers=_JSON) as response:
                if response.status >= 400:
                    await response.read()
                    return failed(f"http_{response.status}")
                if not stream:
                    raw = await response.read()
                    now = clock()
                    try:
                        event = json.loads(raw)
                    except (ValueError, UnicodeDecodeError):
                        return failed("malformed_json")
                    if not isinstance(event, dict) or not first_text(event):
                        return failed("empty")
                    chunks.append(now)
                    sse.usage = usage_counts(event.get("usage"))
                else:
                    # whole network reads split into lines: one timestamp per read, as the
                    # bytes arrived, and far fewer awaits than reading line by line
                    outcome = None
                    feed = sse.feed
                    async for read in response.content.iter_any():
                        outcome = feed(read, clock())
                        if outcome is not None:
                            break
                    if outcome is None:
                        outcome = sse.finish(clock())
                    if outcome != "done":
                        return failed(outcome or "stream_truncated")
                    if not chunks:
                        return failed("empty")
                    ended = clock()
                    budget.reschedule(None)  # the answer is complete: what follows is not timed
                    await _drain(response.content)
    except TimeoutError:
        return failed("timeout")
    except asyncio.CancelledError:
        return RequestTiming(scheduled_s, sent, cancelled=True, streamed=stream, end_s=clock())
    except Exception as exc:
        kind = _connection_error(exc)
        if kind is None:
            raise
        return failed(kind)
    tokens_in, tokens_out = sse.usage
    return RequestTiming(
        scheduled_s,
        sent,
        chunk_times_s=tuple(chunks),
        output_tokens=tokens_out if tokens_out is not None else len(chunks),
        input_tokens=tokens_in,
        streamed=stream,
        tokens_from="usage" if tokens_out is not None else "chunks",
        end_s=clock() if ended is None else ended,
    )


async def _drain(content: Any) -> None:
    """Read what follows ``data: [DONE]`` (the end of the chunked body), so that the connection
    goes back to the pool for the next request instead of being closed and opened anew. A
    server that keeps the stream open past ``_DRAIN_S`` or sends more than ``_DRAIN_BYTES``
    after ``[DONE]`` has its connection closed instead; the answer stands either way."""
    left = _DRAIN_BYTES
    try:
        async with asyncio.timeout(_DRAIN_S):
            while left > 0 and (data := await content.readany()):
                left -= len(data)
    except TimeoutError:
        return
    except Exception as exc:
        if _connection_error(exc) is None:
            raise


def _connection_error(exc: BaseException) -> str | None:
    """The error kind of an aiohttp failure, or ``None`` for anything else."""
    aiohttp = import_aiohttp()
    if isinstance(exc, aiohttp.ClientConnectorError):
        return "connect"
    if isinstance(exc, aiohttp.ClientPayloadError | aiohttp.ServerDisconnectedError):
        return "stream_truncated"
    if isinstance(exc, aiohttp.ClientError):
        return "connection"
    return None
