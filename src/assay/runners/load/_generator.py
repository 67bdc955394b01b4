"""The load generator: a seeded arrival schedule (open loop) or a fixed concurrency (closed loop).

Open loop: send times are drawn before the run (:func:`arrival_schedule`: Poisson, gamma with a
burstiness parameter, constant) and each request is sent at its time whether or not earlier
ones have answered; latency is timed from the scheduled and the actual send, and their gap is
the client lag. Closed loop: ``concurrency`` workers each send the next request when their
previous one ends (scheduled = actual send). The run stops after ``requests`` or
``duration_s``; the first ``warmup`` and last ``cooldown`` requests are kept but not measured.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from assay._util import check_choice, check_int, check_number, check_rng, existing_objects_frozen
from assay.runners.adapters._http import import_aiohttp
from assay.runners.load._client import request_body, timed_request
from assay.runners.load._timing import RequestTiming

__all__ = ["LoadResult", "arrival_schedule", "run_load"]

Arrival = Literal["poisson", "gamma", "constant"]


def arrival_schedule(
    n: int, rate: float, *, arrival: Arrival = "poisson", burstiness: float = 1.0, rng: Any = 0
) -> np.ndarray[Any, np.dtype[np.float64]]:
    """Send offsets (seconds from the start) of ``n`` requests at ``rate`` per second.

    Gaps are exponential (Poisson), gamma with shape ``burstiness`` and mean 1/rate (below 1:
    burstier than Poisson; 1: Poisson) or exactly 1/rate (constant). The first request is at 0.
    """
    function = "arrival_schedule"
    n = check_int(n, "n", function)
    rate = check_number(rate, "rate", function, low=0, low_open=True)
    kind = check_choice(arrival, "arrival", function, ("poisson", "gamma", "constant"))
    shape = check_number(burstiness, "burstiness", function, low=0, low_open=True)
    gen, _ = check_rng(rng, function)
    if kind == "constant":
        gaps = np.full(n - 1, 1.0 / rate)
    elif kind == "poisson":
        gaps = gen.exponential(1.0 / rate, n - 1)
    else:
        gaps = gen.gamma(shape, 1.0 / (rate * shape), n - 1)
    return np.concatenate([[0.0], np.cumsum(gaps)])


@dataclass(frozen=True)
class LoadResult:
    """Every request of a run, in send order, and which of them are measured."""

    timings: tuple[RequestTiming, ...]
    phases: tuple[str, ...]
    """``warmup``, ``measured`` or ``cooldown`` per request."""
    target_rate: float | None
    settings: dict[str, Any]

    @property
    def measured(self) -> tuple[RequestTiming, ...]:
        return tuple(t for t, p in zip(self.timings, self.phases, strict=True) if p == "measured")


async def run_load(
    url: str,
    prompts: Sequence[str],
    *,
    model: str = "model",
    rate: float | None = None,
    concurrency: int | None = None,
    requests: int = 100,
    duration_s: float | None = None,
    arrival: Arrival = "poisson",
    burstiness: float = 1.0,
    max_tokens: int = 64,
    chat: bool = True,
    stream: bool = True,
    warmup: int = 0,
    cooldown: int = 0,
    timeout_s: float = 60.0,
    rng: int = 0,
) -> LoadResult:
    """Send ``requests`` requests to ``url`` (the full chat/completions or completions URL)."""
    function = "run_load"
    if (rate is None) == (concurrency is None):
        from assay.errors import ParameterError

        raise ParameterError("rate", function, "given, or concurrency given (one of them)", rate)
    n = check_int(requests, "requests", function)
    check_int(warmup, "warmup", function, minimum=0)
    check_int(cooldown, "cooldown", function, minimum=0)
    aiohttp = import_aiohttp()
    bodies = [
        request_body(model, prompts[i % len(prompts)], max_tokens, chat=chat, stream=stream)
        for i in range(n)
    ]
    encoded = [json.dumps(body).encode() for body in bodies]  # nothing encoded at send time
    connector = aiohttp.TCPConnector(limit=0 if concurrency is None else concurrency)
    # the per-request timeout is timed_request's own; aiohttp's default 300 s would be a
    # second timer on every request
    no_timeout = aiohttp.ClientTimeout(total=None)
    results: list[RequestTiming | None] = [None] * n
    with existing_objects_frozen():
        async with aiohttp.ClientSession(connector=connector, timeout=no_timeout) as session:
            start = time.perf_counter() + 0.01
            deadline = None if duration_s is None else start + duration_s

            def request(i: int, scheduled: float) -> Any:
                return timed_request(
                    session,
                    url,
                    bodies[i],
                    scheduled_s=scheduled,
                    timeout_s=timeout_s,
                    encoded=encoded[i],
                )

            tasks: list[asyncio.Task[Any]] = []
            if rate is not None:
                offsets = arrival_schedule(n, rate, arrival=arrival, burstiness=burstiness, rng=rng)
                clock, sleep, spawn = time.perf_counter, asyncio.sleep, asyncio.create_task
                for i, at in enumerate((start + offsets).tolist()):
                    if deadline is not None and at > deadline:
                        break
                    delay = at - clock()
                    while delay > 0:  # uvloop's millisecond timers may wake a little early
                        await sleep(delay)
                        delay = at - clock()
                    tasks.append(spawn(request(i, at)))
            else:
                counter = iter(range(n))

                async def worker() -> None:
                    for i in counter:
                        now = time.perf_counter()
                        if deadline is not None and now > deadline:
                            return
                        results[i] = await request(i, now)

                tasks = [asyncio.create_task(worker()) for _ in range(concurrency or 1)]
            remaining = (
                None if deadline is None else max(deadline - time.perf_counter(), 0.0) + timeout_s
            )
            _, pending = await asyncio.wait(tasks, timeout=remaining) if tasks else (set(), set())
            for task in pending:
                task.cancel()
            await asyncio.gather(*pending, return_exceptions=True)
            if rate is not None:  # task i sent request i
                for i, task in enumerate(tasks):
                    if not task.cancelled() and task.exception() is None:
                        results[i] = task.result()
    timings = tuple(t for t in results if t is not None)
    k = len(timings)
    phases = tuple(
        "warmup" if i < warmup else "cooldown" if i >= k - cooldown else "measured"
        for i in range(k)
    )
    settings = {
        "url": url,
        "model": model,
        "rate": rate,
        "concurrency": concurrency,
        "requests": n,
        "arrival": arrival,
        "burstiness": burstiness,
        "stream": stream,
        "chat": chat,
        "max_tokens": max_tokens,
        "warmup": warmup,
        "cooldown": cooldown,
        "seed": rng,
    }
    return LoadResult(timings, phases, rate, settings)
