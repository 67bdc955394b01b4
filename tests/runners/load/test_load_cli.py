"""``assay load run`` against a real SSE server on loopback: exit codes, JSON, 80 columns."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from streaming_server import StreamingServer


def _load(args: list[str], tmp_path: Path) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, ASSAY_HOME=str(tmp_path / "home"), COLUMNS="80")
    command = [sys.executable, "-m", "assay", "load", "run", *args]
    return subprocess.run(command, capture_output=True, text=True, env=env, timeout=120)


@pytest.fixture(scope="module")
def server() -> object:
    with StreamingServer(base_s=0.005, gap_s=0.001, tokens=4) as s:
        yield s


def test_a_met_objective_ships_and_the_run_is_stored(
    server: StreamingServer, tmp_path: Path
) -> None:
    base = server.url.rsplit("/chat", 1)[0]
    args = [base, "--concurrency", "8", "--requests", "400", "--slo", "ttft_p99<=2s", "--log"]
    done = _load(args, tmp_path)
    assert done.returncode == 0, done.stderr
    assert "verdict: SHIP" in done.stdout and "400 requests measured, 400 ok" in done.stdout
    assert max(len(line) for line in done.stdout.splitlines()) <= 80
    run_id = done.stdout.split("stored as run ")[1].split()[0]
    env = dict(os.environ, ASSAY_HOME=str(tmp_path / "home"))
    shown = subprocess.run(
        [sys.executable, "-m", "assay", "runs", "show", run_id, "--json"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert shown.returncode == 0, shown.stderr
    assert json.loads(shown.stdout)["n_records"] == 400


def test_too_few_requests_are_inconclusive_in_json(server: StreamingServer, tmp_path: Path) -> None:
    done = _load(
        [server.url, "--concurrency", "2", "--requests", "20", "--slo", "ttft_p99<=2s", "--json"],
        tmp_path,
    )
    assert done.returncode == 2
    payload = json.loads(done.stdout)
    assert payload["verdict"] == "INCONCLUSIVE"
    assert payload["objectives"][0]["reason"] == "too few requests for a p99 objective: 20 < 368"
    assert payload["metrics"]["ttft_p99_ms"]["high"] == "inf"


def test_a_missed_objective_blocks(server: StreamingServer, tmp_path: Path) -> None:
    done = _load(
        [server.url, "--concurrency", "2", "--requests", "30", "--slo", "ttft_p50<=1ms"], tmp_path
    )
    assert done.returncode == 1 and "verdict: BLOCK" in done.stdout


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--slo", "ttft_p99<=500"], "Cannot read the objective"),
        (["--no-stream", "--slo", "ttft_p50<=1s"], "did not measure"),
        (["--price-gpu-hour", "0"], "must be > 0"),
    ],
)
def test_bad_objectives_and_prices_are_clear(
    server: StreamingServer, tmp_path: Path, extra: list[str], message: str
) -> None:
    done = _load([server.url, "--concurrency", "2", "--requests", "4", *extra], tmp_path)
    assert done.returncode == 4 and message in done.stderr
