"""Identifying requests and checking roles (FastAPI dependencies).

Endpoints declare the role they need with ``Depends(require(Role.editor))``, which returns
the caller's :class:`Identity` or refuses with 401 (not identified) or 403 (role too low).

How a request is identified depends on ``ServerSettings.auth``:

* ``none``: everyone is the local admin (``assay serve`` allows it on loopback only).
* ``token``: ``Authorization: Bearer <token>`` (scripts, CI, the remote store), or the
  session cookie of a browser signed in on ``/login``. Tokens are checked against the store's
  digests; a wrong token counts as a failed sign-in, and an address with
  ``sign_in_attempts_per_minute`` failures in the last minute gets 429 with ``Retry-After``.
* ``header``: the user name in the trusted header ``auth_header`` set by an authenticating
  reverse proxy, with the role from ``header_roles`` or ``header_default_role``; a user with
  neither is refused with 403.

Cross-site request forgery: a bearer-token request needs no CSRF token (browsers never add
one by themselves). Every other unsafe request (POST, PUT, PATCH, DELETE) is refused when its
``Origin`` is another site, and one made through a session cookie must carry the CSRF token
of :func:`csrf_token`: in the ``X-CSRF-Token`` header, or for an HTML form in the
:data:`CSRF_FIELD` field, which the form's handler checks with :func:`check_csrf`.
"""

from __future__ import annotations

import hashlib
import hmac
import urllib.parse
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from fastapi import HTTPException, Request
from starlette.concurrency import run_in_threadpool

from assay.server._auth_token import MISS, by_session, by_token, remembered
from assay.server._identity import Identity, Role
from assay.server._sessions import session_id
from assay.server._state import app_state, session_repository

__all__ = [
    "CSRF_FIELD",
    "CSRF_HEADER",
    "SAFE_METHODS",
    "check_csrf",
    "csrf_token",
    "identify",
    "require",
    "resolve",
    "unauthenticated",
]

CSRF_FIELD = "csrf_token"
"""The form field that carries the CSRF token."""
CSRF_HEADER = "X-CSRF-Token"
"""The header that carries the CSRF token on script requests made through a session."""
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_IDENTITY = "assay.identity"
_SECRET = "csrf_secret"
_MAX_NAME = 200
_MAX_CSRF = 200
_FORMS = ("application/x-www-form-urlencoded", "multipart/form-data")


def _forbidden(message: str, kind: str = "forbidden") -> Exception:
    from assay.server._errors import http_error

    return http_error(403, kind, message)


def _note(request: Request, identity: Identity | None) -> Identity | None:
    request.scope[_IDENTITY] = identity
    log = request.scope.get("assay.log")
    if isinstance(log, dict) and identity is not None:
        log["identity"] = identity.name
    return identity


def _by_header(request: Request) -> Identity | None:
    settings = app_state(request).settings
    if not settings.auth_header:
        return None
    raw = request.headers.get(settings.auth_header, "").strip()
    if not raw:
        return None
    try:  # HTTP headers arrive as latin-1; proxies send user names as UTF-8
        name = raw.encode("latin-1").decode("utf-8")
    except UnicodeError:
        name = ""
    if not name or len(name) > _MAX_NAME or not name.isprintable():
        raise _forbidden(f"the {settings.auth_header} header does not hold a user name")
    role = settings.header_roles.get(name, settings.header_default_role)
    if role is None:
        raise _forbidden(f"{name} is not a user of this server; ask an admin for a role")
    return Identity(name, role, "header")


def identify(request: Request, counters: Mapping[str, int] | None = None) -> Identity | None:
    """The identity behind ``request``, or None when it carries none (or a wrong one).

    In header mode a user the settings give no role is refused (403) here; in token mode an
    address with too many failed token checks is refused (429). In token mode this reads the
    store; ``counters`` (the store's change counters, read before) lets the answer be
    remembered for :func:`resolve`.
    """
    if _IDENTITY in request.scope:  # once per request, however many callers ask
        known: Identity | None = request.scope[_IDENTITY]
        return known
    mode = app_state(request).settings.auth
    identity: Identity | None = None
    if mode == "none":
        identity = Identity("local", Role.admin, "none")
    elif mode == "header":
        identity = _by_header(request)
    elif mode == "token":
        authorization = request.headers.get("authorization")
        if authorization is not None:
            identity = by_token(request, authorization, counters)
        else:
            identity = by_session(request, counters)
    return _note(request, identity)


async def resolve(request: Request) -> Identity | None:
    """:func:`identify` on the event loop: a token or session known since the store's
    counters last moved is answered from memory; otherwise the store is read in a worker
    thread."""
    if _IDENTITY in request.scope:
        known: Identity | None = request.scope[_IDENTITY]
        return known
    state = app_state(request)
    if state.settings.auth != "token":  # nothing to read
        return identify(request)
    from assay.server._counters import counters

    found = await counters(state, request.scope)
    hit = remembered(request, found)
    if hit is not MISS:
        assert hit is None or isinstance(hit, Identity)
        return _note(request, hit)
    return await run_in_threadpool(identify, request, found)


def require(role: Role) -> Callable[[Request], Awaitable[Identity]]:
    """A dependency that returns the caller's identity when it holds ``role``.

    Unsafe methods are also checked against cross-site forgery (see the module's notes).
    """

    async def dependency(request: Request) -> Identity:
        from assay.server._errors import http_error

        identity = await resolve(request)
        if identity is None:
            if _wants_sign_in_page(request):
                raise _to_sign_in(request)
            raise unauthenticated(request)
        if not identity.can(role):
            raise http_error(
                403, "forbidden", f"{identity.name} is {identity.role.name}; this needs {role.name}"
            )
        if request.method not in SAFE_METHODS:
            _check_unsafe(request, identity)
        return identity

    return dependency


def unauthenticated(request: Request) -> HTTPException:
    """The 401 answer to a request that identifies nobody."""
    from assay.server._errors import http_error

    error = http_error(401, "unauthenticated", "sign in or send a valid bearer token")
    if app_state(request).settings.auth == "token":
        error.headers = {"WWW-Authenticate": "Bearer"}
    return error


def _wants_sign_in_page(request: Request) -> bool:
    """A signed-out browser asking for a page (not the API) in token mode."""
    return (
        app_state(request).settings.auth == "token"
        and request.method in ("GET", "HEAD")
        and not request.url.path.startswith("/api/")
        and "text/html" in request.headers.get("accept", "")
    )


def _to_sign_in(request: Request) -> Exception:
    """A 303 to the sign-in page, which comes back to this page afterwards."""
    from assay.server._errors import http_error

    here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    error = http_error(303, "sign_in", "sign in to see this page")
    error.headers = {"Location": "/login?" + urllib.parse.urlencode({"next": here})}
    return error


def _same_origin(request: Request) -> bool:
    origin = request.headers.get("origin")
    if origin is None:
        return True
    host = request.headers.get("host", "")
    try:
        return bool(host) and urllib.parse.urlsplit(origin).netloc.lower() == host.lower()
    except ValueError:
        return False


def _check_unsafe(request: Request, identity: Identity) -> None:
    if identity.via == "token":
        return
    if not _same_origin(request):
        raise _forbidden("cross-site requests are refused", "csrf")
    if identity.via != "session":
        return
    sent = request.headers.get(CSRF_HEADER)
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if sent is None and content_type in _FORMS and not request.url.path.startswith("/api/"):
        return  # a page's HTML form: its handler checks the form field with check_csrf
    check_csrf(request, sent)


def _secret(request: Request) -> bytes:
    caches = app_state(request).caches
    secret = caches.get(_SECRET)
    if not isinstance(secret, bytes):  # the store's, the same for every worker process
        secret = caches.setdefault(_SECRET, session_repository(request).secret("csrf"))
    assert isinstance(secret, bytes)
    return secret


def csrf_token(request: Request) -> str:
    """The CSRF token to embed in forms rendered for ``request``.

    It is an HMAC, under a secret kept in the store (shared by every worker process), of the
    browser's session id (or, without a session, of who the request is from), so another
    site can neither read nor compute it, and it stops working when the session ends.
    """
    sid = session_id(request)
    if sid is not None:
        subject = f"session:{sid}"
    else:
        try:
            identity = identify(request)
        except Exception:  # refused identities still get a form token that works for nobody
            identity = None
        subject = "anonymous" if identity is None else f"{identity.via}:{identity.name}"
    mac = hmac.new(_secret(request), subject.encode("utf-8", "surrogatepass"), hashlib.sha256)
    return mac.hexdigest()


def check_csrf(request: Request, token: Any) -> None:
    """Refuse (403) a form post whose CSRF token does not match the request's session.

    A request identified by a bearer token needs none; every other one must come from this
    site (its ``Origin``, when sent) and carry :func:`csrf_token`'s value.
    """
    if request.headers.get("authorization") is not None:
        identity = identify(request)
        if identity is not None and identity.via == "token":
            return
    if not _same_origin(request):
        raise _forbidden("cross-site requests are refused", "csrf")
    good = (
        isinstance(token, str)
        and 0 < len(token) <= _MAX_CSRF
        and token.isascii()
        and hmac.compare_digest(token, csrf_token(request))
    )
    if not good:
        raise _forbidden("the form's CSRF token is missing or wrong; reload the page", "csrf")
