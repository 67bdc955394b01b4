"""Counting failed sign-ins and failed token checks per client address.

After ``sign_in_attempts_per_minute`` failures within a minute, an address is refused with
429 and ``Retry-After`` until its oldest failure is a minute old, whether or not its next
token would be right: guessing tokens gets no faster than the limit allows. The failures are
counted in the store, so every worker process counts them together.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

from fastapi import Request

from assay.server._state import app_state, session_repository

__all__ = ["check_not_limited", "client_address", "record_failure"]

_WINDOW = timedelta(minutes=1)


def client_address(request: Request) -> str:
    """The address the request came from (the proxy's, behind a reverse proxy)."""
    return request.client.host if request.client else "unknown"


def check_not_limited(request: Request) -> None:
    """Refuse (429 with ``Retry-After``) an address with too many recent failures."""
    from assay.server._errors import http_error

    limit = app_state(request).settings.sign_in_attempts_per_minute
    times = session_repository(request).recent_failures(client_address(request), _WINDOW)
    if len(times) < limit:
        return
    # the oldest failure that keeps the address at its limit must age out first
    until = times[len(times) - limit] + _WINDOW
    wait = max(1, math.ceil((until - datetime.now(UTC)).total_seconds()))
    error = http_error(429, "too_many_attempts", f"too many failed sign-ins; try again in {wait} s")
    error.headers = {"Retry-After": str(wait)}
    raise error


def record_failure(request: Request) -> None:
    """Count a failed sign-in or token check against the request's address."""
    session_repository(request).record_failure(client_address(request), _WINDOW)
