"""A write from nobody is refused before its body is read, over real HTTP: the 401 comes
while the client has sent only the headers of a 1 MiB body, or its first 64 KiB; the same
request from an editor waits for the rest."""

from __future__ import annotations

import http.client
import json
import socket
import urllib.parse
from collections.abc import Iterator
from pathlib import Path

import pytest

from assay.server import Role, ServerSettings, create_app
from assay.server._errors import MAX_JSON_BYTES
from assay.storage import Store, open_store
from assay.testing import running_server

BODY = MAX_JSON_BYTES - 1  # under the limit: only the missing identity refuses it


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with open_store(f"sqlite:///{tmp_path / 'server' / 'assay.db'}") as opened:
        yield opened


def _headers_only(
    url: str, path: str, headers: dict[str, str]
) -> tuple[int, dict[str, str], bytes]:
    """POST ``path`` declaring a 1 MiB JSON body, send none of it, and read the answer."""
    conn = http.client.HTTPConnection(urllib.parse.urlsplit(url).netloc, timeout=20)
    try:
        conn.putrequest("POST", path)
        for name, value in {"Content-Type": "application/json", **headers}.items():
            conn.putheader(name, value)
        conn.putheader("Content-Length", str(BODY))
        conn.endheaders()  # the body is never sent: a server waiting for it times out
        response = conn.getresponse()
        return response.status, response, response.read()
    finally:
        conn.close()


@pytest.mark.parametrize(
    "path", ["/api/v1/verdicts", "/api/v1/runs", "/api/v1/runs/x/notes", "/decisions/x/approve"]
)
def test_a_signed_out_write_is_refused_before_its_body(store: Store, path: str) -> None:
    with running_server(create_app(store, ServerSettings(auth="token"))) as url:
        status, response, body = _headers_only(url, path, {})
        assert status == 401 and response.getheader("WWW-Authenticate") == "Bearer"
        assert json.loads(body)["error"]["type"] == "unauthenticated"
        # a wrong token and a forged session cookie identify nobody either
        status, _, _ = _headers_only(url, path, {"Authorization": "Bearer assay_wrong"})
        assert status == 401
        status, _, _ = _headers_only(url, path, {"Cookie": "assay_session=forged"})
        assert status == 401


def _partial(url: str, headers: str, *, wait: float) -> bytes:
    """Send the headers of a 1 MiB JSON POST and its first 64 KiB only; what comes back
    within ``wait`` seconds (nothing, when the server waits for the rest)."""
    host, port = urllib.parse.urlsplit(url).netloc.split(":")
    with socket.create_connection((host, int(port)), timeout=20) as sock:
        head = (
            f"POST /api/v1/verdicts HTTP/1.1\r\nHost: {host}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {BODY}\r\n{headers}\r\n"
        )
        sock.sendall(head.encode() + b" " * 65536)
        sock.settimeout(wait)
        try:
            return sock.recv(65536)
        except TimeoutError:
            return b""


def test_a_partly_sent_body_is_answered_when_nobody_sends_it(store: Store) -> None:
    token = store.users.add("ana", "editor").token
    with running_server(create_app(store, ServerSettings(auth="token"))) as url:
        refused = _partial(url, "", wait=20)
        # an editor's request, the same but identified, waits for the rest of its body
        waiting = _partial(url, f"Authorization: Bearer {token}\r\n", wait=1)
    assert refused.startswith(b"HTTP/1.1 401 ")
    assert waiting == b""


def test_header_mode_refuses_a_user_without_a_role_before_the_body(store: Store) -> None:
    settings = ServerSettings(
        auth="header", auth_header="X-Forwarded-User", header_roles={"ana": Role.editor}
    )
    with running_server(create_app(store, settings)) as url:
        status, _, body = _headers_only(url, "/api/v1/verdicts", {"X-Forwarded-User": "ben"})
        assert status == 403 and "not a user of this server" in json.loads(body)["error"]["message"]
        status, _, _ = _headers_only(url, "/api/v1/verdicts", {})
        assert status == 401


def test_an_identified_write_still_reads_its_body(store: Store) -> None:
    token = store.users.add("ana", "editor").token
    with running_server(create_app(store, ServerSettings(auth="token"))) as url:
        conn = http.client.HTTPConnection(urllib.parse.urlsplit(url).netloc, timeout=20)
        body = json.dumps({"baseline": "nope", "candidate": "nada"}).encode()
        headers = {"Content-Type": "application/json", "Authorization": f"Bearer {token}"}
        conn.request("POST", "/api/v1/verdicts", body=body, headers=headers)
        response = conn.getresponse()
        found = json.loads(response.read())
        conn.close()
    assert response.status == 404 and "nope" in found["error"]["message"]
