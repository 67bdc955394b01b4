"""The application of one worker process of ``assay serve --workers N``.

uvicorn starts each worker as a fresh process that imports :func:`worker_app` and calls it;
the settings and the store's address come from the parent in :data:`WORKER_ENV` (JSON, never
a token: the settings hold no secret). Each worker opens the store itself. Sessions, failed
sign-ins and the CSRF key live in the store, so every worker knows them.
"""

from __future__ import annotations

import json
import os
from typing import TYPE_CHECKING, Any

from assay.server._identity import Role
from assay.server._settings import ServerSettings

if TYPE_CHECKING:
    from fastapi import FastAPI

__all__ = ["WORKER_ENV", "settings_from_json", "settings_to_json", "worker_app"]

WORKER_ENV = "ASSAY_SERVE_WORKER"
"""The environment variable that carries the worker's settings and store URL."""


def settings_to_json(settings: ServerSettings, store_url: str | None) -> str:
    """``settings`` and the store URL as the JSON :func:`worker_app` reads."""
    fields: dict[str, Any] = {
        "host": settings.host,
        "port": settings.port,
        "auth": settings.auth,
        "auth_header": settings.auth_header,
        "header_roles": {name: role.name for name, role in settings.header_roles.items()},
        "header_default_role": (
            settings.header_default_role.name if settings.header_default_role else None
        ),
        "max_upload_bytes": settings.max_upload_bytes,
        "comparison_cache_size": settings.comparison_cache_size,
        "sign_in_attempts_per_minute": settings.sign_in_attempts_per_minute,
        "workers": settings.workers,
    }
    return json.dumps({"settings": fields, "store": store_url})


def settings_from_json(text: str) -> tuple[ServerSettings, str | None]:
    """The settings and store URL that :func:`settings_to_json` wrote."""
    data = json.loads(text)
    fields = dict(data["settings"])
    fields["header_roles"] = {k: Role[v] for k, v in fields["header_roles"].items()}
    default = fields["header_default_role"]
    fields["header_default_role"] = Role[default] if default else None
    return ServerSettings(**fields), data["store"]


def worker_app() -> FastAPI:
    """The application of one worker: the store opened in this process, the settings the
    parent passed. The store closes when the worker stops."""
    from assay.server._app import create_app
    from assay.server._serve import log_access, settle
    from assay.storage import open_store

    settings, store_url = settings_from_json(os.environ[WORKER_ENV])
    store = open_store(store_url)
    log_access()
    app = create_app(store, settings)
    app.router.add_event_handler("shutdown", store.close)
    settle()
    return app
