"""Users and tokens under ``/api/v1/users`` (admins), and signing in and out of the pages.

* ``GET /api/v1/me``: who the caller is (``name``, ``role``, ``via``).
* ``GET /api/v1/users``: every user with what is kept of their tokens (prefixes and times,
  never a token).
* ``POST /api/v1/users`` ``{"name", "role", "expires_days"?}``: adds a user and answers 201
  with their first token, the only time it is shown.
* ``DELETE /api/v1/users/{name}``: removes a user; their tokens and sessions stop working.
* ``POST /api/v1/users/{name}/tokens`` ``{"expires_days"?}``: issues another token.
* ``DELETE /api/v1/users/{name}/tokens/{prefix}``: revokes one token.

The pages: ``GET /login`` shows a form for a token, ``POST /login`` checks it and starts a
session (see :mod:`assay.server._sessions`), then goes to ``next`` when that is a path on this
server (anything else goes to ``/``); ``POST /logout`` ends the session.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, ConfigDict, Field

from assay.server._api_models import ERROR_RESPONSES
from assay.server._auth import require
from assay.server._identity import Identity, Role
from assay.server._signin import router as signin_router
from assay.server._state import user_repository

__all__ = ["router"]

router = APIRouter()
router.include_router(signin_router)
api = APIRouter(responses=ERROR_RESPONSES)

Admin = Annotated[Identity, Depends(require(Role.admin))]
Viewer = Annotated[Identity, Depends(require(Role.viewer))]
_NAME = Field(min_length=1, max_length=200)


class NewUser(BaseModel):
    """A user to add."""

    model_config = ConfigDict(extra="forbid")
    name: str = _NAME
    """The user name."""
    role: str = Field(min_length=1, max_length=16)
    """viewer, editor, approver or admin."""
    expires_days: int | None = Field(default=None, ge=1, le=36_500)
    """Days until the first token stops working (default: never)."""


class NewToken(BaseModel):
    """A token to issue."""

    model_config = ConfigDict(extra="forbid")
    expires_days: int | None = Field(default=None, ge=1, le=36_500)
    """Days until the token stops working (default: never)."""


def _expiry(days: int | None) -> datetime | None:
    return None if days is None else datetime.now(UTC) + timedelta(days=days)


def _token_json(info: Any) -> dict[str, Any]:
    return {
        "prefix": info.prefix,
        "user": info.user,
        "created_at": info.created_at.isoformat(),
        "expires_at": info.expires_at.isoformat() if info.expires_at else None,
        "revoked_at": info.revoked_at.isoformat() if info.revoked_at else None,
        "active": info.active(),
    }


def _issued_json(issued: Any) -> dict[str, Any]:
    return {
        "token": issued.token,
        **_token_json(issued.info),
        "note": "This token is shown once; it cannot be shown again.",
    }


@api.get("/api/v1/me")
def me(identity: Viewer) -> dict[str, str]:
    """The caller's name, role and how they were identified."""
    return {"name": identity.name, "role": identity.role.name, "via": identity.via}


@api.get("/api/v1/users")
def list_users(request: Request, identity: Admin) -> dict[str, Any]:
    """Every user with their tokens' prefixes and times."""
    users = user_repository(request)
    tokens: dict[str, list[dict[str, Any]]] = {}
    for info in users.tokens():
        tokens.setdefault(info.user, []).append(_token_json(info))
    items = [
        {
            "name": u.name,
            "role": u.role,
            "created_at": u.created_at.isoformat(),
            "tokens": tokens.get(u.name, []),
        }
        for u in users.list()
    ]
    return {"items": items, "next_cursor": None}


@api.post("/api/v1/users", status_code=201)
def add_user(request: Request, body: NewUser, identity: Admin) -> dict[str, Any]:
    """Add a user; the answer holds their first token, shown this once."""
    role = Role.parse(body.role).name
    issued = user_repository(request).add(body.name, role, expires_at=_expiry(body.expires_days))
    return {"name": body.name, "role": role, **_issued_json(issued)}


@api.delete("/api/v1/users/{name}")
def remove_user(request: Request, name: str, identity: Admin) -> dict[str, str]:
    """Remove a user: their tokens and sessions stop working at once."""
    user_repository(request).remove(name)
    return {"removed": name}


@api.post("/api/v1/users/{name}/tokens", status_code=201)
def issue_token(
    request: Request, name: str, identity: Admin, body: NewToken | None = None
) -> dict[str, Any]:
    """Issue another token for ``name``; shown this once."""
    days = body.expires_days if body else None
    issued = user_repository(request).issue_token(name, expires_at=_expiry(days))
    return _issued_json(issued)


@api.delete("/api/v1/users/{name}/tokens/{prefix}")
def revoke_token(request: Request, name: str, prefix: str, identity: Admin) -> dict[str, Any]:
    """Revoke the token of ``name`` starting with ``prefix``."""
    return _token_json(user_repository(request).revoke(prefix, user=name))


router.include_router(api)
