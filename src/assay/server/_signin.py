"""Signing in to the pages with a token (``/login``) and out again (``/logout``).

The sign-in form posts the token once; the server answers with a session cookie
(``HttpOnly``, ``SameSite=Strict``, ``Secure`` over https) and sends the browser on to
``next`` when that is a path on this server, or to ``/``: a link cannot send someone who
signs in to another site. Wrong tokens count towards the per-address limit of failed
sign-ins. Both forms carry a CSRF token.
"""

from __future__ import annotations

import urllib.parse
from html import escape

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from assay.server._auth import CSRF_FIELD, check_csrf, csrf_token, identify
from assay.server._layout import page
from assay.server._limits import check_not_limited, record_failure
from assay.server._sessions import COOKIE, SESSION_HOURS, end_session, start_session
from assay.server._state import app_state, user_repository

__all__ = ["local_path", "router"]

router = APIRouter()

_MAX_FORM = 16 * 1024
_MAX_NEXT = 2000


def local_path(target: str | None) -> str:
    """``target`` when it is a path on this server, else ``/`` (no open redirects)."""
    if not target or len(target) > _MAX_NEXT or not target.isprintable():
        return "/"
    if not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    try:
        parts = urllib.parse.urlsplit(target)
    except ValueError:
        return "/"
    if parts.scheme or parts.netloc:
        return "/"
    return target


async def _form(request: Request) -> dict[str, str]:
    """The urlencoded form of a small request body (413 past 16 KiB; one value per name)."""
    from assay.server._errors import http_error

    declared = request.headers.get("content-length", "0")
    if not declared.isdigit() or int(declared) > _MAX_FORM:
        raise http_error(413, "too_large", f"a sign-in form is at most {_MAX_FORM} bytes")
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > _MAX_FORM:
            raise http_error(413, "too_large", f"a sign-in form is at most {_MAX_FORM} bytes")
    text = body.decode("utf-8", "replace")
    try:
        pairs = urllib.parse.parse_qsl(text, keep_blank_values=True, max_num_fields=20)
    except ValueError:
        raise http_error(400, "bad_form", "the form has too many fields") from None
    form: dict[str, str] = {}
    for key, value in pairs:
        form.setdefault(key, value)
    return form


def _form_page(request: Request, target: str, message: str = "", status: int = 200) -> Response:
    mode = app_state(request).settings.auth
    if mode != "token":
        how = "everyone is the local admin" if mode == "none" else "your sign-in proxy says who"
        body = f"<p>This server needs no sign-in here: {escape(how)}.</p>"
        return page("Sign in", body, identity=identify(request), status=status)
    error = f"<p class=error role=alert>{escape(message)}</p>" if message else ""
    body = (
        f"{error}<form method=post action='/login'>"
        f"<input type=hidden name={CSRF_FIELD} value='{escape(csrf_token(request))}'>"
        f"<input type=hidden name=next value='{escape(target, quote=True)}'>"
        "<label>Token <input type=password name=token autocomplete=off required "
        "maxlength=200></label> <button type=submit>Sign in</button></form>"
        "<p>An admin gives you a token with <code>assay users add</code> or "
        "<code>assay users token</code>.</p>"
    )
    return page("Sign in", body, identity=None, status=status)


@router.get("/login", response_class=HTMLResponse, include_in_schema=False)
def login_form(request: Request, next: str = "/") -> Response:
    """The sign-in form."""
    return _form_page(request, local_path(next))


@router.post("/login", include_in_schema=False)
async def login(request: Request) -> Response:
    """Check the token and start a session, or show the form again with 401."""
    check_not_limited(request)
    form = await _form(request)
    check_csrf(request, form.get(CSRF_FIELD))
    target = local_path(form.get("next"))
    if app_state(request).settings.auth != "token":
        return RedirectResponse(target, status_code=303)
    token = form.get("token", "").strip()
    users = user_repository(request)
    found = users.authenticate(token) if token else None
    if found is None:
        record_failure(request)
        return _form_page(request, target, "That token is not valid.", status=401)
    log = request.scope.get("assay.log")
    if isinstance(log, dict):  # the access log names who signed in
        log["identity"] = found[0]
    end_session(request)
    response = RedirectResponse(target, status_code=303)
    response.set_cookie(
        COOKIE,
        start_session(request, users.digest(token)),
        max_age=SESSION_HOURS * 3600,
        path="/",
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
    )
    return response


@router.get("/logout", response_class=HTMLResponse, include_in_schema=False)
def logout_form(request: Request) -> Response:
    """The "sign out" link's page: a button that posts the sign-out (a GET changes nothing)."""
    body = (
        f"<form method=post action='/logout'>"
        f"<input type=hidden name={CSRF_FIELD} value='{escape(csrf_token(request))}'>"
        "<button type=submit>Sign out</button></form>"
    )
    return page("Sign out", body, identity=identify(request))


@router.post("/logout", include_in_schema=False)
async def logout(request: Request) -> Response:
    """End the session and go back to the sign-in form."""
    form = await _form(request)
    check_csrf(request, form.get(CSRF_FIELD))
    end_session(request)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(
        COOKIE, path="/", httponly=True, samesite="strict", secure=request.url.scheme == "https"
    )
    return response
