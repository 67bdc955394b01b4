"""What one application instance holds: the store, the settings, the caches."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from assay.server._settings import ServerSettings

if TYPE_CHECKING:
    from fastapi import Request

    from assay.storage import SqlSessionRepository, SqlUserRepository, Store

__all__ = ["AppState", "app_state", "session_repository", "user_repository"]


@dataclass
class AppState:
    """The store and settings one application serves, and what it caches between requests."""

    store: Store
    settings: ServerSettings
    caches: dict[str, Any] = field(default_factory=dict)
    """Named caches (each owned by the module that fills it)."""


def app_state(request: Request) -> AppState:
    """The :class:`AppState` of the application serving ``request``."""
    state: AppState = request.app.state.assay
    return state


def user_repository(request: Request) -> SqlUserRepository:
    """The users and tokens of the store serving ``request``."""
    users = app_state(request).store.users
    if users is None:
        from assay.errors import ConfigError

        raise ConfigError("a server needs a database store of its own, not another server's")
    return users


def session_repository(request: Request) -> SqlSessionRepository:
    """The sessions, failed sign-ins and secrets of the store serving ``request``: in the
    database, so every worker process and a restarted server share them."""
    from assay.storage import SqlSessionRepository

    caches = app_state(request).caches
    found = caches.get("session_repository")
    if not isinstance(found, SqlSessionRepository):
        engine = app_state(request).store.engine
        if engine is None:
            from assay.errors import ConfigError

            raise ConfigError("a server needs a database store of its own, not another server's")
        found = caches.setdefault("session_repository", SqlSessionRepository(engine))
    return found
