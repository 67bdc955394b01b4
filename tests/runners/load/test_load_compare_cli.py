"""``assay load run --rates``, ``assay load compare`` and ``assay load capacity`` on loopback."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import typer
from hypothesis import given, settings
from hypothesis import strategies as st
from streaming_server import StreamingServer


def _start(args: list[str], tmp_path: Path) -> subprocess.Popen[str]:
    # run from tmp_path (reports land in ./assay-reports), with this checkout's package first
    src = str(Path(__file__).resolve().parents[3] / "src")
    path = os.pathsep.join(p for p in (src, os.environ.get("PYTHONPATH", "")) if p)
    env = dict(os.environ, ASSAY_HOME=str(tmp_path / "home"), COLUMNS="80", PYTHONPATH=path)
    command = [sys.executable, "-m", "assay", "load", *args]
    pipe = subprocess.PIPE
    return subprocess.Popen(command, stdout=pipe, stderr=pipe, text=True, env=env, cwd=tmp_path)


def _done(started: subprocess.Popen[str]) -> subprocess.CompletedProcess[str]:
    try:
        out, err = started.communicate(timeout=300)
    finally:
        started.kill()
    return subprocess.CompletedProcess(started.args, started.returncode, out, err)


def _load(args: list[str], tmp_path: Path) -> subprocess.CompletedProcess[str]:
    return _done(_start(args, tmp_path))


def _load_both(
    first: list[str], second: list[str], tmp_path: Path
) -> tuple[subprocess.CompletedProcess[str], subprocess.CompletedProcess[str]]:
    """Two runs at once, each in a folder (store, reports) of its own."""
    (tmp_path / "second").mkdir()
    started = _start(first, tmp_path), _start(second, tmp_path / "second")
    return _done(started[0]), _done(started[1])


@pytest.fixture(scope="module")
def servers():  # type: ignore[no-untyped-def]
    with (
        StreamingServer(base_s=0.005, gap_s=0.001, tokens=4, seed=1) as a,
        StreamingServer(base_s=0.012, gap_s=0.001, tokens=4, seed=2) as b,
    ):
        yield a, b


@pytest.mark.slow
def test_a_sweep_prints_one_row_per_rate_and_stores_each_run(servers, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    a, _ = servers
    args = [a.url, "--rates", "40,80", "--requests", "40", "--slo", "ttft_p50<=1s", "--log"]
    done, as_json = _load_both(["run", *args], ["run", *args[:-1], "--json"], tmp_path)
    assert done.returncode == 0, done.stderr
    rows = [line for line in done.stdout.splitlines() if line.strip().startswith(("40 ", "80 "))]
    assert len(rows) == 2 and all("40/40" in r and "SHIP" in r for r in rows)
    assert done.stdout.count("stored as run") == 2
    assert max(len(line) for line in done.stdout.splitlines()) <= 80
    payload = json.loads(as_json.stdout)
    assert payload["rates"] == [40.0, 80.0] and payload["verdict"] == "SHIP"
    assert [r["n_requests"] for r in payload["runs"]] == [40, 40]


@pytest.mark.slow
def test_compare_gates_with_a_policy_and_records(servers, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    a, b = servers
    policy = tmp_path / "policy.yaml"
    policy.write_text(
        "name: serving\nrules:\n  quality:\n"
        "    - {name: p50, metric: ttft_p50_ms, kind: threshold, max: 5}\n"
    )
    args = [a.url, b.url, "--rates", "100", "--pairs", "8", "--block-requests", "10"]
    recorded = ["compare", *args, "--policy", str(policy), "--record"]
    done, as_json = _load_both(recorded, ["compare", *args, "--json"], tmp_path)
    assert done.returncode == 1, done.stderr  # the candidate's p50 TTFT is above 5 ms
    assert "BLOCK" in done.stdout and "decision" in done.stdout and "recorded" in done.stdout
    long = [line for line in done.stdout.splitlines() if len(line) > 80]
    assert long == [], long
    assert (tmp_path / "assay-reports" / "report.html").exists()
    payload = json.loads(as_json.stdout)
    assert payload["verdict"] is None and len(payload["blocks"]) == 16
    ttft = next(r for r in payload["comparison"]["results"] if r["metric"] == "ttft_p50_ms")
    assert ttft["difference"]["estimate"] > 3  # 7 ms later first tokens
    assert payload["ratios"]["ttft_p50_ms"]["estimate"] > 1


@pytest.mark.slow
def test_capacity_reports_every_look(servers, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    a, _ = servers
    args = [a.url, "--slo", "ttft_p90<=1s", "--start-rate", "50", "--requests", "100"]
    done = _load(["capacity", *args, "--max-looks", "3", "--warmup", "5", "--json"], tmp_path)
    assert done.returncode == 0, done.stderr
    payload = json.loads(done.stdout)
    looks = payload["looks"]
    # the steady-state checks may send a look again with more requests, so which rates are
    # probed varies; every look is reported, and the capacity is a rate met twice in a row
    assert len(looks) == 3 and looks[0]["rate"] == 50.0
    assert all(look["requests"] >= 100 and look["objectives"] for look in looks)
    assert payload["stopped"] == "the 3 looks were used"
    met = [look["rate"] for look in looks if look["outcome"] == "met"]
    assert payload["capacity"] is None or met.count(payload["capacity"]) >= 2


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["run", "URL", "--rates", "10,abc"], "expected rates"),
        (["run", "URL", "--rate", "5", "--rates", "10"], "not both"),
        (["capacity", "URL", "--no-stream", "--slo", "ttft_p90<=1s"], "needs streaming"),
        (["compare", "URL", "URL", "--slo", "ttft_p99<=1s"], "per-request objectives"),
        (["compare", "URL", "URL", "--price-gpu-hour", "2"], "--candidate-price-gpu-hour"),
    ],
)
def test_bad_input_is_a_clear_message(
    servers, tmp_path: Path, args: list[str], message: str
) -> None:  # type: ignore[no-untyped-def]
    url = servers[0].url
    done = _load([url if a == "URL" else a for a in args], tmp_path)
    assert done.returncode not in (0, 1, 2) and message in done.stdout + done.stderr


@settings(deadline=None)
@given(st.text(max_size=40))
def test_any_rates_text_is_rates_above_zero_or_one_clear_error(text: str) -> None:
    from assay.cli._load_compare import _rates

    try:
        rates = _rates(text)
    except typer.BadParameter as exc:
        assert "rates" in str(exc)
    else:
        assert rates and all(0 < r < float("inf") for r in rates)
