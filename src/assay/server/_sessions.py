"""Signed-in browser sessions, kept in the server's store.

Signing in on ``/login`` with a token starts a session: a random id in an ``HttpOnly``,
``SameSite=Strict`` cookie (``Secure`` over https); the store keeps the id's SHA-256 mapped to
the token's digest, never the token. Every request through a session checks the token again
(from memory while the store's ``identities`` counter stands, see :mod:`assay.server._auth_token`),
so revoking the token or removing its user ends the session at once. Sessions end after
:data:`SESSION_HOURS` hours and on ``/logout``; they survive a restart of the server and work
on every worker process of ``assay serve --workers N``.
"""

from __future__ import annotations

from datetime import timedelta

from fastapi import Request

from assay.server._state import session_repository

__all__ = [
    "COOKIE",
    "SESSION_HOURS",
    "end_session",
    "session_id",
    "start_session",
]

COOKIE = "assay_session"
"""The name of the session cookie."""
SESSION_HOURS = 12
"""How long a session lasts after signing in."""
_MAX_ID = 100


def start_session(request: Request, digest: str) -> str:
    """A new session for the token with ``digest``; returns the id for the cookie."""
    return session_repository(request).start(digest, timedelta(hours=SESSION_HOURS))


def session_id(request: Request) -> str | None:
    """The session id the request's cookie names (not checked)."""
    value = request.cookies.get(COOKIE)
    return value if value and len(value) <= _MAX_ID else None


def end_session(request: Request) -> None:
    """Forget the request's session (signing out)."""
    found = session_id(request)
    if found is not None:
        session_repository(request).end(found)
