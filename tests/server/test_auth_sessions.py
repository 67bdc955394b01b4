"""Signing in on /login over real HTTP: a session cookie that is HttpOnly and SameSite=Strict,
CSRF tokens on every cookie-authenticated change, no open redirects, and sessions that end
when their token is revoked or their user removed."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import pytest

from assay.server import ServerSettings, create_app
from assay.storage import Store
from assay.testing import running_server

LIMIT = 5


@dataclass
class Site:
    url: str
    store: Store
    admin: str
    clients: list[httpx.Client]

    def client(self) -> httpx.Client:
        """A browser-like client (it keeps cookies), closed with the server."""
        client = httpx.Client(base_url=self.url)
        self.clients.append(client)
        return client


@pytest.fixture
def site(server_store: Store) -> Iterator[Site]:
    settings = ServerSettings(auth="token", sign_in_attempts_per_minute=LIMIT)
    admin = server_store.users.add("root", "admin").token
    with running_server(create_app(server_store, settings)) as url:
        opened = Site(url, server_store, admin, [])
        yield opened
        for client in opened.clients:
            client.close()


def _csrf(html: str) -> str:
    found = re.search(r"name=csrf_token value='([0-9a-f]{64})'", html)
    assert found, html
    return found[1]


def _sign_in(site: Site, token: str, next_: str = "/") -> tuple[httpx.Client, httpx.Response]:
    client = site.client()
    form = client.get("/login", params={"next": next_})
    assert form.status_code == 200
    answer = client.post(
        "/login",
        data={"token": token, "next": next_, "csrf_token": _csrf(form.text)},
    )
    return client, answer


def test_signing_in_sets_a_strict_http_only_cookie(site: Site) -> None:
    client, answer = _sign_in(site, site.admin, "/runs?model=m%401")
    assert answer.status_code == 303
    assert answer.headers["location"] == "/runs?model=m%401"
    cookie = answer.headers["set-cookie"]
    assert cookie.startswith("assay_session=")
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie.replace("Strict", "strict")
    assert "Secure" not in cookie  # plain http on loopback; https requests get Secure
    assert site.admin not in cookie
    assert client.get("/api/v1/me").json() == {"name": "root", "role": "admin", "via": "session"}


@pytest.mark.parametrize(
    "target",
    [
        "//evil.example/x",
        "https://evil.example/",
        "/\\evil.example",
        "javascript:alert(1)",
        "evil.example",
        "/\t/evil.example",
        "",
    ],
)
def test_next_never_leaves_the_site(site: Site, target: str) -> None:
    _, answer = _sign_in(site, site.admin, target)
    assert answer.status_code == 303
    assert answer.headers["location"] == "/"


def test_a_wrong_token_shows_the_form_again_and_counts(site: Site) -> None:
    for _ in range(LIMIT):
        _, answer = _sign_in(site, "assay_not-a-token")
        assert answer.status_code == 401
        assert "not valid" in answer.text and "set-cookie" not in answer.headers
    _, answer = _sign_in(site, site.admin)
    assert answer.status_code == 429
    assert int(answer.headers["retry-after"]) >= 1


def test_cookie_changes_need_the_csrf_token(site: Site) -> None:
    client, _ = _sign_in(site, site.admin)
    new_user = {"name": "ann", "role": "viewer"}
    missing = client.post("/api/v1/users", json=new_user)
    assert missing.status_code == 403 and missing.json()["error"]["type"] == "csrf"
    wrong = client.post("/api/v1/users", json=new_user, headers={"X-CSRF-Token": "0" * 64})
    assert wrong.status_code == 403
    token = _csrf(client.get("/login").text)
    other_site = client.post(
        "/api/v1/users",
        json=new_user,
        headers={"X-CSRF-Token": token, "Origin": "https://evil.example"},
    )
    assert other_site.status_code == 403
    assert site.store.users.list()[0].name == "root" and len(site.store.users.list()) == 1
    right = client.post("/api/v1/users", json=new_user, headers={"X-CSRF-Token": token})
    assert right.status_code == 201
    # a bearer-token call needs none
    bearer = httpx.post(
        site.url + "/api/v1/users",
        json={"name": "bob", "role": "viewer"},
        headers={"Authorization": f"Bearer {site.admin}"},
    )
    assert bearer.status_code == 201


def test_sign_in_form_needs_its_csrf_token(site: Site) -> None:
    client = site.client()
    for fields in ({"token": site.admin}, {"token": site.admin, "csrf_token": "f" * 64}):
        answer = client.post("/login", data=fields)
        assert answer.status_code == 403 and "set-cookie" not in answer.headers


def test_signing_out_needs_csrf_and_ends_the_session(site: Site) -> None:
    client, _ = _sign_in(site, site.admin)
    refused = client.post("/logout", data={})
    assert refused.status_code == 403
    assert client.get("/api/v1/me").status_code == 200
    token = _csrf(client.get("/login").text)
    cookie = client.cookies["assay_session"]
    done = client.post("/logout", data={"csrf_token": token})
    assert done.status_code == 303 and done.headers["location"] == "/login"
    stale = httpx.get(site.url + "/api/v1/me", cookies={"assay_session": cookie})
    assert stale.status_code == 401


@pytest.mark.parametrize("end", ["revoke", "remove"])
def test_a_session_ends_with_its_token_or_user(site: Site, end: str) -> None:
    issued = site.store.users.add("ed", "editor")
    client, _ = _sign_in(site, issued.token)
    assert client.get("/api/v1/me").json()["name"] == "ed"
    if end == "revoke":
        site.store.users.revoke(issued.info.prefix)
    else:
        site.store.users.remove("ed")
    assert client.get("/api/v1/me").status_code == 401


@pytest.mark.parametrize(
    "body",
    [
        b"token=%ff%fe%00&csrf_token=%00",
        b"token=" + b"A" * 20_000,
        b"\xff\xfe\x00\x01" * 100,
        b"&&&==&=&" * 10,
        b"a=1&" * 5000,
    ],
)
def test_odd_sign_in_forms_are_refused_cleanly(site: Site, body: bytes) -> None:
    answer = httpx.post(
        site.url + "/login",
        content=body,
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert answer.status_code in (400, 403, 413)
    assert answer.json()["error"]["status"] == answer.status_code
    assert "set-cookie" not in answer.headers


def test_odd_session_cookies_identify_nobody(site: Site) -> None:
    for value in (b"", b"x" * 5000, "\u00e9".encode(), b"../../etc", b'"quoted"', b"\xff;;="):
        cookie = b"assay_session=" + value
        answer = httpx.get(site.url + "/api/v1/me", headers={"Cookie": cookie})
        assert answer.status_code == 401
