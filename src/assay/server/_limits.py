"""Counting failed sign-ins and failed token checks per client address.

After ``sign_in_attempts_per_minute`` failures within a minute, an address is refused with
429 and ``Retry-After`` until its oldest failure is a minute old, whether or not its next
token would be right: guessing tokens gets no faster than the limit allows.
"""

from __future__ import annotations

import math
import threading
import time
from collections import OrderedDict, deque

from fastapi import Request

from assay.server._state import app_state

__all__ = ["check_not_limited", "client_address", "record_failure"]

_KEY = "sign_in_failures"
_WINDOW = 60.0
_MAX_ADDRESSES = 10_000


class _Failures:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.by_address: OrderedDict[str, deque[float]] = OrderedDict()


def _failures(request: Request) -> _Failures:
    caches = app_state(request).caches
    found = caches.get(_KEY)
    if not isinstance(found, _Failures):
        found = caches.setdefault(_KEY, _Failures())
    assert isinstance(found, _Failures)
    return found


def client_address(request: Request) -> str:
    """The address the request came from (the proxy's, behind a reverse proxy)."""
    return request.client.host if request.client else "unknown"


def _recent(times: deque[float], now: float) -> deque[float]:
    while times and times[0] <= now - _WINDOW:
        times.popleft()
    return times


def check_not_limited(request: Request) -> None:
    """Refuse (429 with ``Retry-After``) an address with too many recent failures."""
    from assay.server._errors import http_error

    limit = app_state(request).settings.sign_in_attempts_per_minute
    failures = _failures(request)
    now = time.monotonic()
    with failures.lock:
        times = failures.by_address.get(client_address(request))
        if times is None or len(_recent(times, now)) < limit:
            return
        wait = max(1, math.ceil(times[0] + _WINDOW - now))
    error = http_error(429, "too_many_attempts", f"too many failed sign-ins; try again in {wait} s")
    error.headers = {"Retry-After": str(wait)}
    raise error


def record_failure(request: Request) -> None:
    """Count a failed sign-in or token check against the request's address."""
    failures = _failures(request)
    now = time.monotonic()
    address = client_address(request)
    with failures.lock:
        times = failures.by_address.setdefault(address, deque())
        failures.by_address.move_to_end(address)
        _recent(times, now).append(now)
        while len(failures.by_address) > _MAX_ADDRESSES:
            failures.by_address.popitem(last=False)
