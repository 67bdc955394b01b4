"""A real MLflow tracking server on loopback, from MLflow's own virtual environment.

MLflow pins pyarrow below assay's, so it lives in a virtual environment of its own, which
``scripts/dev-setup`` creates as ``.venv-mlflow`` under the repository root (or point
``ASSAY_MLFLOW_VENV`` at another). When it is missing these tests are skipped, except under
``CI=true``, where they fail. The server is started once per session with a SQLite backend
store and a proxied artifact store in a temporary folder.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
EVALUATE = Path(__file__).with_name("mlflow_evaluate.py")
_START_SECONDS = 300  # a cold start imports a lot on two shared cores


@dataclass(frozen=True)
class MlflowServer:
    """A running tracking server and the virtual environment it runs from."""

    url: str
    venv: Path

    def evaluate(self, model: str, seed: int) -> str:
        """Log an ``mlflow.evaluate`` run with the venv's MLflow; returns its run id."""
        done = subprocess.run(
            [str(self.venv / "bin" / "python"), str(EVALUATE), self.url, model, str(seed)],
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        assert done.returncode == 0, done.stderr[-2000:]
        ids = [line for line in done.stdout.split() if len(line) == 32 and line.isalnum()]
        assert ids, done.stdout
        return ids[0]


def _venv() -> Path | None:
    chosen = os.environ.get("ASSAY_MLFLOW_VENV")
    venv = Path(chosen) if chosen else ROOT / ".venv-mlflow"
    return venv if (venv / "bin" / "mlflow").exists() else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + _START_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"mlflow server exited: {log.read_text()[-2000:]}")
        try:
            with urllib.request.urlopen(url + "/health", timeout=2) as answer:
                if answer.status == 200:
                    return
        except OSError:
            time.sleep(1)
    pytest.fail(
        f"mlflow server did not answer within {_START_SECONDS} s: {log.read_text()[-2000:]}"
    )


@pytest.fixture(scope="session")
def mlflow_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MlflowServer]:
    """The session's MLflow tracking server."""
    venv = _venv()
    if venv is None:
        reason = (
            "MLflow's virtual environment is missing (scripts/dev-setup creates .venv-mlflow; "
            "or set ASSAY_MLFLOW_VENV)"
        )
        if os.environ.get("CI") == "true":
            pytest.fail(reason + "; CI=true requires it")
        pytest.skip(reason)
    folder = tmp_path_factory.mktemp("mlflow")
    port = _free_port()
    log = folder / "server.log"
    command = [
        str(venv / "bin" / "mlflow"), "server", "--host", "127.0.0.1", "--port", str(port),
        "--workers", "1", "--backend-store-uri", f"sqlite:///{folder / 'mlflow.db'}",
        "--artifacts-destination", str(folder / "artifacts"),
    ]  # fmt: skip
    with log.open("wb") as out:
        process = subprocess.Popen(
            command, stdout=out, stderr=subprocess.STDOUT, cwd=folder, start_new_session=True
        )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait(url, process, log)
        yield MlflowServer(url, venv)
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
