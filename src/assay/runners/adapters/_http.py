"""HTTP plumbing shared by the endpoint adapters: retries with backoff, rate limits, one POST.

The client is aiohttp (one ``ClientSession`` over one ``TCPConnector(limit=concurrency)``),
chosen by measurement: against a 20 ms loopback server at concurrency 64 it sustains many
times the throughput of httpx's async client at a fraction of the CPU (``benchmarks/bench_http.py``).
aiohttp is imported only when an endpoint adapter connects (``pip install 'assay[http]'``).

Rate limits (token buckets) live in :mod:`assay.runners.adapters._buckets`.

Retry policy: a request is retried on status 429 and 5xx, on connection errors and on
timeouts, at most ``max_retries`` times. The wait before retry ``k`` (0-based) is
``min(max_backoff_s, backoff_s * 2**k)`` scaled by a uniform factor in [0.5, 1] ("equal
jitter"), and never shorter than the server's ``Retry-After`` (seconds or an HTTP date) or
``retry-after-ms``, which is honoured up to ``max_retry_after_s`` (60 s): a server that asks
for longer, or for an endless wait, is asked again after 60 s. Other statuses and
unparseable bodies are not retried.

An answer larger than 64 MiB is not read: the request fails with an error saying so (no model
answer is that large; a server that sends one is broken, and reading it could exhaust memory).

A failure is the endpoint's, not the example's (:attr:`HttpOutcome.endpoint_error`), when
the server cannot be reached (connection refused, unknown host, TLS failure, an invalid URL)
or answers 401, 403 or 404 (credentials refused, no such path or model). A body that is not
UTF-8 is read with each invalid byte replaced by U+FFFD.
"""

from __future__ import annotations

import asyncio
import email.utils
import json
import math
import random
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from assay._util import check_int, check_number, require
from assay.runners._json import Encoder, loads

__all__ = ["HttpOutcome", "JsonPoster", "RetryPolicy", "import_aiohttp"]

_SNIPPET = 200
# credentials refused, no such path or model: every other request will fail the same way
_ENDPOINT_STATUSES = frozenset({401, 403, 404})
MAX_BODY_BYTES = 64 * 2**20
_JSON_TYPE = "application/json"


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
    max_retry_after_s: float = 60.0
    """Longest wait a server's ``Retry-After`` is honoured for; a longer one is cut to this."""

    def __post_init__(self) -> None:
        check_int(self.max_retries, "max_retries", "RetryPolicy", minimum=0)
        check_number(self.backoff_s, "backoff_s", "RetryPolicy", low=0)
        check_number(self.max_backoff_s, "max_backoff_s", "RetryPolicy", low=0)
        check_number(self.timeout_s, "timeout_s", "RetryPolicy", low=0, low_open=True)
        check_number(self.max_retry_after_s, "max_retry_after_s", "RetryPolicy", low=0)

    def backoff(self, retry: int, rng: random.Random) -> float:
        """Seconds to wait before retry number ``retry`` (0-based), jitter included."""
        base = min(self.max_backoff_s, self.backoff_s * 2.0**retry)
        return base * (0.5 + 0.5 * rng.random())


def _seconds(text: str, scale: float) -> float | None:
    try:
        value = float(text) / scale
    except ValueError:
        return None
    # "inf" is an endless wait (cut to the policy's cap); "nan" asks for nothing readable
    return None if math.isnan(value) else max(0.0, value)


def retry_after_seconds(headers: Mapping[str, str], now: float | None = None) -> float | None:
    """The wait a server asks for: ``retry-after-ms``, or ``Retry-After`` in seconds or as a date.

    The value is as asked (possibly huge or infinite); :class:`JsonPoster` caps it.
    """
    ms = headers.get("retry-after-ms")
    if ms is not None:
        wait = _seconds(ms, 1000.0)
        if wait is not None:
            return wait
    value = headers.get("Retry-After")
    if value is None:
        return None
    wait = _seconds(value, 1.0)
    if wait is not None:
        return wait
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, OverflowError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    current = datetime.now(UTC).timestamp() if now is None else now
    return max(0.0, when.timestamp() - current)


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
    endpoint_error: bool = False
    """The failure is the endpoint's (unreachable, 401, 403, 404), not the request's."""
    raw: bytes = b""
    """The raw answer of a decoded body."""

    @property
    def snippet(self) -> str:
        """The start of the raw answer, for messages about a body of the wrong shape."""
        return _snippet(self.raw) if self.raw else ""


def _decoded(body: Any, latency_ms: float, attempts: int, raw: bytes) -> HttpOutcome:
    """``HttpOutcome(body, None, latency_ms, attempts, raw=raw)``, the same object made without
    the frozen dataclass's ``object.__setattr__`` call per field (one per request)."""
    outcome = _new(HttpOutcome)
    outcome.__dict__.update(
        body=body,
        error=None,
        latency_ms=latency_ms,
        attempts=attempts,
        endpoint_error=False,
        raw=raw,
    )
    return outcome


_new = object.__new__


async def _read_at_most(resp: Any, limit: int) -> bytes | None:
    """The whole body, or None when it is longer than ``limit`` bytes (then left unread)."""
    declared = resp.content_length
    if declared is not None:
        return None if declared > limit else bytes(await resp.read())
    body = bytearray()
    async for chunk in resp.content.iter_any():
        body += chunk
        if len(body) > limit:
            return None
    return bytes(body)


# json.dumps builds an encoder per call when given options; one shared encoder is the same
_TO_JSON = Encoder(ensure_ascii=False)


def _decode(raw: bytes) -> Any:
    """The JSON of an answer; invalid UTF-8 bytes are read as U+FFFD rather than refused."""
    try:
        return loads(raw)
    except UnicodeDecodeError:
        return loads(raw.decode("utf-8", errors="replace"))


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
        import multidict  # aiohttp's own dependency

        self._timeout = self._aiohttp.ClientTimeout(total=policy.timeout_s)
        self._retryable = (self._aiohttp.ClientConnectionError, self._aiohttp.ClientPayloadError)
        # None where the session sends it already (aiohttp merges a request's headers into a
        # copy of the session's on every request); else a multidict, which aiohttp would
        # otherwise build from a dict for every request
        sent = getattr(session, "headers", None) or {}
        self._headers = (
            None
            if sent.get("Content-Type") == _JSON_TYPE
            else multidict.CIMultiDict({"Content-Type": _JSON_TYPE})
        )

    async def post(self, url: str, payload: Any) -> HttpOutcome:
        """POST ``payload`` to ``url``; a failed request is an outcome with ``error``, not a raise."""
        policy = self.policy
        try:
            data = _TO_JSON.encode(payload).encode("utf-8")
        except UnicodeEncodeError:  # a lone surrogate: JSON's \u escape is valid ASCII
            data = json.dumps(payload, ensure_ascii=True).encode("ascii")
        retry = 0
        while True:
            wait: float | None = None
            endpoint = False
            if self.before_attempt is not None:
                await self.before_attempt()
            t0 = time.perf_counter()
            try:
                async with self.session.post(
                    url, data=data, headers=self._headers, timeout=self._timeout
                ) as resp:
                    status = resp.status
                    raw = await _read_at_most(resp, MAX_BODY_BYTES)
                    if raw is None:
                        latency = (time.perf_counter() - t0) * 1000.0
                        error = f"HTTP {status}: the answer is larger than {MAX_BODY_BYTES} bytes"
                        return HttpOutcome(None, error, latency, retry + 1)
                    if status == 429 or status >= 500:
                        wait = retry_after_seconds(resp.headers)
            except TimeoutError:
                failure = f"timeout: no complete answer within {policy.timeout_s:g} s"
            except self._aiohttp.InvalidURL as exc:
                # no retry can mend an address
                latency = (time.perf_counter() - t0) * 1000.0
                error = f"invalid URL {url!r}: {type(exc).__name__}: {exc}"
                return HttpOutcome(None, error, latency, retry + 1, endpoint_error=True)
            except self._retryable as exc:
                endpoint = isinstance(exc, self._aiohttp.ClientConnectorError)
                failure = f"connection failed: {type(exc).__name__}: {exc}"
            else:
                latency = (time.perf_counter() - t0) * 1000.0
                if 200 <= status < 300:
                    try:
                        return _decoded(_decode(raw), latency, retry + 1, raw)
                    except (ValueError, RecursionError):
                        error = f"malformed JSON response: {_snippet(raw)!r}"
                        return HttpOutcome(None, error, latency, retry + 1)
                if not (status == 429 or status >= 500):
                    return HttpOutcome(
                        None,
                        f"HTTP {status}: {_snippet(raw)}",
                        latency,
                        retry + 1,
                        endpoint_error=status in _ENDPOINT_STATUSES,
                    )
                failure = f"HTTP {status} {_retries(retry)}: {_snippet(raw)}"
            if retry >= policy.max_retries:
                if not failure.startswith("HTTP"):
                    failure = f"{failure} ({_retries(retry)})"
                latency = (time.perf_counter() - t0) * 1000.0
                return HttpOutcome(None, failure, latency, retry + 1, endpoint_error=endpoint)
            delay = policy.backoff(retry, self.rng)
            if wait is not None:
                delay = max(delay, min(wait, policy.max_retry_after_s))
            await asyncio.sleep(delay)
            retry += 1
