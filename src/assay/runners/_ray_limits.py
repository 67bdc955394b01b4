"""Rate limits that hold across a Ray cluster: one token bucket per limit, kept by one actor.

An adapter's ``requests_per_minute`` and ``tokens_per_minute`` are client-side token buckets
(:class:`~assay.runners.TokenBucket`). Run in every shard, they would let the cluster send
``num_shards`` times the limit. The Ray backend therefore keeps each limit in one actor (no
CPU reserved, so it fits beside the shards on a full cluster) and hands every shard a
:class:`ClusterBucket` in place of its own bucket.

The actor keeps the same bucket (refilled at ``per_minute / 60`` per second, holding one
second's worth) but never waits itself: :meth:`_Bucket.reserve` takes what is asked at
once, letting the level go below zero, and returns how long the caller must wait before
sending — the time the bucket would take to hold what was asked. Reservations are served in
the order they reach the actor, so requests leave, cluster-wide, at the bucket's rate
whatever the number of shards. The waits are durations, not times, so the clocks of the
machines need not agree; the latency of one actor call (about a millisecond on one
machine) is added to every request that is limited.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

from assay.runners.adapters._buckets import SharedLimits

__all__ = ["ClusterBucket", "shared_limits", "stop_limits"]


class _Bucket:
    """The actor's state: one token bucket (see the module docstring)."""

    def __init__(self, per_minute: float) -> None:
        self.rate = per_minute / 60.0
        self.capacity = max(1.0, self.rate)
        self.level = self.capacity
        self.stamp = time.monotonic()

    def _refill(self) -> None:
        now = time.monotonic()
        self.level = min(self.capacity, self.level + (now - self.stamp) * self.rate)
        self.stamp = now

    def reserve(self, amount: float) -> float:
        """Take ``amount`` now; seconds the caller must wait before using it."""
        self._refill()
        need = min(amount, self.capacity)
        wait = max(0.0, (need - self.level) / self.rate)
        self.level -= amount
        return wait

    def adjust(self, amount: float) -> None:
        """Take ``amount`` more (or give back, when negative) without waiting."""
        self._refill()
        self.level = min(self.capacity, self.level - amount)


class ClusterBucket:
    """A shard's handle on a cluster-wide bucket; used as a :class:`TokenBucket` is."""

    def __init__(self, actor: Any) -> None:
        self.actor = actor

    async def acquire(self, amount: float = 1.0) -> None:
        """Wait for ``amount`` and take it, in turn with every shard of the cluster."""
        wait = await self.actor.reserve.remote(float(amount))
        if wait > 0:
            await asyncio.sleep(wait)

    def adjust(self, amount: float) -> None:
        """Take ``amount`` more (or give back) without waiting for the actor's answer."""
        self.actor.adjust.remote(float(amount))


def shared_limits(ray: Any, adapter: object) -> tuple[list[Any], SharedLimits | None]:
    """One actor per rate limit of ``adapter``, and the limits the shards use; none when the
    adapter has no limit or cannot take shared ones (no ``shared_limits`` attribute)."""
    if not hasattr(adapter, "shared_limits"):
        return [], None
    actors: dict[str, Any] = {}
    for kind in ("requests", "tokens"):
        per_minute = getattr(adapter, f"{kind}_per_minute", None)
        if per_minute is not None:
            actors[kind] = ray.remote(num_cpus=0)(_Bucket).remote(float(per_minute))
    if not actors:
        return [], None
    limits = SharedLimits(
        requests=ClusterBucket(actors["requests"]) if "requests" in actors else None,
        tokens=ClusterBucket(actors["tokens"]) if "tokens" in actors else None,
    )
    return list(actors.values()), limits


def stop_limits(ray: Any, actors: list[Any]) -> None:
    """End the limit actors of a call."""
    for actor in actors:
        ray.kill(actor)
