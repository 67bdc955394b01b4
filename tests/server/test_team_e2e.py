"""The team hub end to end: a real ``assay serve --auth token`` process over SQLite and over a
fresh PostgreSQL schema, users made with ``assay users add``, and the ordinary command line on
"another machine" (processes that know only ``ASSAY_DB=http://…`` and ``ASSAY_TOKEN``):
ingest, compare, gate and record, approve as the approver, refusals for the viewer, the
ledger verified, and the runs listed through the server equal to the server's own store."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pyarrow.parquet as pq
import pytest

import assay
from assay.storage import open_store
from assay.testing import synthetic_records, synthetic_suite

SUITE_YAML = """\
name: team-e2e
metrics:
  - {name: accuracy, scorer: exact_match}
slices: [lang]
examples:
"""
ROLES = {"eve@example.com": "editor", "abe@example.com": "approver", "vic@example.com": "viewer"}
ROLES["ada@example.com"] = "admin"


@dataclass(frozen=True)
class Hub:
    """A served store: its URL for the server's own use, the server's URL, and tokens."""

    db: str
    artifacts: str
    url: str
    tokens: dict[str, str]


def _env(home: Path, **values: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ASSAY_")}
    env.update(ASSAY_HOME=str(home), **values)
    # the processes import this assay, wherever it is
    source = str(Path(assay.__file__).parents[1])
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [source, env.get("PYTHONPATH")]))
    return env


def _start(env: dict[str, str], cwd: Path, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "assay", *args],
        env=env,
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _finish(process: subprocess.Popen[str], ok: tuple[int, ...] = (0,)) -> tuple[int, str, str]:
    out, err = process.communicate(timeout=120)
    assert process.returncode in ok, (process.args, process.returncode, err)
    return process.returncode, out, err


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _wait_ready(url: str, process: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"assay serve exited: {process.communicate()}")
        try:
            if httpx.get(url + "/readyz", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise AssertionError("assay serve did not answer within 30 s")


# each takes about 30-50 s (a dozen processes); PostgreSQL, the team set-up, runs by default
@pytest.fixture(
    params=[
        pytest.param("postgresql", marks=pytest.mark.postgres),
        pytest.param("sqlite", marks=pytest.mark.slow),
    ]
)
def hub(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Hub]:
    folder = tmp_path / "server"
    folder.mkdir()
    if request.param == "sqlite":
        db = f"sqlite:///{folder / 'assay.db'}"
    else:
        db = request.getfixturevalue("pg_url")  # a fresh, empty schema
    artifacts = str(folder / "files")
    env = _env(folder / ".assay", ASSAY_DB=db, ASSAY_ARTIFACTS=artifacts)
    if request.param == "postgresql":
        _finish(_start(env, folder, "db", "upgrade"))
    adds = {
        name: _start(env, folder, "users", "add", name, "--role", role, "--json")
        for name, role in ROLES.items()
    }
    tokens = {}
    for name, process in adds.items():
        added = json.loads(_finish(process)[1])
        assert (added["name"], added["role"]) == (name, ROLES[name])
        tokens[ROLES[name]] = added["token"]
    port = _free_port()
    server = _start(env, folder, "serve", "--port", str(port), "--auth", "token")
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_ready(url, server)
        yield Hub(db, artifacts, url, tokens)
    finally:
        server.terminate()
        server.communicate(timeout=40)
    assert server.returncode == 0


def _suite_file(folder: Path) -> Path:
    rows = synthetic_suite(40, seed=11).examples.to_pylist()
    body = "".join(
        f"  - {{example_id: {r['example_id']}, slices: {{lang: {r['lang']}}}, "
        f"input: {r['input']}, reference: {r['reference']}}}\n"
        for r in rows
    )
    path = folder / "suite.yaml"
    path.write_text(SUITE_YAML + body)
    return path


def _records(suite: Path, folder: Path, seed: int) -> Path:
    records = synthetic_records(assay.load_suite(suite), seed=seed).drop(["sample_index"])
    path = folder / f"r{seed}.parquet"
    pq.write_table(records, path)
    return path


def test_a_team_works_through_assay_serve_with_tokens(hub: Hub, tmp_path: Path) -> None:
    laptop = tmp_path / "laptop"
    laptop.mkdir()
    suite = _suite_file(laptop)
    a, b = _records(suite, laptop, 1), _records(suite, laptop, 2)

    def as_(role: str, *args: str) -> subprocess.Popen[str]:
        env = _env(laptop / ".assay", ASSAY_DB=hub.url, ASSAY_TOKEN=hub.tokens[role])
        return _start(env, laptop, *args)

    def run(role: str, *args: str, ok: tuple[int, ...] = (0,)) -> str:
        return _finish(as_(role, *args), ok)[1]

    base = json.loads(
        run("editor", "ingest", str(a), "--suite", str(suite), "--model", "m@1", "--json")
    )
    cand = json.loads(
        run("editor", "ingest", str(b), "--suite", "team-e2e", "--model", "m@2", "--json")
    )
    base_id, cand_id = base["run"]["run_id"], cand["run"]["run_id"]
    # independent commands run side by side, as on a team's machines
    gate = as_("editor", "gate", base_id, cand_id, "--record", "--json")
    compare = as_("viewer", "compare", base_id, cand_id, "--json")
    upload = as_("viewer", "ingest", str(a), "--suite", "team-e2e", "--model", "m@3")
    gated = json.loads(_finish(gate, ok=(0, 2))[1])
    compared = json.loads(_finish(compare)[1])
    assert (compared["baseline_run"], compared["candidate_run"]) == (base_id, cand_id)
    with open_store(hub.db, artifacts=hub.artifacts) as own:
        (stored,) = own.decisions.list()
    assert stored.verdict.value == gated["verdict"]["verdict"] != "BLOCK"

    # the approver signs off: the name typed is ignored, the token's user is recorded;
    # the viewer may read but neither upload nor sign off, and is told so in one line
    approve = ("decisions", "approve", stored.decision_id[:12], "--role", "safety")
    approved = as_("approver", *approve, "--name", "Mallory")
    objected = as_("viewer", *approve, "--name", "vic")
    for refused in (upload, objected):
        _, _, err = _finish(refused, ok=(9,))
        assert "AccessDeniedError" in err and "refused" in err and "Traceback" not in err, err
        assert "vic@example.com is viewer" in err and "set ASSAY_TOKEN" not in err, err
    assert "recorded under abe@example.com" in _finish(approved)[1]
    verify = as_("viewer", "decisions", "verify")
    listing = as_("viewer", "runs", "list", "--json")
    stranger = _start(
        _env(laptop / ".assay", ASSAY_DB=hub.url, ASSAY_TOKEN="assay_" + "x" * 43),
        laptop,
        *("runs", "list"),
    )
    _, _, err = _finish(stranger, ok=(9,))
    assert "refused" in err and "set ASSAY_TOKEN" in err and "Traceback" not in err, err
    assert "intact" in _finish(verify)[1].lower()
    listed = json.loads(_finish(listing)[1])

    assert not (laptop / ".assay").exists(), "the client kept a local store"
    with open_store(hub.db, artifacts=hub.artifacts) as own:
        assert listed == [info.model_dump(mode="json") for info in own.runs.list()]
        assert {r["run_id"] for r in listed} == {base_id, cand_id}
        (approval,) = own.decisions.approvals(stored.decision_id)
        assert (approval.name, approval.role, approval.status) == (
            "abe@example.com",
            "safety",
            "approved",
        )
        verified = own.decisions.verify(runs=own.runs, artifacts=own.artifacts)
        assert verified.ok and verified.entries == 2
