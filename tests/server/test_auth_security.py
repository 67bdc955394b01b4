"""Security headers on every response, an access log that never holds a secret, and the
health checks, over real HTTP."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from assay.server import ServerSettings, create_app
from assay.storage import Store, open_store
from assay.testing import running_server

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
)


@pytest.fixture
def token_url(server_store: Store) -> Iterator[str]:
    with running_server(create_app(server_store, ServerSettings(auth="token"))) as url:
        yield url


@pytest.mark.parametrize("path", ["/login", "/healthz", "/api/v1/me", "/no-such-page"])
def test_every_response_carries_the_security_headers(token_url: str, path: str) -> None:
    headers = httpx.get(token_url + path).headers
    assert headers["content-security-policy"] == CSP
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] == "same-origin"
    assert headers["x-frame-options"] == "DENY"


def test_api_and_sign_in_answers_are_never_cached(token_url: str) -> None:
    assert httpx.get(token_url + "/api/v1/me").headers["cache-control"] == "no-store"
    assert httpx.get(token_url + "/login").headers["cache-control"] == "no-store"
    assert "cache-control" not in httpx.get(token_url + "/healthz").headers


def test_the_sign_in_page_escapes_what_it_is_given(token_url: str) -> None:
    page = httpx.get(token_url + "/login", params={"next": "/x'><script>alert(1)</script>"})
    assert "<script>" not in page.text
    assert "&#x27;&gt;&lt;script&gt;" in page.text


def test_the_access_log_has_one_line_per_request_and_no_secrets(
    server_store: Store, caplog: pytest.LogCaptureFixture
) -> None:
    token = server_store.users.add("root", "admin").token
    settings = ServerSettings(auth="token")
    with (
        caplog.at_level(logging.INFO, logger="assay.server.access"),
        running_server(create_app(server_store, settings)) as url,
    ):
        bearer = {"Authorization": f"Bearer {token}"}
        httpx.get(url + "/api/v1/me", headers=bearer)
        httpx.get(url + f"/api/v1/me?token={token}&debug=1", headers={"Cookie": f"x={token}"})
        httpx.get(url + "/api/v1/me", headers={"Authorization": "Bearer assay_wrong-guess"})
        with httpx.Client(base_url=url) as client:
            form = client.get("/login").text
            csrf = form.split("name=csrf_token value='")[1][:64]
            client.post("/login", data={"token": token, "csrf_token": csrf})
            client.get("/api/v1/me")
            session = client.cookies["assay_session"]
        # a token pasted where a prefix belongs is cut to its prefix in the log
        httpx.delete(url + f"/api/v1/users/root/tokens/{token}", headers=bearer)
    lines = [r.getMessage() for r in caplog.records if r.name == "assay.server.access"]
    assert len(lines) == 7
    for line in lines:
        assert token not in line and "wrong-guess" not in line and session not in line
    entries = [json.loads(line) for line in lines]
    assert set(entries[0]) == {
        "time", "method", "path", "query", "status", "duration_ms", "identity", "client"
    }  # fmt: skip
    assert [(e["method"], e["path"], e["status"], e["identity"]) for e in entries] == [
        ("GET", "/api/v1/me", 200, "root"),
        ("GET", "/api/v1/me", 401, None),
        ("GET", "/api/v1/me", 401, None),
        ("GET", "/login", 200, None),
        ("POST", "/login", 303, "root"),
        ("GET", "/api/v1/me", 200, "root"),
        ("DELETE", f"/api/v1/users/root/tokens/{token[:12]}…", 200, "root"),
    ]
    assert entries[1]["query"] == ["debug", "token"]  # the names only, never the values
    assert all(e["duration_ms"] >= 0 and e["client"] == "127.0.0.1" for e in entries)


def test_readyz_says_whether_the_store_answers(tmp_path: Path) -> None:
    database = tmp_path / "ready" / "assay.db"
    store = open_store(f"sqlite:///{database}")
    with running_server(create_app(store)) as url:
        assert httpx.get(url + "/healthz").json() == {"status": "ok"}
        assert httpx.get(url + "/readyz").json() == {"status": "ready"}
        store.engine.dispose()
        for path in database.parent.iterdir():
            path.unlink()
        answer = httpx.get(url + "/readyz")
        assert answer.status_code == 503
        assert answer.json()["error"]["status"] == 503
        assert httpx.get(url + "/healthz").status_code == 200
    store.close()
