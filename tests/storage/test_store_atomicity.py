"""Atomic writes: a failed or interrupted run leaves nothing behind; concurrent writers succeed."""

from __future__ import annotations

import multiprocessing
import os
import sqlite3
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from assay.errors import NotFoundError
from assay.storage import RunQuery, _engine, open_store
from assay.testing import make_records, make_run
from assay.testing import make_suite_model as make_suite

RUNS_PER_WRITER = 20


class InjectedFailure(Exception):
    """Stands for any failure inside the metadata transaction."""


def _count(engine: sa.Engine, table: str) -> int:
    with engine.connect() as conn:
        return int(conn.execute(sa.text(f"SELECT count(*) FROM {table}")).scalar_one())


def _files(root: Path) -> list[str]:
    return sorted(p.name for p in root.rglob("*") if p.is_file()) if root.exists() else []


def test_failed_transaction_removes_the_records_file(store_url: str, tmp_path: Path) -> None:
    files = tmp_path / "files"
    with open_store(store_url, artifacts=str(files)) as store:
        suite, examples = make_suite("qa")
        store.suites.put(suite, examples)
        records = make_records(20)
        run = make_run(suite, records, run_id="doomed", params={"lr": 0.1})

        def fail_on_params(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
            # The run row and its metrics are already inserted when this fires.
            if statement.lstrip().upper().startswith("INSERT INTO RUN_PARAMS"):
                raise InjectedFailure("disk full")

        sa.event.listen(store.engine, "before_cursor_execute", fail_on_params)
        with pytest.raises(InjectedFailure):
            store.runs.put(run, records)
        sa.event.remove(store.engine, "before_cursor_execute", fail_on_params)

        for table in ("runs", "run_metrics", "run_tags", "run_params"):
            assert _count(store.engine, table) == 0, table
        assert _files(files / "records") == []
        with pytest.raises(NotFoundError):
            store.runs.get("doomed")
        # The same run can be stored afterwards.
        assert store.runs.put(run, records)[1] is True
        assert len(_files(files / "records")) == 1


def _crash_before_commit(url: str, files: str) -> None:
    store = open_store(url, artifacts=files)
    suite, _ = make_suite("qa")
    records = make_records(20)

    def die(conn: Any) -> None:
        os._exit(3)

    sa.event.listen(store.engine, "commit", die)
    store.runs.put(make_run(suite, records, run_id="crashed"), records)


@pytest.mark.slow
def test_crash_before_commit_leaves_nothing_visible(store_url: str, tmp_path: Path) -> None:
    files = str(tmp_path / "files")
    with open_store(store_url, artifacts=files) as store:
        suite, examples = make_suite("qa")
        store.suites.put(suite, examples)
    process = multiprocessing.get_context("spawn").Process(
        target=_crash_before_commit, args=(store_url, files)
    )
    process.start()
    process.join(120)
    assert process.exitcode == 3
    with open_store(store_url, artifacts=files) as store:
        assert store.runs.list(RunQuery()) == []
        with pytest.raises(NotFoundError):
            store.runs.get("crashed")
        assert _count(store.engine, "run_metrics") == 0
        records = make_records(20)
        assert store.runs.put(make_run(suite, records, run_id="crashed"), records)[1] is True


def _write_runs(url: str, files: str, writer: int, barrier: Any) -> None:
    barrier.wait(60)
    with open_store(url, artifacts=files) as store:
        suite, examples = make_suite("qa")
        store.suites.put(suite, examples)
        for i in range(RUNS_PER_WRITER):
            records = make_records(200, seed=1000 * writer + i)
            run = make_run(
                suite, records, run_id=f"w{writer}-{i:02d}", tags={"writer": str(writer)}
            )
            stored, created = store.runs.put(run, records)
            assert created and stored.run_id == run.run_id


@pytest.mark.slow
def test_two_processes_write_one_sqlite_store(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'shared' / 'assay.db'}"
    files = str(tmp_path / "files")
    context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(2)
    writers = [context.Process(target=_write_runs, args=(url, files, w, barrier)) for w in (1, 2)]
    for process in writers:
        process.start()
    for process in writers:
        process.join(180)
    assert [p.exitcode for p in writers] == [0, 0]
    with open_store(url, artifacts=files) as store:
        stored = store.runs.list(RunQuery())
        assert len(stored) == 2 * RUNS_PER_WRITER
        assert len(store.runs.list(RunQuery(tags={"writer": "2"}))) == RUNS_PER_WRITER
        assert len(store.suites.list()) == 1
        for info in stored[::7]:
            assert store.runs.records(info.run_id).num_rows == 200
    assert len(_files(Path(files) / "records")) == 2 * RUNS_PER_WRITER


def test_opening_a_new_file_waits_for_another_writer(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Another connection creates the file and holds its write lock; switching the journal to
    # WAL needs an exclusive lock, which SQLite refuses at once rather than waiting, so
    # opening must retry. The lock is released at the first pause between tries, so the test
    # passes only through a retry.
    path = tmp_path / "assay.db"
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("CREATE TABLE held (x INTEGER)")
    holder.execute("BEGIN IMMEDIATE")
    holder.execute("INSERT INTO held VALUES (1)")
    pauses: list[float] = []

    def pause(seconds: float) -> None:
        if not pauses:
            holder.execute("COMMIT")
        pauses.append(seconds)

    monkeypatch.setattr(_engine.time, "sleep", pause)
    try:
        with open_store(f"sqlite:///{path}", artifacts=str(tmp_path / "files")) as store:
            assert store.runs.list(RunQuery()) == []
            with store.engine.connect() as conn:
                assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
    finally:
        holder.close()
    assert pauses and pauses[0] > 0


def test_local_files_and_their_folder_are_synced_before_the_metadata_commits(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import stat

    events: list[tuple[str, int]] = []
    real_fsync = os.fsync

    def recording_fsync(fd: int) -> None:
        status = os.fstat(fd)
        events.append(("folder" if stat.S_ISDIR(status.st_mode) else "file", status.st_ino))
        real_fsync(fd)

    files = tmp_path / "files"
    with open_store(f"sqlite:///{tmp_path / 'a.db'}", artifacts=str(files)) as store:
        suite, examples = make_suite("qa")
        store.suites.put(suite, examples)
        records = make_records(5)
        sa.event.listen(store.engine, "commit", lambda conn: events.append(("commit", 0)))
        monkeypatch.setattr(os, "fsync", recording_fsync)
        store.runs.put(make_run(suite, records, run_id="durable"), records)
        digest = store.artifacts.put(b"a report")
        monkeypatch.undo()
    [stored] = (files / "records").iterdir()
    artifact = files / "artifacts" / digest[:2] / digest

    def ino(path: Path) -> int:
        return path.stat().st_ino

    # The new records folder is synced into its parent, the records file is flushed before its
    # rename and the rename made durable after it, all before the metadata commits.
    assert events[:4] == [
        ("folder", ino(files)),
        ("file", ino(stored)),
        ("folder", ino(files / "records")),
        ("commit", 0),
    ]
    # An artifact's new folders, its media type and its content, each synced the same way.
    assert events[4:] == [
        ("folder", ino(files)),
        ("folder", ino(files / "artifacts")),
        ("file", ino(artifact.with_name(digest + ".json"))),
        ("folder", ino(artifact.parent)),
        ("file", ino(artifact)),
        ("folder", ino(artifact.parent)),
    ]
    assert not list((files / "records").glob(".*"))
