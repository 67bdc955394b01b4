"""A real OpenAI-compatible HTTP server on 127.0.0.1, in a background thread, with failure knobs.

Answers are deterministic functions of the prompt, so tests compute what they expect
independently: the reply to a prompt is ``prompt.upper()`` (:func:`fake_reply`),
``usage.prompt_tokens`` is the number of whitespace-separated words of the prompt
(:func:`word_count`) and ``usage.completion_tokens`` that of the reply; an embedding is
``[len(text), words(text)]``.

Knobs (attributes, changeable between runs): ``delay_s`` before every answer (known timing);
``fail_first`` requests answered with ``fail_status`` (and ``Retry-After: retry_after`` when
set); ``status`` to answer every request with; ``hang_s`` to sleep before answering;
``raw_body`` (bytes) to answer every request with exactly those bytes, status 200 and
``Content-Type: application/json`` (hostile answers: not JSON, not UTF-8, the wrong shape).
Prompts containing ``MALFORMED`` get a body that is not JSON, ``SERVER_ERROR`` a 500.

aiohttp (the ``http`` extra) is imported when the server starts, not when this module is.
"""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from types import TracebackType
from typing import TYPE_CHECKING, Any

from assay.errors import MissingDependencyError

if TYPE_CHECKING:
    from aiohttp import web

__all__ = ["FakeOpenAI", "closed_port", "fake_reply", "word_count"]


def word_count(text: str) -> int:
    """Whitespace-separated words: the fake server's token count."""
    return len(text.split())


def fake_reply(prompt: str) -> str:
    """What the fake server answers to ``prompt``."""
    return prompt.upper()


def _aiohttp_web() -> Any:
    try:
        from aiohttp import web
    except ImportError as exc:  # pragma: no cover - aiohttp is in the dev extra
        raise MissingDependencyError("aiohttp", "http", feature="The fake OpenAI server") from exc
    return web


class FakeOpenAI:
    """The fake server; ``with FakeOpenAI() as server: ... server.url`` starts and stops it."""

    def __init__(self, *, delay_s: float = 0.0) -> None:
        self.delay_s = delay_s
        self.fail_first = 0
        self.fail_status = 429
        self.retry_after: str | None = None
        self.status: int | None = None
        self.hang_s: float | None = None
        self.raw_body: bytes | None = None
        self.requests = 0
        self.times: list[float] = []
        self.bodies: list[dict[str, Any]] = []
        self.headers: list[dict[str, str]] = []
        self.port = 0
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        """The base URL an OpenAI client is given (``http://127.0.0.1:PORT/v1``)."""
        return f"http://127.0.0.1:{self.port}/v1"

    def reset(self) -> None:
        """Forget the requests seen so far."""
        self.requests = 0
        self.times.clear()
        self.bodies.clear()
        self.headers.clear()

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        web = _aiohttp_web()
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
            return web.json_response(  # type: ignore[no-any-return]
                {"error": {"message": "slow down"}}, status=self.fail_status, headers=headers
            )
        if self.status is not None:
            return web.json_response(  # type: ignore[no-any-return]
                {"error": {"message": "nope"}}, status=self.status
            )
        if self.raw_body is not None:
            return web.Response(  # type: ignore[no-any-return]
                body=self.raw_body, headers={"Content-Type": "application/json"}
            )
        path = request.path
        if path.endswith("/embeddings"):
            text = body["input"]
            return web.json_response(  # type: ignore[no-any-return]
                {
                    "data": [{"index": 0, "embedding": [len(text), word_count(text)]}],
                    "usage": {"prompt_tokens": word_count(text), "total_tokens": word_count(text)},
                }
            )
        chat = path.endswith("/chat/completions")
        prompt = body["messages"][-1]["content"] if chat else body["prompt"]
        if "MALFORMED" in prompt:
            return web.Response(  # type: ignore[no-any-return]
                text='{"choices": [', content_type="application/json"
            )
        if "SERVER_ERROR" in prompt:
            return web.json_response(  # type: ignore[no-any-return]
                {"error": {"message": "boom"}}, status=500
            )
        answer = fake_reply(prompt)
        choice: dict[str, Any] = (
            {"index": 0, "message": {"role": "assistant", "content": answer}}
            if chat
            else {"index": 0, "text": answer}
        )
        usage = {"prompt_tokens": word_count(prompt), "completion_tokens": word_count(answer)}
        return web.json_response(  # type: ignore[no-any-return]
            {"choices": [choice], "usage": usage}
        )

    def start(self) -> FakeOpenAI:
        """Listen on a free loopback port (in a daemon thread); returns the server."""
        web = _aiohttp_web()
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
        """Stop listening and end the server's thread."""
        if self._loop is not None and self._thread is not None:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(10)

    def __enter__(self) -> FakeOpenAI:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


async def _shutdown(runner: Any) -> None:
    await runner.cleanup()
    # handlers still sleeping (hang_s) would warn about a destroyed pending task
    rest = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
    for task in rest:
        task.cancel()
    await asyncio.gather(*rest, return_exceptions=True)


def closed_port() -> int:
    """A loopback port nobody listens on (bound, then released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])
