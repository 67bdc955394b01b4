"""``assay serve`` as a real process: it prints its URL, answers, stops cleanly on SIGTERM
(exit 0), and refuses to serve without authentication off loopback (exit 4)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

import assay
from assay.errors import ConfigError
from assay.server import ServerSettings
from assay.server._serve import check_settings, is_loopback


def _env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ASSAY_")}
    env["ASSAY_HOME"] = str(tmp_path / ".assay")
    # the subprocess imports this assay, wherever it is
    src = str(Path(assay.__file__).parent.parent)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (src, env.get("PYTHONPATH")) if p)
    return env


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _assay(*args: str, tmp_path: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "assay", *args],
        env=_env(tmp_path),
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _wait_healthy(url: str, process: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"assay serve exited: {process.communicate()}")
        try:
            if httpx.get(url + "/healthz", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            time.sleep(0.1)
    process.kill()
    raise AssertionError("assay serve did not answer within 30 s")


def test_serve_answers_and_stops_cleanly_on_sigterm(tmp_path: Path) -> None:
    port = _free_port()
    process = _assay(
        "serve",
        "--port", str(port),
        "--auth", "header",
        "--auth-header", "X-Forwarded-User",
        "--header-role", "ana@example.com=Admin",
        "--header-default-role", "viewer",
        tmp_path=tmp_path,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_healthy(url, process)
        assert httpx.get(url + "/readyz").json() == {"status": "ready"}
        me = httpx.get(url + "/api/v1/me", headers={"X-Forwarded-User": "ana@example.com"})
        assert me.json() == {"name": "ana@example.com", "role": "admin", "via": "header"}
        assert me.headers["content-security-policy"].startswith("default-src 'self'")
        other = httpx.get(url + "/api/v1/me", headers={"X-Forwarded-User": "ben"})
        assert other.json()["role"] == "viewer"
        assert httpx.get(url + "/api/v1/me").status_code == 401
        process.send_signal(signal.SIGTERM)
        out, err = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 0, err
    assert f"{url}/" in out and "stopped" in out
    assert '"identity": "ana@example.com"' in err  # the access log, on standard error


def test_serve_refuses_to_expose_a_store_without_authentication(tmp_path: Path) -> None:
    process = _assay("serve", "--host", "0.0.0.0", "--port", str(_free_port()), tmp_path=tmp_path)
    out, err = process.communicate(timeout=60)
    assert process.returncode == 4
    assert "--auth" in err and "0.0.0.0" in err
    assert "http://" not in out


def test_settings_are_checked_before_serving() -> None:
    for host in ("127.0.0.1", "localhost", "::1", "127.0.0.2"):
        assert is_loopback(host)
        check_settings(ServerSettings(host=host))
    for host in ("0.0.0.0", "::", "192.168.1.5", "example.com"):
        assert not is_loopback(host)
        with pytest.raises(ConfigError, match="--auth token"):
            check_settings(ServerSettings(host=host))
        check_settings(ServerSettings(host=host, auth="token"))
    with pytest.raises(ConfigError, match="--auth-header"):
        check_settings(ServerSettings(auth="header"))


@pytest.mark.slow
def test_a_request_in_flight_finishes_after_sigterm(tmp_path: Path) -> None:
    port = _free_port()
    process = _assay("serve", "--port", str(port), "--auth", "token", tmp_path=tmp_path)
    try:
        _wait_healthy(f"http://127.0.0.1:{port}", process)
        body = b"next=%2Fruns&csrf_token=wrong"
        with socket.create_connection(("127.0.0.1", port), timeout=20) as conn:
            conn.sendall(
                b"POST /login HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                b"Content-Type: application/x-www-form-urlencoded\r\n"
                b"Content-Length: "
                + str(len(body)).encode()
                + b"\r\nConnection: close\r\n\r\n"
                + body[:5]
            )
            time.sleep(0.5)  # the server is reading the body when it is told to stop
            process.send_signal(signal.SIGTERM)
            time.sleep(0.5)
            assert process.poll() is None, "the server stopped with a request in flight"
            conn.sendall(body[5:])
            answer = b""
            while chunk := conn.recv(4096):
                answer += chunk
        assert answer.startswith(b"HTTP/1.1 403 ")  # answered in full: the form's token is wrong
        assert b'"type":"csrf"' in answer
        process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 0


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--auth", "header", "--auth-header", "X-User", "--header-role", "ana=root"], "root"),
        (["--auth", "header", "--auth-header", "X-User", "--header-role", "ana"], "NAME=ROLE"),
        (["--auth", "header", "--header-default-role", "viewer"], "--auth-header"),
        (["--auth", "kerberos"], "none, token or header"),
        (["--port", "70000"], "1-65535"),
    ],
)
def test_bad_serve_options_exit_4(
    home: Path, capsys: pytest.CaptureFixture[str], args: list[str], words: str
) -> None:
    from assay.cli import main

    assert main(["serve", *args]) == 4
    assert words in " ".join(capsys.readouterr().err.split())


def test_serve_without_the_server_extra_names_the_install_line(
    home: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from assay.cli import main

    monkeypatch.setitem(sys.modules, "fastapi", None)  # as if it were not installed
    assert main(["serve"]) == 4
    assert "pip install 'assay[server]'" in capsys.readouterr().err
