"""Signed-in browser sessions, kept on the server.

Signing in on ``/login`` with a token starts a session: a random id in an ``HttpOnly``,
``SameSite=Strict`` cookie (``Secure`` over https), mapped in the server's memory to the
token's digest, never the token. Every request through a session checks the token again, so
revoking the token or removing its user ends the session at once. Sessions also end after
:data:`SESSION_HOURS` hours, on ``/logout``, and when the server restarts.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass

from fastapi import Request

from assay.server._state import app_state

__all__ = [
    "COOKIE",
    "SESSION_HOURS",
    "end_session",
    "session_digest",
    "session_id",
    "start_session",
]

COOKIE = "assay_session"
"""The name of the session cookie."""
SESSION_HOURS = 12
"""How long a session lasts after signing in."""
_KEY = "sessions"
_MAX_SESSIONS = 10_000
_MAX_ID = 100


@dataclass(frozen=True)
class _Session:
    digest: str
    expires: float


class _Sessions:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.by_id: OrderedDict[str, _Session] = OrderedDict()


def _sessions(request: Request) -> _Sessions:
    caches = app_state(request).caches
    found = caches.get(_KEY)
    if not isinstance(found, _Sessions):
        found = caches.setdefault(_KEY, _Sessions())
    assert isinstance(found, _Sessions)
    return found


def start_session(request: Request, digest: str) -> str:
    """A new session for the token with ``digest``; returns the id for the cookie."""
    sessions = _sessions(request)
    session_id = secrets.token_urlsafe(32)
    with sessions.lock:
        sessions.by_id[session_id] = _Session(digest, time.monotonic() + SESSION_HOURS * 3600)
        while len(sessions.by_id) > _MAX_SESSIONS:
            sessions.by_id.popitem(last=False)
    return session_id


def session_id(request: Request) -> str | None:
    """The session id the request's cookie names (not checked)."""
    value = request.cookies.get(COOKIE)
    return value if value and len(value) <= _MAX_ID else None


def session_digest(request: Request) -> str | None:
    """The token digest of the request's live session, or None."""
    found = session_id(request)
    if found is None:
        return None
    sessions = _sessions(request)
    with sessions.lock:
        session = sessions.by_id.get(found)
        if session is None:
            return None
        if session.expires <= time.monotonic():
            del sessions.by_id[found]
            return None
        return session.digest


def end_session(request: Request) -> None:
    """Forget the request's session (signing out)."""
    found = session_id(request)
    if found is not None:
        sessions = _sessions(request)
        with sessions.lock:
            sessions.by_id.pop(found, None)
