"""The dashboard app under a strict Content-Security-Policy, as the browser tests serve it."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from fastapi import FastAPI, Request, Response

from assay.server import ServerSettings, create_app
from assay.storage import Store

CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'"


def strict_app(store: Store) -> FastAPI:
    """The app on ``store`` with default settings, every response under :data:`CSP`."""
    app = create_app(store, ServerSettings())

    @app.middleware("http")
    async def strict_csp(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        response = await call_next(request)
        response.headers["Content-Security-Policy"] = CSP
        return response

    return app
