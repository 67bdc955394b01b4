"""Security headers on every response, and one JSON access-log line per request.

Every response gets a strict Content-Security-Policy (only this server's own scripts, styles
and images, no plugins, no framing, forms post only here), ``X-Content-Type-Options:
nosniff``, ``Referrer-Policy: same-origin`` and ``X-Frame-Options: DENY``; API responses and
the sign-in pages also ``Cache-Control: no-store``. (Not ``no-referrer``: under it a browser
sends ``Origin: null`` with form posts, which the cross-site check must refuse.)

The access log (logger ``assay.server.access``, level INFO) has one JSON object per request:
``time``, ``method``, ``path``, ``query`` (the parameter names only: values may be secret),
``status``, ``duration_ms``, ``identity`` (the user name, or null) and ``client``. It never
holds a header, a cookie or a query value, and a token pasted into a path is cut to its
shown prefix.
"""

from __future__ import annotations

import json
import logging
import re
import time
import urllib.parse
from datetime import UTC, datetime
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["ACCESS_LOGGER", "CONTENT_SECURITY_POLICY", "SecurityMiddleware"]

ACCESS_LOGGER = "assay.server.access"
"""The logger that receives one JSON line per request."""
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
)
_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
}
_RAW_HEADERS = tuple(
    (k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in _HEADERS.items()
)
_NO_STORE_HEADER = (b"cache-control", b"no-store")
_NO_STORE = ("/api/", "/login", "/logout")
_MAX_PATH = 500
_MAX_KEYS = 20
_MAX_KEY = 40
_MAX_KNOWN_QUERIES = 256
_known_queries: dict[bytes, tuple[str, ...]] = {}

# a whole token pasted into a URL path is logged by its shown prefix only
_TOKEN = re.compile(r"(assay_[A-Za-z0-9_-]{6})[A-Za-z0-9_%-]{7,}")

_log = logging.getLogger(ACCESS_LOGGER)


def _query_names(query: bytes) -> tuple[str, ...]:
    """The parameter names of a query string, sorted, each once (a query string asked
    before is answered from memory: dashboards and scripts repeat theirs)."""
    known = _known_queries.get(query)
    if known is not None:
        return known
    text = query.decode("latin-1")
    names = [k for k, _ in urllib.parse.parse_qsl(text, keep_blank_values=True)]
    found = tuple(sorted({n[:_MAX_KEY] for n in names})[:_MAX_KEYS])
    if len(query) <= 2 * _MAX_PATH:
        if len(_known_queries) >= _MAX_KNOWN_QUERIES:
            _known_queries.clear()
        _known_queries[query] = found
    return found


class SecurityMiddleware:
    """ASGI middleware adding the security headers and writing the access log."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        log: dict[str, Any] = {}
        scope["assay.log"] = log  # the identity is noted here once a route knows it
        path: str = scope.get("path", "")
        status = 500

        async def send_with_headers(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                _add_headers(message, path.startswith(_NO_STORE))
            await send(message)

        try:
            await self.app(scope, receive, send_with_headers)
        finally:
            if _log.isEnabledFor(logging.INFO):
                _log.info(json.dumps(_entry(scope, log, path, status, started), ensure_ascii=True))


def _add_headers(message: Message, no_store: bool) -> None:
    """The security headers a response does not set itself; ``Cache-Control: no-store``
    instead of any other when ``no_store``."""
    raw = list(message.get("headers", ()))
    present = {bytes(name).lower() for name, _ in raw}
    if no_store and _NO_STORE_HEADER[0] in present:
        raw = [(n, v) for n, v in raw if bytes(n).lower() != _NO_STORE_HEADER[0]]
    raw.extend(pair for pair in _RAW_HEADERS if pair[0] not in present)
    if no_store:
        raw.append(_NO_STORE_HEADER)
    message["headers"] = raw


def _entry(
    scope: Scope, log: dict[str, Any], path: str, status: int, started: float
) -> dict[str, Any]:
    """One access-log line: never a header, a cookie or a query value."""
    client = scope.get("client")
    return {
        "time": datetime.now(UTC).isoformat(timespec="milliseconds"),
        "method": scope.get("method"),
        "path": _TOKEN.sub(r"\1…", path[:_MAX_PATH]),
        "query": _query_names(scope.get("query_string", b"")),
        "status": status,
        "duration_ms": round((time.perf_counter() - started) * 1000, 2),
        "identity": log.get("identity"),
        "client": client[0] if client else None,
    }
