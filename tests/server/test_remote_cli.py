"""The ordinary command line against a real server: ``ASSAY_DB=http://127.0.0.1:PORT``, each
command in its own process, over SQLite and PostgreSQL."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pyarrow.parquet as pq
import pytest

import assay
from assay.server import ServerSettings, create_app
from assay.storage import Store, open_store
from assay.testing import running_server, synthetic_records, synthetic_suite

SUITE_YAML = """\
name: team-suite
metrics:
  - {name: accuracy, scorer: exact_match}
slices: [lang]
examples:
"""


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'server' / 'assay.db'}"
    else:
        url = request.getfixturevalue("pg_migrated_url")
    with open_store(url, artifacts=str(tmp_path / "server-files")) as store:
        yield store


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
    data = assay.load_suite(suite)
    path = folder / f"r{seed}.parquet"
    records = synthetic_records(data, seed=seed, error_rate=0.05).drop(["sample_index"])
    pq.write_table(records, path)
    return path


def test_the_cli_ingests_compares_gates_records_and_approves_through_a_server(
    backend: Store, tmp_path: Path
) -> None:
    client = tmp_path / "laptop"
    client.mkdir()
    suite = _suite_file(client)
    a, b = _records(suite, client, 1), _records(suite, client, 2)
    with running_server(create_app(backend, ServerSettings())) as url:
        env = {k: v for k, v in os.environ.items() if not k.startswith("ASSAY_")}
        # nothing local: the client has no database, only the server's URL
        env.update(ASSAY_DB=url, ASSAY_HOME=str(client / ".assay"))
        # the processes import this assay, wherever they run
        source = str(Path(assay.__file__).parents[1])
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [source, env.get("PYTHONPATH")]))

        def cli(*args: str, ok: tuple[int, ...] = (0,)) -> str:
            done = subprocess.run(
                [sys.executable, "-m", "assay", *args],
                cwd=client,
                env=env,
                capture_output=True,
                text=True,
                timeout=120,
            )
            assert done.returncode in ok, done.stderr
            return done.stdout

        base = json.loads(cli("ingest", str(a), "--suite", str(suite), "--model", "m@1", "--json"))
        cand = json.loads(
            cli("ingest", str(b), "--suite", "team-suite", "--model", "m@2", "--json")
        )
        base_id, cand_id = base["run"]["run_id"], cand["run"]["run_id"]
        compared = json.loads(cli("compare", base_id, cand_id, "--json"))
        assert compared["baseline_run"] == base_id and compared["candidate_run"] == cand_id
        gated = json.loads(cli("gate", base_id, cand_id, "--record", "--json", ok=(0, 1, 2)))
        (stored,) = backend.decisions.list()
        assert stored.verdict.value == gated["verdict"]["verdict"]
        cli("decisions", "approve", stored.decision_id[:12], "--role", "safety", "--name", "Ana")
        listed = json.loads(cli("runs", "list", "--json"))

    assert not (client / ".assay").exists(), "the client kept a local store"
    assert listed == [info.model_dump(mode="json") for info in backend.runs.list()]
    assert {r["run_id"] for r in listed} == {base_id, cand_id}
    (approval,) = backend.decisions.approvals(stored.decision_id)
    # the server records who is signed in (the local admin without authentication)
    assert (approval.role, approval.status, approval.name) == ("safety", "approved", "local")
    verified = backend.decisions.verify(runs=backend.runs, artifacts=backend.artifacts)
    assert verified.ok and verified.entries == 2
    assert {"comparison", "verdict", "policy", "report_html"} <= set(stored.artifacts)
    for digest in stored.artifacts.values():
        assert backend.artifacts.exists(digest)


def test_assay_run_and_log_run_record_through_a_server(
    backend: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = tmp_path / "ci-runner"
    client.mkdir()
    suite = _suite_file(client)
    (client / "echo_model.py").write_text("def answer(text):\n    return text\n")
    with running_server(create_app(backend, ServerSettings())) as url:
        env = {k: v for k, v in os.environ.items() if not k.startswith("ASSAY_")}
        env.update(ASSAY_DB=url, ASSAY_HOME=str(client / ".assay"))
        source = str(Path(assay.__file__).parents[1])
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [source, str(client)]))
        args = [
            "run",
            "--suite",
            str(suite),
            "--model",
            "echo@1",
            "--callable",
            "echo_model:answer",
        ]
        done = subprocess.run(
            [sys.executable, "-m", "assay", *args, "--json"],
            cwd=client,
            env=env,
            capture_output=True,
            text=True,
            timeout=180,
        )
        assert done.returncode == 0, done.stderr
        evaluated = json.loads(done.stdout)["run"]
        monkeypatch.setenv("ASSAY_DB", url)
        monkeypatch.setenv("ASSAY_HOME", str(client / ".assay"))
        records = pq.read_table(_records(suite, client, 3))
        logged = assay.log_run(records, suite="team-suite", model="logged@1").run

    assert not (client / ".assay").exists(), "the client kept a local store"
    stored = {r.run_id: r for r in backend.runs.list()}
    assert set(stored) == {evaluated["run_id"], logged.run_id}
    assert stored[evaluated["run_id"]].model.name == "echo"
    assert stored[evaluated["run_id"]].n_records == 40
    assert stored[logged.run_id].content_digest == logged.content_digest
    assert backend.runs.records(logged.run_id).num_rows == records.num_rows
