"""A real S3-compatible server on loopback (moto's standalone server), and stores kept in it.

The server runs in its own process for the whole test session; every test gets a bucket of its
own. ``s3_env`` is what a user sets for a team store: the standard AWS variables (credentials,
``AWS_ENDPOINT_URL``) and ``ASSAY_ARTIFACTS=s3://bucket/prefix``.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

KEY_ID = "assay-test-key"
SECRET = "assay-test-secret"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class S3Server:
    """A moto server process on loopback."""

    endpoint: str
    process: subprocess.Popen[bytes]

    def client(self, key: str = KEY_ID, secret: str = SECRET) -> object:
        import boto3

        return boto3.client(
            "s3",
            endpoint_url=self.endpoint,
            region_name="us-east-1",
            aws_access_key_id=key,
            aws_secret_access_key=secret,
        )


def start_s3_server(extra_env: dict[str, str] | None = None) -> S3Server:
    """Start ``moto.server`` on a free loopback port and wait until it answers."""
    port = _free_port()
    env = {**os.environ, **(extra_env or {})}
    process = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=env,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"moto.server exited with {process.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return S3Server(f"http://127.0.0.1:{port}", process)
        except OSError:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError("moto.server did not start within 60 s")


def stop(server: S3Server) -> None:
    server.process.terminate()
    try:
        server.process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        server.process.kill()
        server.process.wait()


@pytest.fixture(scope="session")
def s3_server() -> Iterator[S3Server]:
    pytest.importorskip("s3fs", reason="pip install 'assay[s3]'")
    server = start_s3_server()
    yield server
    stop(server)


@pytest.fixture(scope="session")
def locked_server() -> Iterator[S3Server]:
    """A second S3 server that checks credentials and knows none: every key is wrong."""
    pytest.importorskip("s3fs", reason="pip install 'assay[s3]'")
    server = start_s3_server({"INITIAL_NO_AUTH_ACTION_COUNT": "0"})
    yield server
    stop(server)


def aws_env(endpoint: str, key: str = KEY_ID, secret: str = SECRET) -> dict[str, str]:
    """The AWS variables a user of this S3-compatible server sets."""
    return {
        "AWS_ACCESS_KEY_ID": key,
        "AWS_SECRET_ACCESS_KEY": secret,
        "AWS_ENDPOINT_URL": endpoint,
        "AWS_DEFAULT_REGION": "us-east-1",
        # fail fast when the endpoint does not answer, instead of retrying for seconds
        "AWS_MAX_ATTEMPTS": "1",
    }


@dataclass
class S3Bucket:
    """A new, empty bucket of the session's server, and the environment that points at it."""

    server: S3Server
    name: str
    env: dict[str, str]
    """The AWS variables and ``ASSAY_ARTIFACTS=s3://<bucket>/team``."""

    @property
    def root(self) -> str:
        return f"s3://{self.name}/team"

    def objects(self) -> dict[str, int]:
        """Every key in the bucket with its size."""
        listed = self.server.client().list_objects_v2(Bucket=self.name)  # type: ignore[attr-defined]
        return {o["Key"]: o["Size"] for o in listed.get("Contents", [])}

    def get(self, key: str) -> bytes:
        found = self.server.client().get_object(Bucket=self.name, Key=key)  # type: ignore[attr-defined]
        return bytes(found["Body"].read())

    def put(self, key: str, data: bytes) -> None:
        self.server.client().put_object(Bucket=self.name, Key=key, Body=data)  # type: ignore[attr-defined]

    def delete(self, key: str) -> None:
        self.server.client().delete_object(Bucket=self.name, Key=key)  # type: ignore[attr-defined]


@pytest.fixture
def s3(s3_server: S3Server, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> S3Bucket:
    """A bucket of its own; this process's environment (and a child's, given ``s3.env``)
    points a store's files at it. ``ASSAY_DB`` is the test's to set."""
    name = f"assay-{uuid.uuid4().hex[:12]}"
    s3_server.client().create_bucket(Bucket=name)  # type: ignore[attr-defined]
    env = {**aws_env(s3_server.endpoint), "ASSAY_ARTIFACTS": f"s3://{name}/team"}
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("ASSAY_HOME", str(tmp_path / "home"))
    return S3Bucket(s3_server, name, env)
