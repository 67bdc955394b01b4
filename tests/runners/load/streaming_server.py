"""A real SSE server on loopback whose TTFT and token gaps come from known distributions."""

from __future__ import annotations

import asyncio
import json
import random
from typing import Any

from aiohttp import web
from sse_loopback import LoopbackApp


class StreamingServer(LoopbackApp):
    """TTFT ~ Exponential(mean ttft_s) + base, gaps fixed ``gap_s``; ``tokens`` chunks per answer.

    ``mode``: ``ok``, ``refuse`` (503), ``stall`` (answers nothing for 1.5 s), ``truncate`` (closes before
    [DONE]), ``malformed`` (an event that is not JSON), ``no_usage``. ``linger_s``: the wait
    between ``[DONE]`` and the end of the body. ``peers``: the client addresses seen, one per
    connection.
    """

    def __init__(
        self,
        *,
        ttft_s: float = 0.0,
        base_s: float = 0.0,
        gap_s: float = 0.0,
        tokens: int = 4,
        mode: str = "ok",
        seed: int = 0,
        linger_s: float = 0.0,
    ) -> None:
        self.ttft_s, self.base_s, self.gap_s, self.tokens, self.mode = (
            ttft_s,
            base_s,
            gap_s,
            tokens,
            mode,
        )
        self.random = random.Random(seed)
        self.linger_s = linger_s
        self.peers: set[Any] = set()
        self.url = ""
        self.raw: bytes | None = None  # when set, the whole streamed body, as given
        self.bodies: list[dict[str, Any]] = []  # every request body received, in order

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        body = await request.json()
        self.bodies.append(body)
        if request.transport is not None:
            self.peers.add(request.transport.get_extra_info("peername"))
        if self.mode == "refuse":
            return web.json_response({"error": "busy"}, status=503)
        if self.mode == "stall":
            await asyncio.sleep(1.5)
            return web.json_response({})
        wait = self.base_s + (self.random.expovariate(1 / self.ttft_s) if self.ttft_s else 0.0)
        await asyncio.sleep(wait)
        if not body.get("stream"):
            return web.json_response(
                {
                    "choices": [{"message": {"content": "x " * self.tokens}}],
                    "usage": {"prompt_tokens": 3, "completion_tokens": self.tokens},
                }
            )
        response = web.StreamResponse(headers={"Content-Type": "text/event-stream"})
        await response.prepare(request)
        if self.raw is not None:
            await response.write(self.raw)
            return response
        for i in range(self.tokens):
            if i:
                await asyncio.sleep(self.gap_s)
            if self.mode == "truncate" and i == 2:
                return response
            if self.mode == "malformed" and i == 1:
                await response.write(b"data: {not json\n\n")
                continue
            event: dict[str, Any] = {"choices": [{"delta": {"content": f"t{i} "}}]}
            await response.write(f"data: {json.dumps(event)}\n\n".encode())
        if self.mode != "no_usage":
            usage = {"choices": [], "usage": {"prompt_tokens": 3, "completion_tokens": self.tokens}}
            await response.write(f"data: {json.dumps(usage)}\n\n".encode())
        await response.write(b"data: [DONE]\n\n")
        if self.linger_s:
            await asyncio.sleep(self.linger_s)
        return response

    def __enter__(self) -> StreamingServer:
        port = self._serve()
        self.url = f"http://127.0.0.1:{port}/v1/chat/completions"
        return self

    def __exit__(self, *exc: object) -> None:
        self._close()
