"""Writers killed at any point: the store still opens, lists and verifies, and cleans up."""

from __future__ import annotations

import hashlib
import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

import assay
from assay.storage import RunQuery, open_store

SRC = str(Path(assay.__file__).resolve().parents[1])

_HANGING_WRITER = """
import os, sys, time
from assay.storage import open_store
from assay.testing import make_records, make_run, make_suite_model

store = open_store(sys.argv[1])
suite, examples = make_suite_model("qa")
store.suites.put(suite, examples)

def hang(source, target):
    print("writing", flush=True)
    time.sleep(600)

os.replace = hang  # the records file is written and synced; its rename never comes
records = make_records(10)
# a given content digest: the file is written by put; none: staged while the digest is computed
content = None if sys.argv[2] == "given" else ""
store.runs.put(make_run(suite, records, run_id="killed", content_digest=content), records)
"""

_BUSY_WRITER = """
import sys
from assay.storage import open_store
from assay.testing import make_decision, make_records, make_run, make_suite_model

store = open_store(sys.argv[1])
prefix = sys.argv[2]
suite, examples = make_suite_model("qa")
store.suites.put(suite, examples)
print("ready", flush=True)
for i in range(10_000):
    records = make_records(50, seed=i)
    store.runs.put(make_run(suite, records, run_id=f"{prefix}-{i}"), records)
    store.artifacts.put(f"report {prefix} {i}".encode(), media_type="text/plain")
    if i:
        store.decisions.put(make_decision(f"{prefix}-{i - 1}", f"{prefix}-{i}"))
"""


def _start(script: str, *args: str) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": SRC}
    return subprocess.Popen(
        [sys.executable, "-c", script, *args], stdout=subprocess.PIPE, text=True, env=env
    )


def _kill_when(process: subprocess.Popen[str], line: str, after: float = 0.0) -> None:
    assert process.stdout is not None
    with process.stdout:
        assert process.stdout.readline().strip() == line
        time.sleep(after)
        process.send_signal(signal.SIGKILL)
        assert process.wait(60) == -signal.SIGKILL


@pytest.mark.parametrize("digest", ["given", "computed"])
def test_temporary_files_of_a_killed_writer_are_removed_once_old(
    tmp_path: Path, digest: str
) -> None:
    url = f"sqlite:///{tmp_path / 'assay.db'}"
    _kill_when(_start(_HANGING_WRITER, url, digest), "writing")
    [orphan] = (tmp_path / "records").glob(".*.partial")
    kept = tmp_path / "records" / "not-a-temporary.parquet"
    kept.write_bytes(b"")

    # a temporary file as young as this one may belong to a live writer: it stays
    with open_store(url) as store:
        assert store.runs.list(RunQuery()) == []
    assert orphan.exists()

    day_ago = time.time() - 24 * 3600
    for path in (orphan, kept):
        os.utime(path, (day_ago, day_ago))
    with open_store(url) as store:
        assert store.runs.list(RunQuery()) == []
        assert len(store.suites.list()) == 1
    assert not orphan.exists()
    assert kept.exists()


def _check_store(url: str, root: Path) -> int:
    with open_store(url) as store:
        infos = store.runs.list(RunQuery())
        for info in infos:
            assert store.runs.records(info.run_id).num_rows == 50
        assert len(store.suites.list()) == 1
        verification = store.decisions.verify()
        assert verification.ok, verification
    # every artifact in place is whole, with its media type beside it
    for path in (root / "artifacts").rglob("*"):
        if path.is_file() and not path.name.startswith(".") and path.suffix != ".json":
            assert hashlib.sha256(path.read_bytes()).hexdigest() == path.name
            meta = json.loads(path.with_name(path.name + ".json").read_text())
            assert meta["media_type"] == "text/plain"
    return len(infos)


@pytest.mark.slow
def test_writers_killed_at_random_points_leave_a_usable_store(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'assay.db'}"
    rng = random.Random(20261206)
    for attempt in range(4):
        _kill_when(_start(_BUSY_WRITER, url, f"w{attempt}"), "ready", rng.uniform(0.05, 0.8))
        _check_store(url, tmp_path)
    assert _check_store(url, tmp_path) > 0
