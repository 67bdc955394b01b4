"""Refusing a write from nobody before its body is read.

FastAPI reads and parses a request's body before it resolves the dependencies that check
who is asking, so a signed-out ``POST`` would be read (up to the body limit) before its 401.
This middleware identifies every unsafe request (``POST``, ``PUT``, ``PATCH``, ``DELETE``)
first, from its headers and cookie alone, and answers 401 (or the 403/429 that identifying
gives) without reading a byte of the body. Signing in and out (``/login``, ``/logout``) are
the writes that need no identity; the route's own ``require`` still checks the role.
"""

from __future__ import annotations

from fastapi import HTTPException, Request
from starlette.types import ASGIApp, Receive, Scope, Send

from assay.server._auth import SAFE_METHODS, resolve, unauthenticated
from assay.server._errors import answer

__all__ = ["AuthGate"]

_OPEN = frozenset({"/login", "/logout"})


class AuthGate:
    """ASGI middleware: unsafe requests without an identity are refused before their body."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] != "http"
            or scope.get("method") in SAFE_METHODS
            or scope.get("path") in _OPEN
            or scope["app"].state.assay.settings.auth == "none"
        ):
            await self.app(scope, receive, send)
            return
        request = Request(scope)  # headers and cookies only: no receive, so no body
        try:
            identity = await resolve(request)  # a store read runs off the event loop
        except HTTPException as exc:
            await answer(exc, send)
            return
        if identity is None:
            await answer(unauthenticated(request), send)
            return
        await self.app(scope, receive, send)
