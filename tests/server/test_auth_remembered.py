"""Who a token or session is, remembered between requests, over real HTTP on SQLite and
PostgreSQL: a known token is answered without reading the users' tables, and a revocation,
a removed user, an ended session or an expiry made by anyone (here another store object on
the same database, as the CLI would) refuses the very next request."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa

from assay.server import ServerSettings, create_app
from assay.storage import Store, open_store
from assay.testing import running_server

LIMIT = 4
_AUTH_TABLES = re.compile(r"\b(user_tokens|users|sessions|sign_in_failures)\b")


@dataclass
class Served:
    url: str
    writer: Store  # another store object on the same database: what the CLI would be
    statements: list[str]  # what the server's own engine sent, in order

    def get(self, path: str, token: str | None = None, **kwargs: Any) -> httpx.Response:
        headers = {} if token is None else {"Authorization": f"Bearer {token}"}
        return httpx.get(self.url + path, headers=headers, **kwargs)

    def auth_reads(self) -> list[str]:
        return [s for s in self.statements if _AUTH_TABLES.search(s)]


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'assay.db'}"
    url: str = request.getfixturevalue("pg_migrated_url")
    return url


@pytest.fixture
def served(database: str, tmp_path: Path) -> Iterator[Served]:
    files = str(tmp_path / "files")
    with open_store(database, artifacts=files) as store, open_store(database, artifacts=files) as w:
        statements: list[str] = []

        def seen(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
            statements.append(statement)

        assert store.engine is not None
        sa.event.listen(store.engine, "before_cursor_execute", seen)
        settings = ServerSettings(auth="token", sign_in_attempts_per_minute=LIMIT)
        with running_server(create_app(store, settings)) as url:
            yield Served(url, w, statements)


def _me(served: Served, token: str) -> dict[str, str]:
    answer = served.get("/api/v1/me", token)
    assert answer.status_code == 200, answer.text
    found: dict[str, str] = answer.json()
    return found


def test_a_known_token_is_answered_without_reading_the_users(served: Served) -> None:
    token = served.writer.users.add("ann", "editor").token
    assert _me(served, token)["name"] == "ann"
    assert served.auth_reads()  # the first request asked the store
    served.statements.clear()
    for _ in range(3):
        assert _me(served, token) == {"name": "ann", "role": "editor", "via": "token"}
    assert served.auth_reads() == []


def test_a_revoked_token_is_refused_at_the_next_request(served: Served) -> None:
    first = served.writer.users.add("ann", "approver").token
    second = served.writer.users.issue_token("ann").token
    for _ in range(2):
        _me(served, first)
        _me(served, second)
    served.writer.users.revoke(first)
    assert served.get("/api/v1/me", first).status_code == 401
    assert _me(served, second)["role"] == "approver"  # the user's other token still works
    served.writer.users.remove("ann")
    assert served.get("/api/v1/me", second).status_code == 401
    again = served.writer.users.add("ann", "viewer").token  # the name back, another role
    assert served.get("/api/v1/me", second).status_code == 401
    assert _me(served, again)["role"] == "viewer"


@pytest.mark.slow
def test_a_remembered_token_expires_on_the_clock(served: Served) -> None:
    soon = datetime.now(UTC) + timedelta(seconds=5)
    token = served.writer.users.add("ann", "viewer", expires_at=soon).token
    _me(served, token)
    _me(served, token)
    time.sleep(max(0.0, (soon - datetime.now(UTC)).total_seconds()) + 0.1)
    assert served.get("/api/v1/me", token).status_code == 401


def test_a_remembered_token_is_still_refused_from_a_limited_address(served: Served) -> None:
    token = served.writer.users.add("ann", "viewer").token
    _me(served, token)
    _me(served, token)
    for _ in range(LIMIT):
        assert served.get("/api/v1/me", "assay_wrong").status_code == 401
    assert served.get("/api/v1/me", "assay_wrong").status_code == 429
    assert served.get("/api/v1/me", token).status_code == 429  # guessing gets no faster


def _session(served: Served, token: str) -> httpx.Client:
    client = httpx.Client(base_url=served.url)
    form = client.get("/login").text
    found = re.search(r"name=csrf_token value='([0-9a-f]{64})'", form)
    assert found, form
    done = client.post("/login", data={"token": token, "next": "/", "csrf_token": found[1]})
    assert done.status_code == 303, done.text
    return client


def test_a_remembered_session_ends_with_its_user_or_token(served: Served) -> None:
    ann = served.writer.users.add("ann", "approver").token
    bob = served.writer.users.add("bob", "viewer").token
    browser, other = _session(served, ann), _session(served, bob)
    copy = httpx.Client(base_url=served.url, cookies=dict(other.cookies))
    try:
        for _ in range(2):
            assert browser.get("/api/v1/me").json()["via"] == "session"
            assert other.get("/api/v1/me").json()["name"] == "bob"
        served.statements.clear()
        assert browser.get("/api/v1/me").status_code == 200
        assert served.auth_reads() == []  # from memory
        served.writer.users.remove("ann")
        assert browser.get("/api/v1/me").status_code == 401
        assert other.get("/api/v1/me").json()["name"] == "bob"
        assert copy.get("/api/v1/me").status_code == 200
        served.writer.users.revoke(bob[:12], user="bob")
        assert copy.get("/api/v1/me").status_code == 401
        assert other.get("/api/v1/me").status_code == 401
    finally:
        for client in (browser, other, copy):
            client.close()


def test_a_kept_runs_page_is_answered_only_to_a_reader(served: Served) -> None:
    token = served.writer.users.add("ann", "viewer").token
    for _ in range(3):  # built, then kept under its URL
        answer = served.get("/api/v1/runs", token, params={"limit": 5})
        assert answer.status_code == 200 and answer.json()["items"] == []
    assert served.get("/api/v1/runs", None, params={"limit": 5}).status_code == 401
    assert served.get("/api/v1/runs", "assay_wrong", params={"limit": 5}).status_code == 401
    served.writer.users.revoke(token)
    assert served.get("/api/v1/runs", token, params={"limit": 5}).status_code == 401


@pytest.mark.slow
def test_a_remembered_session_ends_on_the_clock(
    served: Served, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("assay.server._sessions.SESSION_HOURS", 3 / 3600)  # 3 s
    token = served.writer.users.add("ann", "viewer").token
    browser = _session(served, token)
    try:
        for _ in range(2):  # the second answered from memory
            assert browser.get("/api/v1/me").status_code == 200
        time.sleep(3.2)
        assert browser.get("/api/v1/me").status_code == 401
        assert served.get("/api/v1/me", token).status_code == 200  # the token itself still works
    finally:
        browser.close()


def test_each_request_reads_the_counters_once(
    database: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Who is asking and the runs page kept share the request's one read of the counters."""
    from assay.storage import GenerationReader

    reads: list[int] = []
    plain = GenerationReader.read

    def counted(self: GenerationReader, *args: Any, **kwargs: Any) -> dict[str, int]:
        reads.append(1)
        return plain(self, *args, **kwargs)

    monkeypatch.setattr(GenerationReader, "read", counted)
    with open_store(database, artifacts=str(tmp_path / "files")) as store:
        token = store.users.add("ann", "viewer").token
        settings = ServerSettings(auth="token")
        with running_server(create_app(store, settings)) as url:
            served = Served(url, store, [])
            for _ in range(3):  # the page is built, then kept under its URL
                assert served.get("/api/v1/runs", token, params={"limit": 5}).status_code == 200
            reads.clear()
            for _ in range(4):
                assert served.get("/api/v1/runs", token, params={"limit": 5}).status_code == 200
            assert len(reads) == 4


def test_the_counters_connection_goes_back_to_the_pool_when_idle(
    database: str, tmp_path: Path
) -> None:
    from assay.server._counters import IDLE_SECONDS

    with open_store(database, artifacts=str(tmp_path / "files")) as store:
        token = store.users.add("ann", "viewer").token
        assert store.engine is not None
        pool: Any = store.engine.pool
        with running_server(create_app(store, ServerSettings(auth="token"))) as url:
            for _ in range(3):
                answer = httpx.get(url + "/api/v1/me", headers={"Authorization": f"Bearer {token}"})
                assert answer.status_code == 200
            assert pool.checkedout() == 1  # kept for the next read
            deadline = time.monotonic() + IDLE_SECONDS + 5
            while pool.checkedout() and time.monotonic() < deadline:
                time.sleep(0.1)
            assert pool.checkedout() == 0
