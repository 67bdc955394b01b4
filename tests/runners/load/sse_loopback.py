"""What the load tests' SSE servers share: an aiohttp app answering POST
/v1/chat/completions on a loopback port, served from a thread of its own."""

from __future__ import annotations

import asyncio
import socket
import threading
from typing import Any

from aiohttp import web


class LoopbackApp:
    """Serves ``_handle`` (a subclass's) until closed."""

    loop: asyncio.AbstractEventLoop
    runner: web.AppRunner
    thread: threading.Thread

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        raise NotImplementedError

    def _serve(self, **runner_options: Any) -> int:
        """Start serving (``runner_options`` go to the app runner); the port."""
        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        self.loop = asyncio.new_event_loop()
        app = web.Application()
        app.router.add_post("/v1/chat/completions", self._handle)
        self.runner = web.AppRunner(app, handle_signals=False, **runner_options)
        self.loop.run_until_complete(self.runner.setup())
        self.loop.run_until_complete(web.SockSite(self.runner, sock).start())
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        return port

    def _close(self, timeout_s: float = 10.0) -> None:
        """Stop serving, waiting up to ``timeout_s`` for each step."""
        asyncio.run_coroutine_threadsafe(self.runner.cleanup(), self.loop).result(timeout_s)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(timeout_s)
        self.loop.close()
