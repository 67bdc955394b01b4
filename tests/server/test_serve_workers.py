"""Sessions, CSRF tokens and the sign-in limit are kept in the store: a session survives a
restart of the server, and ``assay serve --workers 2`` (two real processes) honours one
worker's session and counts failed sign-ins together."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

import assay
from assay.server import ServerSettings, create_app
from assay.server._sessions import COOKIE
from assay.storage import open_store
from assay.testing import running_server


def _csrf(html: str) -> str:
    found = re.search(r"name=csrf_token value='([0-9a-f]{64})'", html)
    assert found, html
    return found[1]


def _sign_in(url: str, token: str) -> tuple[str, str]:
    """Sign in on ``/login``; the session cookie and the CSRF token of the next page."""
    with httpx.Client(base_url=url) as client:
        form = client.get("/login")
        answer = client.post(
            "/login", data={"token": token, "next": "/", "csrf_token": _csrf(form.text)}
        )
        assert answer.status_code == 303, answer.text
        cookie = client.cookies[COOKIE]
        return cookie, _csrf(client.get("/logout").text)


def _me(url: str, cookie: str) -> httpx.Response:
    """``/api/v1/me`` with the session cookie, on a connection of its own."""
    with httpx.Client(base_url=url, cookies={COOKIE: cookie}) as client:
        return client.get("/api/v1/me")


def test_a_session_and_its_csrf_token_survive_a_restart(tmp_path: Path) -> None:
    database = f"sqlite:///{tmp_path / 'assay.db'}"
    settings = ServerSettings(auth="token")
    with open_store(database) as store:
        token = store.users.add("ana", "approver").token
        with running_server(create_app(store, settings)) as url:
            cookie, csrf = _sign_in(url, token)
            assert _me(url, cookie).json() == {"name": "ana", "role": "approver", "via": "session"}
    with open_store(database) as store, running_server(create_app(store, settings)) as url:
        assert _me(url, cookie).json()["via"] == "session"
        # the form token of a page the first server rendered signs out on the second
        with httpx.Client(base_url=url, cookies={COOKIE: cookie}) as client:
            done = client.post("/logout", data={"csrf_token": csrf})
        assert done.status_code == 303
        assert _me(url, cookie).status_code == 401
    with open_store(database) as store:
        assert store.engine is not None
        with store.engine.connect() as conn:
            kept = conn.exec_driver_sql("SELECT digest, token_digest FROM sessions").all()
    # only digests are kept: neither the cookie's id nor the token
    database_bytes = (tmp_path / "assay.db").read_bytes()
    assert cookie.encode() not in database_bytes and token.encode() not in database_bytes
    assert all(len(row.digest) == 64 and len(row.token_digest) == 64 for row in kept)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _wait_healthy(url: str, process: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"assay serve exited: {process.communicate()}")
        try:
            if httpx.get(url + "/healthz", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            time.sleep(0.2)
    raise AssertionError("assay serve did not answer within 60 s")


def _workers(pid: int) -> list[int]:
    found = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True, check=False)
    return [int(p) for p in found.stdout.split()]


@pytest.mark.slow
def test_two_workers_share_sessions_and_the_sign_in_limit(tmp_path: Path) -> None:
    home = tmp_path / ".assay"
    with open_store(f"sqlite:///{home / 'assay.db'}") as store:
        token = store.users.add("ana", "editor").token
    env = {k: v for k, v in os.environ.items() if not k.startswith("ASSAY_")}
    env["ASSAY_HOME"] = str(home)
    src = str(Path(assay.__file__).parent.parent)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (src, env.get("PYTHONPATH")) if p)
    port = _free_port()
    command = [sys.executable, "-m", "assay", "serve", "--port", str(port), "--auth", "token"]
    process = subprocess.Popen(
        [*command, "--workers", "2"],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # a kill reaches the workers too, which hold the pipes
    )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_healthy(url, process)
        assert len(_workers(process.pid)) >= 2  # uvicorn's two workers (and its helper)
        cookies = [_sign_in(url, token)[0] for _ in range(4)]
        # every session on fresh connections, which either worker may accept
        answers = [_me(url, cookie) for cookie in cookies for _ in range(6)]
        assert {(a.status_code, a.json()["name"]) for a in answers} == {(200, "ana")}
        # ten wrong tokens, each on a connection of its own: the next try is refused,
        # even with the right token, however the connections were spread
        for i in range(10):
            wrong = httpx.get(url + "/api/v1/me", headers={"Authorization": f"Bearer x{i}"})
            assert wrong.status_code == 401
        limited = httpx.get(url + "/api/v1/me", headers={"Authorization": f"Bearer {token}"})
        assert limited.status_code == 429 and int(limited.headers["Retry-After"]) >= 1
        process.send_signal(signal.SIGTERM)
        out, err = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.communicate(timeout=60)
    assert process.returncode == 0, err
    assert "2 workers" in out and "stopped" in out
