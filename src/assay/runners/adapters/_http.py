"""HTTP plumbing shared by the endpoint adapters: retries with backoff, rate limits, one POST.

The client is aiohttp (one ``ClientSession`` over one ``TCPConnector(limit=concurrency)``),
chosen by measurement: against a 20 ms loopback server at concurrency 64 it sustains many
times the throughput of httpx's async client at a fraction of the CPU (``benchmarks/bench_http.py``).
aiohttp is imported only when an endpoint adapter connects (``pip install 'assay[http]'``).

Retry policy: a request is retried on status 429 and 5xx, on connection errors and on
timeouts, at most ``max_retries`` times. The wait before retry ``k`` (0-based) is
``min(max_backoff_s, backoff_s * 2**k)`` scaled by a uniform factor in [0.5, 1] ("equal
jitter"), and never shorter than the server's ``Retry-After`` (seconds or an HTTP date) or
``retry-after-ms``. Other statuses and unparseable bodies are not retried.
"""

from __future__ import annotations

import asyncio
import email.utils
import json
import random
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from assay._util import check_int, check_number, require

__all__ = ["HttpOutcome", "JsonPoster", "RetryPolicy", "TokenBucket", "import_aiohttp"]

_SNIPPET = 200


def import_aiohttp() -> Any:
    """The aiohttp module, or a MissingDependencyError with the install line."""
    return require("aiohttp", "http", feature="HTTP adapters")


@dataclass(frozen=True)
class RetryPolicy:
    """When and how long to wait before asking again."""

    max_retries: int = 3
    """Retries after the first attempt (0: never retry)."""
    backoff_s: float = 0.5
    """Base of the exponential backoff, in seconds."""
    max_backoff_s: float = 30.0
    """Cap of the backoff (a server's ``Retry-After`` may ask for longer and is honoured)."""
    timeout_s: float = 60.0
    """Limit on one attempt, from sending the request to reading the whole answer."""

    def __post_init__(self) -> None:
        check_int(self.max_retries, "max_retries", "RetryPolicy", minimum=0)
        check_number(self.backoff_s, "backoff_s", "RetryPolicy", low=0)
        check_number(self.max_backoff_s, "max_backoff_s", "RetryPolicy", low=0)
        check_number(self.timeout_s, "timeout_s", "RetryPolicy", low=0, low_open=True)

    def backoff(self, retry: int, rng: random.Random) -> float:
        """Seconds to wait before retry number ``retry`` (0-based), jitter included."""
        base = min(self.max_backoff_s, self.backoff_s * 2.0**retry)
        return base * (0.5 + 0.5 * rng.random())


def retry_after_seconds(headers: Mapping[str, str], now: float | None = None) -> float | None:
    """The wait a server asks for: ``retry-after-ms``, or ``Retry-After`` in seconds or as a date."""
    ms = headers.get("retry-after-ms")
    if ms is not None:
        try:
            return max(0.0, float(ms) / 1000.0)
        except ValueError:
            pass
    value = headers.get("Retry-After")
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    current = datetime.now(UTC).timestamp() if now is None else now
    return max(0.0, when.timestamp() - current)


class TokenBucket:
    """A token bucket refilled at ``per_minute / 60`` per second, holding at most ``burst``.

    :meth:`acquire` waits until the bucket holds what is asked (or is full, for a request
    larger than the bucket), then takes it; the level may go below zero, and :meth:`adjust`
    corrects a guess after the fact (tokens a request really used). Waiters are served in
    arrival order.
    """

    def __init__(self, per_minute: float, burst: float | None = None) -> None:
        check_number(per_minute, "per_minute", "TokenBucket", low=0, low_open=True)
        self.rate = per_minute / 60.0
        self.capacity = max(1.0, per_minute / 60.0 if burst is None else burst)
        self._level = self.capacity
        self._stamp = time.monotonic()
        self._lock: asyncio.Lock | None = None

    def _refill(self) -> None:
        now = time.monotonic()
        self._level = min(self.capacity, self._level + (now - self._stamp) * self.rate)
        self._stamp = now

    async def acquire(self, amount: float = 1.0) -> None:
        """Wait for ``amount`` and take it."""
        if self._lock is None:
            self._lock = asyncio.Lock()
        async with self._lock:
            self._refill()
            need = min(amount, self.capacity)
            if self._level < need:
                await asyncio.sleep((need - self._level) / self.rate)
                self._refill()
            self._level -= amount

    def adjust(self, amount: float) -> None:
        """Take ``amount`` more (or give back, when negative) without waiting."""
        self._refill()
        self._level = min(self.capacity, self._level - amount)


@dataclass(frozen=True)
class HttpOutcome:
    """The end of one request after its retries: a decoded JSON body, or why there is none."""

    body: Any = None
    """The decoded JSON answer (None when ``error`` is set)."""
    error: str | None = None
    """Why the request failed, e.g. ``HTTP 500 after 3 retries: ...``."""
    latency_ms: float = float("nan")
    """Wall time of the last attempt, in milliseconds (backoff waits are not included)."""
    attempts: int = 1
    """Attempts made, the first included."""


def _snippet(raw: bytes) -> str:
    text = raw[:_SNIPPET].decode("utf-8", errors="replace").strip()
    return text + ("..." if len(raw) > _SNIPPET else "")


def _retries(n: int) -> str:
    return f"after {n} {'retry' if n == 1 else 'retries'}"


class JsonPoster:
    """POSTs JSON over one ``aiohttp.ClientSession`` with the retries of a :class:`RetryPolicy`.

    ``before_attempt`` is awaited before every attempt (a request-rate limit); ``rng`` draws
    the backoff jitter.
    """

    def __init__(
        self,
        session: Any,
        *,
        policy: RetryPolicy,
        rng: random.Random,
        before_attempt: Callable[[], Awaitable[None]] | None = None,
    ) -> None:
        self.session = session
        self.policy = policy
        self.rng = rng
        self.before_attempt = before_attempt
        self._aiohttp = import_aiohttp()
        self._timeout = self._aiohttp.ClientTimeout(total=policy.timeout_s)
        self._retryable = (self._aiohttp.ClientConnectionError, self._aiohttp.ClientPayloadError)
        self._headers = {"Content-Type": "application/json"}

    async def post(self, url: str, payload: Any) -> HttpOutcome:
        """POST ``payload`` to ``url``; a failed request is an outcome with ``error``, not a raise."""
        policy = self.policy
        data = json.dumps(payload, ensure_ascii=False).encode("utf-8")
        retry = 0
        while True:
            wait: float | None = None
            if self.before_attempt is not None:
                await self.before_attempt()
            t0 = time.perf_counter()
            try:
                async with self.session.post(
                    url, data=data, headers=self._headers, timeout=self._timeout
                ) as resp:
                    raw = await resp.read()
                    status = resp.status
                    if status == 429 or status >= 500:
                        wait = retry_after_seconds(resp.headers)
            except TimeoutError:
                failure = f"timeout: no complete answer within {policy.timeout_s:g} s"
            except self._retryable as exc:
                failure = f"connection failed: {type(exc).__name__}: {exc}"
            else:
                latency = (time.perf_counter() - t0) * 1000.0
                if 200 <= status < 300:
                    try:
                        return HttpOutcome(json.loads(raw), None, latency, retry + 1)
                    except (ValueError, UnicodeDecodeError):
                        error = f"malformed JSON response: {_snippet(raw)!r}"
                        return HttpOutcome(None, error, latency, retry + 1)
                if not (status == 429 or status >= 500):
                    return HttpOutcome(None, f"HTTP {status}: {_snippet(raw)}", latency, retry + 1)
                failure = f"HTTP {status} {_retries(retry)}: {_snippet(raw)}"
            if retry >= policy.max_retries:
                if not failure.startswith("HTTP"):
                    failure = f"{failure} ({_retries(retry)})"
                latency = (time.perf_counter() - t0) * 1000.0
                return HttpOutcome(None, failure, latency, retry + 1)
            delay = policy.backoff(retry, self.rng)
            await asyncio.sleep(delay if wait is None else max(delay, wait))
            retry += 1
