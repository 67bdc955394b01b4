"""Identifying requests and checking roles (FastAPI dependencies).

Endpoints declare the role they need with ``Depends(require(Role.editor))``, which returns
the caller's :class:`Identity` or refuses with 401 (not identified) or 403 (role too low).
Forms carry a CSRF token from :func:`csrf_token`, checked by :func:`check_csrf`.
"""

from __future__ import annotations

from collections.abc import Callable

from fastapi import Request

from assay.server._identity import Identity, Role
from assay.server._state import app_state

__all__ = ["check_csrf", "csrf_token", "identify", "require"]


def identify(request: Request) -> Identity | None:
    """The identity behind ``request``, or None when it carries none (or a wrong one)."""
    settings = app_state(request).settings
    if settings.auth == "none":
        return Identity("local", Role.admin, "none")
    return None


def require(role: Role) -> Callable[[Request], Identity]:
    """A dependency that returns the caller's identity when it holds ``role``."""

    def dependency(request: Request) -> Identity:
        from assay.server._errors import http_error

        identity = identify(request)
        if identity is None:
            raise http_error(401, "unauthenticated", "sign in or send a valid bearer token")
        if not identity.can(role):
            raise http_error(
                403, "forbidden", f"{identity.name} is {identity.role.name}; this needs {role.name}"
            )
        return identity

    return dependency


def csrf_token(request: Request) -> str:
    """The CSRF token to embed in forms rendered for ``request``."""
    return ""


def check_csrf(request: Request, token: str) -> None:
    """Refuse (403) a form post whose CSRF token does not match the request's session."""
