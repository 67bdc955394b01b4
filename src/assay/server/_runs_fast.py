"""Answering a runs-list URL asked before, ahead of the router.

The runs list (``GET /api/v1/runs``) is what dashboards and scripts poll. A page the route
built or served under the store's current runs counter is also kept under the request's exact
query string (:mod:`assay.server._runs_cache`). A request for the same query string from a
viewer or above, while that counter stands, is answered from memory here: identified as
every request is (:func:`assay.server._auth.resolve`), its counter read after it arrived,
with no routing, parameter validation or worker thread. Anything else (a query string not
kept, a moved counter, a caller who is not a viewer, an identification that fails) goes on to
the route, which answers it, errors included, as always. The middlewares around this one
(security headers, access log, signing off) see both alike.
"""

from __future__ import annotations

from fastapi import Request
from starlette.types import ASGIApp, Receive, Scope, Send

from assay.server._auth import resolve
from assay.server._identity import Role
from assay.server._runs_cache import kept_page

__all__ = ["RunsFastPath"]

_PATH = "/api/v1/runs"


class RunsFastPath:
    """ASGI middleware: a kept runs-list page for a viewer, before routing."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope.get("method") == "GET" and scope["path"] == _PATH:
            body = await _kept(scope)
            if body is not None:
                headers = [
                    (b"content-length", str(len(body)).encode("ascii")),
                    (b"content-type", b"application/json"),
                ]
                await send({"type": "http.response.start", "status": 200, "headers": headers})
                await send({"type": "http.response.body", "body": body})
                return
        await self.app(scope, receive, send)


async def _kept(scope: Scope) -> bytes | None:
    try:
        identity = await resolve(Request(scope))
        if identity is None or not identity.can(Role.viewer):
            return None
        return await kept_page(scope["app"].state.assay, scope.get("query_string", b""), scope)
    except Exception:  # refused, or the store failed: the route answers with the error
        return None
