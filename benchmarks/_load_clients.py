"""The clients ``bench_load.py`` runs, each in its own process, on one seeded Poisson schedule.

* ``timer``: the floor of this machine: an event loop (uvloop's, as assay's) that only sleeps
  until each scheduled time and records how late it woke; nothing is sent.
* ``raw``: the floor of a sender: a minimal HTTP/1.1 client on asyncio protocols (uvloop),
  one pre-encoded request written on an idle keep-alive connection, the answer only waited
  for (its end found by the chunked encoding's last chunk), nothing parsed.
* ``bare``: a bare aiohttp loop in the style of vLLM's benchmark client.
* ``vllm``: vLLM's client loop, reproduced (see :func:`vllm_loop`).
* ``assay``: ``run_load`` run as the CLI runs it, by ``run_blocking``.

Each returns the achieved send rate, client lag (actual − scheduled send) p50 and p99 and the
errors; the caller adds the CPU time of the process.
"""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any
from urllib.parse import urlsplit

import numpy as np

__all__ = ["CLIENTS"]

_BODY = {"model": "m", "messages": [{"role": "user", "content": "hi"}], "stream": True}


def _schedule(n: int, rate: float) -> np.ndarray:
    from assay.runners.load import arrival_schedule

    return arrival_schedule(n, rate, rng=0)


def _stats(sends: list[float], lags: list[float], errors: int) -> dict[str, object]:
    s = sorted(sends)
    return {
        "rate": (len(s) - 1) / (s[-1] - s[0]),
        "lag_p50_ms": float(np.percentile(lags, 50) * 1e3),
        "lag_p99_ms": float(np.percentile(lags, 99) * 1e3),
        "errors": errors,
    }


def _run_uvloop(main: Any) -> None:
    import uvloop

    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        runner.run(main)


def timer_floor(url: str, n: int, rate: float) -> dict[str, object]:
    offsets = _schedule(n, rate)
    lags: list[float] = []
    sends: list[float] = []

    async def main() -> None:
        clock = time.perf_counter
        start = clock() + 0.01
        for at in (start + offsets).tolist():
            delay = at - clock()
            if delay > 0:
                await asyncio.sleep(delay)
            now = clock()
            lags.append(now - at)
            sends.append(now)

    _run_uvloop(main())
    return _stats(sends, lags, 0)


def raw_sender(url: str, n: int, rate: float) -> dict[str, object]:
    offsets = _schedule(n, rate)
    parts = urlsplit(url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    body = json.dumps(_BODY).encode()
    request = (
        f"POST {parts.path} HTTP/1.1\r\nHost: {host}:{port}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
    ).encode() + body
    lags: list[float] = []
    sends: list[float] = []
    errors = 0

    class Connection(asyncio.Protocol):
        def __init__(self) -> None:
            self.transport: Any = None
            self.tail = b""
            self.done: asyncio.Future[None] | None = None

        def connection_made(self, transport: Any) -> None:
            self.transport = transport

        def data_received(self, data: bytes) -> None:
            self.tail = (self.tail + data)[-5:]
            if self.tail == b"0\r\n\r\n" and self.done is not None and not self.done.done():
                self.tail = b""
                self.done.set_result(None)

        def connection_lost(self, exc: Exception | None) -> None:
            if self.done is not None and not self.done.done():
                self.done.set_exception(ConnectionError("closed"))

    async def main() -> None:
        nonlocal errors
        loop = asyncio.get_running_loop()
        idle: list[Connection] = []

        async def one(scheduled: float) -> None:
            nonlocal errors
            sent = time.perf_counter()
            lags.append(sent - scheduled)
            sends.append(sent)
            try:
                if idle:
                    conn = idle.pop()
                else:
                    _, conn = await loop.create_connection(Connection, host, port)
                conn.done = loop.create_future()
                conn.transport.write(request)
                await conn.done
                idle.append(conn)
            except OSError:
                errors += 1

        clock = time.perf_counter
        start = clock() + 0.01
        tasks = []
        for at in (start + offsets).tolist():
            delay = at - clock()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(one(at)))
        await asyncio.gather(*tasks)
        for conn in idle:
            conn.transport.close()

    _run_uvloop(main())
    return _stats(sends, lags, errors)


def bare(url: str, n: int, rate: float) -> dict[str, object]:
    import aiohttp

    offsets = _schedule(n, rate)
    body = {"model": "m", "messages": [{"role": "user", "content": "hi"}], "stream": True}
    lags: list[float] = []
    sends: list[float] = []
    errors = 0

    async def one(session: aiohttp.ClientSession, scheduled: float) -> None:
        nonlocal errors
        sent = time.perf_counter()
        lags.append(sent - scheduled)
        sends.append(sent)
        try:
            async with session.post(url, json=body) as response:
                async for _ in response.content:
                    pass
        except aiohttp.ClientError:
            errors += 1

    async def main() -> None:
        async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as session:
            start = time.perf_counter() + 0.01
            tasks = []
            for offset in offsets:
                delay = start + float(offset) - time.perf_counter()
                if delay > 0:
                    await asyncio.sleep(delay)
                tasks.append(asyncio.create_task(one(session, start + float(offset))))
            await asyncio.gather(*tasks)

    asyncio.run(main())
    return _stats(sends, lags, errors)


def vllm_loop(url: str, n: int, rate: float) -> dict[str, object]:
    """vLLM's ``vllm bench serve`` client loop, reproduced (vllm/benchmarks/serve.py
    ``get_request`` and ``benchmark``, lib/endpoint_request_func.py's chat request): precomputed
    delays slept against a start time, one task per request on one shared keep-alive session,
    each SSE chunk split on blank lines, JSON-decoded and timed. The delays are assay's schedule
    (vLLM draws its own gamma gaps and rescales them to n / rate), so both send the same one."""
    import aiohttp

    offsets = _schedule(n, rate)
    body = {"model": "m", "messages": [{"role": "user", "content": "hi"}], "stream": True}
    body["stream_options"] = {"include_usage": True}
    lags: list[float] = []
    sends: list[float] = []
    errors = 0

    async def request(session: aiohttp.ClientSession, scheduled: float) -> None:
        nonlocal errors
        st = time.perf_counter()
        lags.append(st - scheduled)
        sends.append(st)
        ttft, latest, itl, buffer = 0.0, st, [], b""
        try:
            async with session.post(url, json=body) as response:
                async for data in response.content.iter_any():
                    *messages, buffer = (buffer + data).split(b"\n\n")
                    for message in messages:
                        chunk = message.strip().removeprefix(b"data: ")
                        if not chunk or chunk == b"[DONE]":
                            continue
                        event, now = json.loads(chunk), time.perf_counter()
                        if event.get("choices") and event["choices"][0]["delta"].get("content"):
                            if ttft == 0.0:
                                ttft = now - st
                            else:
                                itl.append(now - latest)
                            latest = now
        except aiohttp.ClientError:
            errors += 1

    async def main() -> None:
        connector = aiohttp.TCPConnector(limit=0, keepalive_timeout=60, enable_cleanup_closed=True)
        async with aiohttp.ClientSession(connector=connector) as session:
            start = time.perf_counter()
            tasks = []
            for offset in offsets:
                pause = start + float(offset) - time.perf_counter()
                if pause > 0:
                    await asyncio.sleep(pause)
                tasks.append(asyncio.create_task(request(session, start + float(offset))))
            await asyncio.gather(*tasks)

    asyncio.run(main())
    return _stats(sends, lags, errors)


def assay_client(url: str, n: int, rate: float) -> dict[str, object]:
    from assay.runners.load import run_blocking, run_load

    result = run_blocking(run_load(url, ["hi"], rate=rate, requests=n, max_tokens=32, rng=0))
    timings = result.timings
    return _stats(
        [t.sent_s for t in timings],
        [t.client_lag_s for t in timings],
        sum(t.error is not None for t in timings),
    )


CLIENTS = {
    "timer": timer_floor,
    "raw": raw_sender,
    "bare": bare,
    "vllm": vllm_loop,
    "assay": assay_client,
}
