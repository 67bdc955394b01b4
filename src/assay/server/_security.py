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

from starlette.datastructures import MutableHeaders
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
_NO_STORE = ("/api/", "/login", "/logout")
_MAX_PATH = 500
_MAX_KEYS = 20
_MAX_KEY = 40

# a whole token pasted into a URL path is logged by its shown prefix only
_TOKEN = re.compile(r"(assay_[A-Za-z0-9_-]{6})[A-Za-z0-9_%-]{7,}")

_log = logging.getLogger(ACCESS_LOGGER)


def _query_names(query: bytes) -> list[str]:
    text = query.decode("latin-1")
    names = [k for k, _ in urllib.parse.parse_qsl(text, keep_blank_values=True)]
    return sorted({n[:_MAX_KEY] for n in names})[:_MAX_KEYS]


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
                headers = MutableHeaders(scope=message)
                for name, value in _HEADERS.items():
                    if name not in headers:
                        headers[name] = value
                if path.startswith(_NO_STORE):
                    headers["Cache-Control"] = "no-store"
            await send(message)

        try:
            await self.app(scope, receive, send_with_headers)
        finally:
            if _log.isEnabledFor(logging.INFO):
                _log.info(json.dumps(_entry(scope, log, path, status, started), ensure_ascii=True))


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
