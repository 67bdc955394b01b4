"""What goes wrong with an object store: it does not answer, it refuses the credentials, an
object vanished or was altered, a writer died between the object and the row. Each is a clear
error naming the object or store, and nothing is half recorded."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

import assay
from assay.errors import NotFoundError, StorageError
from assay.storage import open_store, sweep_orphans
from assay.testing import synthetic_records, synthetic_suite

SOURCE = str(Path(assay.__file__).resolve().parent.parent)


def _clear_clients() -> None:
    """Forget cached S3 clients: the endpoint and keys are read when a client is made."""
    import s3fs

    s3fs.S3FileSystem.clear_instance_cache()


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _stored_run(tmp_path: Path) -> tuple[str, str, str]:
    """A suite and a run stored in the test's bucket: (database URL, run id, suite digest)."""
    url = f"sqlite:///{tmp_path / 'assay.db'}"
    data = synthetic_suite(300, seed=3)
    with open_store(url) as store:
        logged = assay.log_run(
            synthetic_records(data, seed=3), suite=data, model="m@1", store=store
        )
    return url, logged.run.run_id, data.digest


def test_an_unreachable_store_is_named_and_nothing_is_recorded(s3, tmp_path, monkeypatch):
    monkeypatch.setenv("AWS_ENDPOINT_URL", f"http://127.0.0.1:{_closed_port()}")
    _clear_clients()
    data = synthetic_suite(50, seed=1)
    with open_store(f"sqlite:///{tmp_path / 'assay.db'}") as store:
        with pytest.raises(StorageError) as caught:
            store.suites.put(data.suite, data.examples)
        message = str(caught.value)
        assert f"{s3.root}/suites/" in message and "reachable" in message
        assert store.suites.list() == []  # no row for an object that was never written
    _clear_clients()


def test_reading_from_an_unreachable_store_names_the_object(s3, tmp_path, monkeypatch):
    url, run_id, _ = _stored_run(tmp_path)
    monkeypatch.setenv("AWS_ENDPOINT_URL", f"http://127.0.0.1:{_closed_port()}")
    _clear_clients()
    with open_store(url) as store:
        assert store.runs.get(run_id).run_id == run_id  # metadata needs no object store
        with pytest.raises(StorageError, match=rf"{s3.root}/records/{run_id}\..*reachable"):
            store.runs.records(run_id)
    _clear_clients()


def test_wrong_credentials_are_named_and_nothing_is_recorded(
    s3, locked_server, tmp_path, monkeypatch
):
    monkeypatch.setenv("AWS_ENDPOINT_URL", locked_server.endpoint)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAWRONGWRONGWRONG1")
    _clear_clients()
    data = synthetic_suite(50, seed=2)
    with open_store(f"sqlite:///{tmp_path / 'assay.db'}") as store:
        with pytest.raises(StorageError) as caught:
            store.suites.put(data.suite, data.examples)
        message = str(caught.value)
        assert "refused" in message and "credentials" in message and s3.root in message
        assert store.suites.list() == []
    _clear_clients()


def test_a_missing_record_object_is_named(s3, tmp_path):
    url, run_id, _ = _stored_run(tmp_path)
    (key,) = [k for k in s3.objects() if k.startswith(f"team/records/{run_id}.")]
    s3.delete(key)
    _clear_clients()
    with open_store(url) as store, pytest.raises(StorageError) as caught:
        store.runs.records(run_id)
    assert f"s3://{s3.name}/{key} is missing from the store" in str(caught.value)


def test_an_altered_record_object_is_refused(s3, tmp_path):
    url, run_id, _ = _stored_run(tmp_path)
    (key,) = [k for k in s3.objects() if k.startswith(f"team/records/{run_id}.")]
    # a plausible edit: the same file with one score flipped, still valid Parquet
    table = pq.read_table(pa.BufferReader(s3.get(key)))
    scores = table.column("accuracy").to_pylist()
    scores[0] = 1.0 - scores[0]
    table = table.set_column(
        table.column_names.index("accuracy"), "accuracy", pa.array(scores, pa.float64())
    )
    sink = pa.BufferOutputStream()
    pq.write_table(table, sink)
    s3.put(key, sink.getvalue().to_pybytes())
    with open_store(url) as store:
        with pytest.raises(StorageError) as caught:
            store.runs.records(run_id)
        message = str(caught.value)
        assert f"s3://{s3.name}/{key} was altered" in message
        assert key.split(".sha256-")[1].removesuffix(".parquet") in message  # the digest stored
        assert pc.sum(table.column("accuracy")).as_py() != 0  # (the edit is readable Parquet)


def test_an_altered_record_object_fails_a_streamed_comparison_and_sql(s3, tmp_path):
    url, run_id, _ = _stored_run(tmp_path)
    (key,) = [k for k in s3.objects() if k.startswith(f"team/records/{run_id}.")]
    with open_store(url) as store:
        other = assay.log_run(
            synthetic_records(synthetic_suite(300, seed=3), seed=4),
            suite=synthetic_suite(300, seed=3),
            model="m@2",
            store=store,
        ).run.run_id
        assert assay.sql("SELECT count(*) FROM records", store=store).column(0)[0].as_py() == 600
        table = pq.read_table(pa.BufferReader(s3.get(key)))
        table = table.set_column(
            table.column_names.index("accuracy"),
            "accuracy",
            pc.subtract(1.0, table.column("accuracy")),
        )
        sink = pa.BufferOutputStream()
        pq.write_table(table, sink)
        s3.put(key, sink.getvalue().to_pybytes())
        named = f"s3://{s3.name}/{key} (the record file of run {run_id}) was altered"
        with pytest.raises(StorageError) as caught:
            assay.compare_runs(run_id, other, store=store, streaming=True, resamples=50)
        assert named in str(caught.value)
        with pytest.raises(StorageError) as caught:
            assay.sql("SELECT count(*) FROM records", store=store)
        assert named in str(caught.value)


def test_a_missing_or_altered_artifact_is_named(s3, tmp_path):
    with open_store(f"sqlite:///{tmp_path / 'assay.db'}") as store:
        digest = store.artifacts.put(b"<html>report</html>", media_type="text/html")
        key = f"team/artifacts/{digest[:2]}/{digest}"
        s3.put(key, b"<html>another report</html>")
        with pytest.raises(StorageError, match=rf"s3://{s3.name}/{key} was altered"):
            store.artifacts.get(digest)
        s3.delete(key)
        with pytest.raises(NotFoundError, match=f"No artifact has digest {digest}"):
            store.artifacts.get(digest)


_CHILD = """
import sys, time
sys.path.insert(0, sys.argv[1])
import pyarrow.parquet as pq
import assay
import assay.storage._runs as runs_module
from assay.storage import open_store

real = runs_module.write_transaction

def stop_before_commit(engine):
    # the record object is written; the transaction that would name it has not begun
    print("written", flush=True)
    time.sleep(600)
    return real(engine)

runs_module.write_transaction = stop_before_commit
store = open_store(sys.argv[2])
suite = assay.get_suite(sys.argv[3], store=store)
assay.log_run(pq.read_table(sys.argv[4]), suite=suite, model="m@crash", store=store)
"""


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'meta' / 'assay.db'}"
    url: str = request.getfixturevalue("pg_migrated_url")
    return url


@pytest.mark.slow
def test_a_writer_killed_between_object_and_commit_leaves_nothing_visible(s3, db_url, tmp_path):
    data = synthetic_suite(400, seed=5)
    with open_store(db_url) as store:
        kept = assay.log_run(synthetic_records(data, seed=5), suite=data, model="m@1", store=store)
    path = tmp_path / "records.parquet"
    pq.write_table(synthetic_records(data, seed=6), path)
    before = set(s3.objects())
    env = {**os.environ, **s3.env, "PYTHONPATH": SOURCE}
    with subprocess.Popen(
        [sys.executable, "-c", _CHILD, SOURCE, db_url, data.digest, str(path)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    ) as child:
        assert child.stdout is not None and child.stderr is not None
        try:
            line = child.stdout.readline()
        finally:
            child.send_signal(signal.SIGKILL)  # dies at once: no clean-up code runs
            child.wait(timeout=30)
        assert line.strip() == "written", child.stderr.read()
    assert child.returncode == -signal.SIGKILL

    (orphan,) = set(s3.objects()) - before  # the record object, whole, under its final name
    assert orphan.startswith("team/records/") and ".sha256-" in orphan
    with open_store(db_url) as store:
        assert [r.run_id for r in assay.list_runs(store=store)] == [kept.run.run_id]
        young = sweep_orphans(store)  # within the grace period: a writer may still commit
        assert young.orphans == () and young.young == 1
        dry = sweep_orphans(store, grace_seconds=0, dry_run=True)
        (found,) = dry.orphans
        assert found.location == f"s3://{s3.name}/{orphan}"
        assert found.size == s3.objects()[orphan] and found.reason == "record file no run refers to"
        assert orphan in s3.objects()  # a dry run removes nothing
        swept = sweep_orphans(store, grace_seconds=0)
        assert [o.location for o in swept.orphans] == [found.location]
        assert set(s3.objects()) == before  # the orphan is gone, every referenced object kept
        assert store.runs.records(kept.run.run_id).num_rows == 400
