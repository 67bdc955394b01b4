"""The ASGI application: routers, error handlers and middleware over one store."""

from __future__ import annotations

from typing import TYPE_CHECKING

from fastapi import FastAPI

from assay.server._errors import install_error_handlers
from assay.server._settings import ServerSettings
from assay.server._state import AppState

if TYPE_CHECKING:
    from assay.storage import Store

__all__ = ["create_app"]


def create_app(store: Store, settings: ServerSettings | None = None) -> FastAPI:
    """The assay server application over ``store``; it signs nothing (see
    :mod:`assay.server._unsigned`)."""
    from assay import __version__
    from assay.server import _api, _health, _metrics, _pages, _users_api
    from assay.server._auth_gate import AuthGate
    from assay.server._counters import release_counters
    from assay.server._runs_fast import RunsFastPath
    from assay.server._security import SecurityMiddleware
    from assay.server._unsigned import UnsignedMiddleware

    settings = settings or ServerSettings()
    if store.engine is None:
        from assay.errors import ConfigError

        raise ConfigError(
            f"assay serve needs a database store (sqlite:// or postgresql://), not {store.url}: "
            "a server cannot serve another server's store"
        )
    app = FastAPI(
        title="assay",
        version=__version__,
        summary="Evidence for ship/stop decisions on machine-learning models.",
        docs_url=None,
        redoc_url=None,
        openapi_url="/api/v1/openapi.json",
    )
    app.state.assay = AppState(store=store, settings=settings)
    app.router.add_event_handler("shutdown", lambda: release_counters(app.state.assay))
    install_error_handlers(app)
    app.add_middleware(RunsFastPath)  # innermost: identified, logged and headed as any
    app.add_middleware(AuthGate)  # outside the body limit: nobody's body is not even counted
    app.add_middleware(SecurityMiddleware)
    app.add_middleware(UnsignedMiddleware)
    app.include_router(_health.router)
    app.include_router(_metrics.router)
    app.include_router(_api.router)
    app.include_router(_users_api.router)
    app.include_router(_pages.router)
    return app
