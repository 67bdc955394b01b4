"""A team store with its records and artifacts in S3 (a real S3-compatible server on
loopback), its metadata in SQLite or PostgreSQL: every command runs in a fresh process."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pyarrow.parquet as pq
import pytest

import assay
from assay.storage import open_store
from assay.testing import synthetic_records, synthetic_suite

SOURCE = str(Path(assay.__file__).resolve().parent.parent)


def cli(env: dict[str, str], *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """``assay ARGS`` in a new process with ``env`` over this one's environment."""
    full = {**os.environ, **env, "NO_COLOR": "1", "COLUMNS": "200"}
    full["PYTHONPATH"] = os.pathsep.join(filter(None, [SOURCE, os.environ.get("PYTHONPATH")]))
    return subprocess.run(
        [sys.executable, "-m", "assay", *args],
        env=full,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'meta' / 'assay.db'}"
    url: str = request.getfixturevalue("pg_migrated_url")
    return url


@pytest.mark.slow
def test_ingest_compare_gate_report_through_fresh_processes(s3, db_url, tmp_path: Path) -> None:
    env = {**s3.env, "ASSAY_DB": db_url}
    data = synthetic_suite(3000, seed=4, slices={"lang": ["en", "fr"]})
    with open_store(db_url) as store:
        store.suites.put(data.suite, data.examples)
    base, cand = tmp_path / "base.parquet", tmp_path / "cand.parquet"
    pq.write_table(synthetic_records(data, accuracy=0.70, seed=1), base)
    pq.write_table(synthetic_records(data, accuracy=0.78, seed=2), cand)

    ids = []
    for path, model in ((base, "m@1"), (cand, "m@2")):
        done = cli(
            env,
            "ingest",
            str(path),
            "--suite",
            data.digest,
            "--model",
            model,
            "--json",
            cwd=tmp_path,
        )
        assert done.returncode == 0, done.stderr
        ids.append(json.loads(done.stdout)["run"]["run_id"])
    b, c = ids

    keys = s3.objects()
    records = [k for k in keys if k.startswith("team/records/")]
    assert len(records) == 2 and all(".sha256-" in k for k in records)
    assert len([k for k in keys if k.startswith("team/suites/")]) == 1
    assert not (tmp_path / "meta" / "records").exists()  # nothing went beside the database

    done = cli(env, "compare", b, c, "--json", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    overall = next(
        r
        for r in json.loads(done.stdout)["results"]
        if r["metric"] == "accuracy" and r["slice_attribute"] is None
    )
    assert overall["n"] == 3000  # the count the records hold
    assert overall["difference"]["low"] > 0

    done = cli(env, "gate", b, c, "--record", "-o", str(tmp_path / "rec"), "--json", cwd=tmp_path)
    assert done.returncode == 0, done.stderr  # SHIP
    done = cli(env, "report", b, c, "-o", str(tmp_path / "report"), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert {p.name for p in (tmp_path / "report").iterdir()} == {
        "report.html",
        "report.md",
        "memo.md",
    }

    done = cli(env, "decisions", "list", "--json", cwd=tmp_path)
    (decision,) = json.loads(done.stdout)
    assert decision["verdict"] == "SHIP" and decision["candidate_run"] == c
    artifact_keys = {k.rsplit("/", 1)[-1] for k in s3.objects() if k.startswith("team/artifacts/")}
    done = cli(env, "decisions", "show", decision["decision_id"], "--json", cwd=tmp_path)
    shown = json.loads(done.stdout)
    assert set(shown["artifacts"].values()) <= artifact_keys  # report, memo, policy... in S3

    # the ledger re-hashes the runs' record files and the artifacts, read back from S3
    done = cli(env, "decisions", "verify", "--json", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    verified = json.loads(done.stdout)
    assert verified["ok"] and verified["entries"] == 1
    assert not verified["evidence_problems"]
    assert not any("not re-hashed" in note for note in verified["notes"])

    # a fresh process reads back exactly what was ingested (stored sorted by example id)
    with open_store(db_url) as store:
        stored = store.runs.records(c)
    expected = pq.read_table(cand).sort_by("example_id")
    for column in ("example_id", "accuracy", "output", "latency_ms"):
        assert stored.column(column).to_pylist() == expected.column(column).to_pylist()

    # nothing is orphaned after a clean workflow: gc finds nothing to remove
    done = cli(env, "db", "gc", "--grace", "0", "--json", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    swept = json.loads(done.stdout)
    assert swept["orphans"] == [] and swept["referenced"] == len(s3.objects())
