"""A page's form handler with ``require`` and ``check_csrf``, over real HTTP in every mode:
the form's CSRF token is needed through a session, a header or no authentication, and not
with a bearer token; sign-in cookies are Secure when the request came over https."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import closing
from typing import Annotated

import httpx
import pytest
from fastapi import Depends, FastAPI, Request

from assay.server import Identity, Role, ServerSettings, create_app
from assay.server._auth import check_csrf, csrf_token, require
from assay.storage import Store
from assay.testing import running_server

Editor = Annotated[Identity, Depends(require(Role.editor))]


def _with_form(app: FastAPI) -> FastAPI:
    """``app`` with a form like the dashboard's: a page that renders the token, a handler."""

    @app.get("/form-token")
    def token(request: Request, identity: Editor) -> dict[str, str]:
        return {"csrf_token": csrf_token(request)}

    @app.post("/form")
    async def submit(request: Request, identity: Editor) -> dict[str, str]:
        form = await request.form()
        check_csrf(request, form.get("csrf_token"))
        return {"by": identity.name}

    return app


@pytest.fixture
def token_site(server_store: Store) -> Iterator[tuple[str, str]]:
    token = server_store.users.add("ed", "editor").token
    app = _with_form(create_app(server_store, ServerSettings(auth="token")))
    with running_server(app) as url:
        yield url, token


def _signed_in(url: str, token: str) -> httpx.Client:
    client = httpx.Client(base_url=url)
    csrf = re.search(r"name=csrf_token value='(\w+)'", client.get("/login").text)
    assert csrf is not None
    assert client.post("/login", data={"token": token, "csrf_token": csrf[1]}).status_code == 303
    return client


def test_a_session_form_needs_its_token(token_site: tuple[str, str]) -> None:
    url, token = token_site
    client, other = _signed_in(url, token), _signed_in(url, token)
    with closing(client), closing(other):
        form_token = client.get("/form-token").json()["csrf_token"]
        assert client.post("/form", data={}).status_code == 403
        assert client.post("/form", data={"csrf_token": form_token + "0"}).status_code == 403
        assert client.post("/form", data={"csrf_token": "é" * 64}).status_code == 403
        assert client.post("/form", data={"csrf_token": form_token}).json() == {"by": "ed"}
        # the token belongs to its session: another session's form is refused with it
        assert other.post("/form", data={"csrf_token": form_token}).status_code == 403
        own = other.get("/form-token").json()["csrf_token"]
        assert other.post("/form", data={"csrf_token": own}).status_code == 200


def test_a_bearer_token_needs_no_form_token(token_site: tuple[str, str]) -> None:
    url, token = token_site
    answer = httpx.post(url + "/form", data={}, headers={"Authorization": f"Bearer {token}"})
    assert answer.json() == {"by": "ed"}


def test_the_session_cookie_is_secure_over_https(token_site: tuple[str, str]) -> None:
    url, token = token_site
    https = {"X-Forwarded-Proto": "https"}  # as a TLS-terminating proxy on loopback sends
    with httpx.Client(base_url=url, headers=https) as client:
        page = client.get("/login").text
        csrf = re.search(r"name=csrf_token value='(\w+)'", page)
        assert csrf is not None
        answer = client.post("/login", data={"token": token, "csrf_token": csrf[1]})
    assert answer.status_code == 303
    assert "Secure" in answer.headers["set-cookie"]


@pytest.mark.parametrize("mode", ["none", "header"])
def test_forms_without_sessions_need_their_token_too(server_store: Store, mode: str) -> None:
    settings = ServerSettings(auth=mode, auth_header="X-User", header_default_role=Role.admin)  # type: ignore[arg-type]
    headers = {"X-User": "ana"} if mode == "header" else {}
    with running_server(_with_form(create_app(server_store, settings))) as url:
        form_token = httpx.get(url + "/form-token", headers=headers).json()["csrf_token"]
        assert httpx.post(url + "/form", data={}, headers=headers).status_code == 403
        answer = httpx.post(url + "/form", data={"csrf_token": form_token}, headers=headers)
        assert answer.status_code == 200
        cross = httpx.post(
            url + "/form",
            data={"csrf_token": form_token},
            headers={**headers, "Origin": "http://evil.example"},
        )
        assert cross.status_code == 403
        if mode == "header":  # another user's token does not fit
            other = httpx.post(
                url + "/form", data={"csrf_token": form_token}, headers={"X-User": "ben"}
            )
            assert other.status_code == 403
