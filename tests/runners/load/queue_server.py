"""A real SSE server on loopback that queues: c workers, exponential service times (M/M/c).

With Poisson arrivals at rate λ the time to first token is the M/M/c sojourn time (wait for a
worker, then the service), whose distribution is known in closed form (Erlang C), so the true
capacity under a TTFT objective is known: :func:`true_capacity`.
"""

from __future__ import annotations

import asyncio
import json
import math
import random

from aiohttp import web
from scipy import optimize
from sse_loopback import LoopbackApp


def erlang_c(c: int, load: float) -> float:
    """Probability that an arrival waits in an M/M/c queue with offered load λ/μ."""
    head = sum(load**k / math.factorial(k) for k in range(c))
    top = load**c / math.factorial(c) * c / (c - load)
    return top / (head + top)


def share_within(rate: float, c: int, mu: float, t: float) -> float:
    """P(sojourn <= t) in M/M/c: no wait then Exp(μ), or a wait Exp(cμ − λ) plus Exp(μ)."""
    waits = erlang_c(c, rate / mu)
    r = c * mu - rate
    both = (r * math.exp(-mu * t) - mu * math.exp(-r * t)) / (r - mu)
    return 1.0 - ((1.0 - waits) * math.exp(-mu * t) + waits * both)


def true_capacity(c: int, mu: float, t: float, q: float) -> float:
    """The highest Poisson rate at which the q-quantile of the sojourn time is at most t."""
    return float(optimize.brentq(lambda lam: share_within(lam, c, mu, t) - q, 1e-6, c * mu - 1e-6))


class QueueServer(LoopbackApp):
    """``workers`` concurrent services of Exp(mean 1/mu) each; the answer streams after it."""

    def __init__(self, *, workers: int = 8, mu: float = 12.5, seed: int = 0) -> None:
        self.workers, self.mu = workers, mu
        self.random = random.Random(seed)
        self.url = ""

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        await request.json()
        async with self.slots:
            await asyncio.sleep(self.random.expovariate(self.mu))
        response = web.StreamResponse(headers={"Content-Type": "text/event-stream"})
        await response.prepare(request)
        event = {"choices": [{"delta": {"content": "ok"}}]}
        usage = {"choices": [], "usage": {"prompt_tokens": 3, "completion_tokens": 1}}
        await response.write(f"data: {json.dumps(event)}\n\ndata: {json.dumps(usage)}\n\n".encode())
        await response.write(b"data: [DONE]\n\n")
        return response

    def __enter__(self) -> QueueServer:
        self.slots = asyncio.Semaphore(self.workers)
        port = self._serve()
        self.url = f"http://127.0.0.1:{port}/v1/chat/completions"
        return self

    def __exit__(self, *exc: object) -> None:
        self._close()
