"""Client-side rate limits: a token bucket, and limits shared beyond one client."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from typing import Protocol

from assay._util import check_number

__all__ = ["RateLimiter", "SharedLimits", "TokenBucket"]


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


class RateLimiter(Protocol):
    """What a client needs of a rate limit: a :class:`TokenBucket`, or one shared by many."""

    async def acquire(self, amount: float = 1.0) -> None:
        """Wait for ``amount`` and take it."""
        ...

    def adjust(self, amount: float) -> None:
        """Take ``amount`` more (or give back, when negative) without waiting."""
        ...


@dataclass(frozen=True)
class SharedLimits:
    """Rate limits shared beyond one client (the Ray backend's cluster-wide buckets); an
    adapter whose ``shared_limits`` holds one uses these in place of its own buckets."""

    requests: RateLimiter | None = None
    tokens: RateLimiter | None = None
