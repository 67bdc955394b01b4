"""Identifying a bearer token or a session cookie, and remembering who they were.

Checking a token reads the store: the address's recent failed sign-ins, then the token's
digest; a session reads its row, then its token's. Each answer is remembered in memory under
the store's change counters (:mod:`assay.server._counters`) as read before it was looked up:
who a token or session is, while the ``identities`` counter stands (a user added or removed,
a token revoked, a session ended all move it on, in the same transaction); that an address
has no recent failure, while the ``sign_in_failures`` counter stands. Every request reads
the counters after it arrives (one read shared by the requests that arrive together), so a
revocation by anyone (another worker, the CLI on the same database) takes effect for every
request that arrives after it is committed, as when every request read the store. Expiry is
checked against the clock at each use. Wrong tokens are never remembered: each one goes to
the store and counts as a failure.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Mapping
from datetime import UTC, datetime

from fastapi import Request

from assay.server._identity import Identity, Role
from assay.server._limits import check_not_limited, client_address, record_failure
from assay.server._sessions import end_session, session_id
from assay.server._state import AppState, app_state, session_repository, user_repository

__all__ = ["MISS", "by_session", "by_token", "remembered"]

_KEY = "identities"
_MAX_KNOWN = 10_000
_MAX_TOKEN = 200
MISS = object()
"""What :func:`remembered` answers when the store must be asked."""


class _Known:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.identities = -1  # the counters the entries were read under
        self.failures = -1
        self.tokens: dict[str, tuple[str, str, datetime | None]] = {}
        self.sessions: dict[str, tuple[str, datetime]] = {}
        self.clear: set[str] = set()  # addresses without recent failures

    def advance(self, counters: Mapping[str, int]) -> tuple[bool, bool]:
        """Forget what a moved counter outdates; whether each counter is the one kept."""
        from assay.storage import GenerationReader

        identities = counters.get(GenerationReader.IDENTITIES, 0)
        failures = counters.get(GenerationReader.FAILURES, 0)
        if identities > self.identities:  # the counters only grow: an older read keeps none
            self.identities = identities
            self.tokens.clear()
            self.sessions.clear()
        if failures > self.failures:
            self.failures = failures
            self.clear.clear()
        if len(self.tokens) + len(self.sessions) + len(self.clear) > _MAX_KNOWN:
            self.tokens.clear()
            self.sessions.clear()
            self.clear.clear()
        return identities == self.identities, failures == self.failures


def _known(state: AppState) -> _Known:
    found = state.caches.get(_KEY)
    if not isinstance(found, _Known):
        found = state.caches.setdefault(_KEY, _Known())
    assert isinstance(found, _Known)
    return found


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def _bearer(authorization: str) -> str | None:
    scheme, _, token = authorization.strip().partition(" ")
    token = token.strip()
    return token if scheme.lower() == "bearer" and 0 < len(token) <= _MAX_TOKEN else None


def _identity(name: str, role: str, via: str) -> Identity | None:
    from assay.errors import ConfigError

    try:
        return Identity(name, Role.parse(role), via)
    except ConfigError:  # a role this server does not know grants nothing
        return None


def _live(expires: datetime | None) -> bool:
    return expires is None or expires > datetime.now(UTC)


def remembered(request: Request, counters: Mapping[str, int]) -> Identity | object | None:
    """The identity of a token-mode request from memory (None: the request carries no
    identity), or :data:`MISS` when the store must be asked."""
    authorization = request.headers.get("authorization")
    known = _known(app_state(request))
    with known.lock:
        current, clear = known.advance(counters)
        if not current:
            return MISS
        if authorization is not None:
            token = _bearer(authorization)
            if token is None or not clear or client_address(request) not in known.clear:
                return MISS
            holder = known.tokens.get(_sha256(token))
            if holder is None or not _live(holder[2]):
                return MISS
            return _identity(holder[0], holder[1], "token")
        sid = session_id(request)
        if sid is None:
            return None
        session = known.sessions.get(_sha256(sid))
        if session is None or not _live(session[1]):
            return MISS
        holder = known.tokens.get(session[0])
        if holder is None or not _live(holder[2]):
            return MISS
        return _identity(holder[0], holder[1], "session")


def _remember(
    request: Request,
    counters: Mapping[str, int] | None,
    *,
    address: str | None = None,
    token: tuple[str, tuple[str, str, datetime | None]] | None = None,
    session: tuple[str, tuple[str, datetime]] | None = None,
) -> None:
    """Keep what the store answered, under the counters read before it was asked."""
    if counters is None:
        return
    known = _known(app_state(request))
    with known.lock:
        identities, failures = known.advance(counters)
        if address is not None and failures:
            known.clear.add(address)
        if identities and token is not None:
            known.tokens[token[0]] = token[1]
        if identities and session is not None:
            known.sessions[session[0]] = session[1]


def by_token(
    request: Request, authorization: str, counters: Mapping[str, int] | None = None
) -> Identity | None:
    """The identity of a bearer token, from the store; a wrong token counts as a failure.
    ``counters`` (read before) lets the answer be remembered."""
    check_not_limited(request)
    _remember(request, counters, address=client_address(request))
    token = _bearer(authorization)
    digest = None if token is None else _sha256(token)
    found = None if digest is None else user_repository(request).token_holder(digest)
    if digest is None or found is None:
        record_failure(request)
        return None
    _remember(request, counters, token=(digest, found))
    return _identity(found[0], found[1], "token")


def by_session(request: Request, counters: Mapping[str, int] | None = None) -> Identity | None:
    """The identity of the request's session cookie, from the store (None without one)."""
    sid = session_id(request)
    if sid is None:
        return None
    session = session_repository(request).lookup(sid)
    found = None if session is None else user_repository(request).token_holder(session[0])
    if session is None or found is None:  # ended, expired, or its token no longer works
        if session is not None:
            end_session(request)
        return None
    _remember(request, counters, token=(session[0], found), session=(_sha256(sid), session))
    return _identity(found[0], found[1], "session")
