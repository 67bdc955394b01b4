"""A real OpenAI-compatible HTTP server on 127.0.0.1, in a background thread, with failure knobs.

Answers are deterministic functions of the prompt, so tests compute what they expect
independently: the reply to a prompt is ``prompt.upper()``, ``usage.prompt_tokens`` is the
number of whitespace-separated words of the prompt and ``usage.completion_tokens`` that of
the reply; an embedding is ``[len(text), words(text)]``.

Knobs (attributes, changeable between runs): ``delay_s`` before every answer;
``fail_first`` requests answered with ``fail_status`` (and ``Retry-After: retry_after``
when set); ``status`` to answer every request with; ``hang_s`` to sleep before answering.
Prompts containing ``MALFORMED`` get a body that is not JSON, ``SERVER_ERROR`` a 500.
"""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from typing import Any

from aiohttp import web

import assay


def words(text: str) -> int:
    return len(text.split())


def reply(prompt: str) -> str:
    return prompt.upper()


class FakeOpenAI:
    def __init__(self, *, delay_s: float = 0.0) -> None:
        self.delay_s = delay_s
        self.fail_first = 0
        self.fail_status = 429
        self.retry_after: str | None = None
        self.status: int | None = None
        self.hang_s: float | None = None
        self.requests = 0
        self.times: list[float] = []
        self.bodies: list[dict[str, Any]] = []
        self.headers: list[dict[str, str]] = []
        self.port = 0
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def reset(self) -> None:
        self.requests = 0
        self.times.clear()
        self.bodies.clear()
        self.headers.clear()

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        self.requests += 1
        self.times.append(time.monotonic())
        body = await request.json()
        self.bodies.append(body)
        self.headers.append(dict(request.headers))
        if self.hang_s is not None:
            await asyncio.sleep(self.hang_s)
        if self.delay_s:
            await asyncio.sleep(self.delay_s)
        if self.requests <= self.fail_first:
            headers = {} if self.retry_after is None else {"Retry-After": self.retry_after}
            return web.json_response(
                {"error": {"message": "slow down"}}, status=self.fail_status, headers=headers
            )
        if self.status is not None:
            return web.json_response({"error": {"message": "nope"}}, status=self.status)
        path = request.path
        if path.endswith("/embeddings"):
            text = body["input"]
            return web.json_response(
                {
                    "data": [{"index": 0, "embedding": [len(text), words(text)]}],
                    "usage": {"prompt_tokens": words(text), "total_tokens": words(text)},
                }
            )
        if path.endswith("/chat/completions"):
            prompt = body["messages"][-1]["content"]
        else:
            prompt = body["prompt"]
        if "MALFORMED" in prompt:
            return web.Response(text='{"choices": [', content_type="application/json")
        if "SERVER_ERROR" in prompt:
            return web.json_response({"error": {"message": "boom"}}, status=500)
        answer = reply(prompt)
        choice: dict[str, Any] = (
            {"index": 0, "message": {"role": "assistant", "content": answer}}
            if path.endswith("/chat/completions")
            else {"index": 0, "text": answer}
        )
        usage = {"prompt_tokens": words(prompt), "completion_tokens": words(answer)}
        return web.json_response({"choices": [choice], "usage": usage})

    def start(self) -> FakeOpenAI:
        ready = threading.Event()
        app = web.Application()
        app.router.add_post("/v1/chat/completions", self._handle)
        app.router.add_post("/v1/completions", self._handle)
        app.router.add_post("/v1/embeddings", self._handle)

        failure: list[BaseException] = []

        def serve() -> None:
            loop = asyncio.new_event_loop()
            runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.1)
            try:
                loop.run_until_complete(runner.setup())
                site = web.TCPSite(runner, "127.0.0.1", 0)
                loop.run_until_complete(site.start())
                self.port = runner.addresses[0][1]
                self._loop = loop
            except BaseException as exc:
                failure.append(exc)
                loop.run_until_complete(runner.cleanup())
                loop.close()
                return
            finally:
                ready.set()
            loop.run_forever()
            loop.run_until_complete(_shutdown(runner))
            loop.close()

        self._thread = threading.Thread(target=serve, daemon=True)
        self._thread.start()
        ready.wait(10)
        if failure or self._loop is None:
            raise RuntimeError(f"the fake server did not start: {failure}")
        return self

    def stop(self) -> None:
        if self._loop is not None and self._thread is not None:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(10)


async def _shutdown(runner: web.AppRunner) -> None:
    await runner.cleanup()
    rest = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
    for task in rest:
        task.cancel()
    await asyncio.gather(*rest, return_exceptions=True)


def closed_port() -> int:
    """A loopback port nobody listens on (bound, then released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def qa_examples(n: int) -> list[dict[str, Any]]:
    """``n`` question examples; the reference is the server's reply for even ``i`` only."""
    out = []
    for i in range(n):
        prompt = f"Q: what is item {i}"
        out.append(
            {
                "example_id": f"q{i:04d}",
                "input": {"question": f"what is item {i}"},
                "reference": reply(prompt) if i % 2 == 0 else "no",
                "slices": {"lang": "en" if i % 3 else "de"},
            }
        )
    return out


TEMPLATE = "Q: {{ question }}"


def qa_suite(n: int = 12) -> assay.SuiteData:
    """A suite over :func:`qa_examples` scored by exact match, sliced by ``lang``."""
    return assay.make_suite(
        "qa",
        qa_examples(n),
        metrics=[{"name": "accuracy", "scorer": "exact_match"}],
        slices=["lang"],
    )
