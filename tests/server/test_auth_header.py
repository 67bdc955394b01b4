"""Header mode over real HTTP: the user name comes from a header set by a signing-in proxy,
the role from the settings; users the settings give no role are refused with 403."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from urllib.parse import urlsplit

import httpx
import pytest

from assay.server import Role, ServerSettings, create_app
from assay.storage import Store
from assay.testing import running_server

HEADER = "X-Forwarded-User"


def _server(store: Store, default: Role | None) -> Iterator[str]:
    settings = ServerSettings(
        auth="header",
        auth_header=HEADER,
        header_roles={"boss@example.com": Role.admin, "rev": Role.approver},
        header_default_role=default,
    )
    with running_server(create_app(store, settings)) as url:
        yield url


@pytest.fixture
def strict(server_store: Store) -> Iterator[str]:
    """Only the listed users."""
    yield from _server(server_store, None)


@pytest.fixture
def open_to_viewers(server_store: Store) -> Iterator[str]:
    """Listed users with their roles, everyone else a viewer."""
    yield from _server(server_store, Role.viewer)


def _me(url: str, user: str | bytes | None) -> httpx.Response:
    headers = {} if user is None else {HEADER: user}
    return httpx.get(url + "/api/v1/me", headers=headers)


def test_listed_users_get_their_roles(strict: str) -> None:
    assert _me(strict, "boss@example.com").json() == {
        "name": "boss@example.com",
        "role": "admin",
        "via": "header",
    }
    assert _me(strict, "rev").json()["role"] == "approver"


def test_without_the_header_nobody_is_identified(strict: str) -> None:
    answer = _me(strict, None)
    assert answer.status_code == 401
    assert answer.json()["error"]["type"] == "unauthenticated"
    assert _me(strict, "").status_code == 401


def test_unknown_users_are_refused_without_a_default_role(strict: str) -> None:
    answer = _me(strict, "mallory")
    assert answer.status_code == 403
    assert "mallory is not a user" in answer.json()["error"]["message"]


def test_unknown_users_get_the_default_role(open_to_viewers: str) -> None:
    assert _me(open_to_viewers, "someone").json()["role"] == "viewer"
    answer = httpx.get(open_to_viewers + "/api/v1/users", headers={HEADER: "someone"})
    assert answer.status_code == 403
    answer = httpx.get(open_to_viewers + "/api/v1/users", headers={HEADER: "boss@example.com"})
    assert answer.status_code == 200


def test_a_bearer_token_does_not_replace_the_header(
    open_to_viewers: str, server_store: Store
) -> None:
    token = server_store.users.add("tok", "admin").token
    answer = httpx.get(
        open_to_viewers + "/api/v1/users", headers={"Authorization": f"Bearer {token}"}
    )
    assert answer.status_code == 401


def _raw_status(url: str, header: bytes) -> bytes:
    parts = urlsplit(url)
    with socket.create_connection((parts.hostname, parts.port), timeout=10) as conn:
        conn.sendall(
            b"GET /api/v1/me HTTP/1.1\r\nHost: localhost\r\n"
            + HEADER.encode()
            + b": "
            + header
            + b"\r\nConnection: close\r\n\r\n"
        )
        return conn.recv(4096).split(b" ", 2)[1]


def test_odd_header_values_are_refused(open_to_viewers: str) -> None:
    for value in ("x" * 201, b"\xff\xfe", "a\u202eb".encode()):
        answer = _me(open_to_viewers, value)
        assert answer.status_code == 403, value
        assert answer.json()["error"]["status"] == 403
    # bytes a header may not hold: the HTTP parser refuses them, or the server does
    assert _raw_status(open_to_viewers, b"\x01\x02") in (b"400", b"403")


def test_cross_site_changes_are_refused(open_to_viewers: str) -> None:
    answer = httpx.post(
        open_to_viewers + "/api/v1/users",
        json={"name": "x", "role": "viewer"},
        headers={HEADER: "boss@example.com", "Origin": "https://evil.example"},
    )
    assert answer.status_code == 403 and answer.json()["error"]["type"] == "csrf"
    answer = httpx.post(
        open_to_viewers + "/api/v1/users",
        json={"name": "x", "role": "viewer"},
        headers={HEADER: "boss@example.com"},
    )
    assert answer.status_code == 201
