"""Where a store lives: created only on first use, never silently re-created or replaced."""

from __future__ import annotations

import os
import shutil
import sqlite3
from pathlib import Path

import pytest
import sqlalchemy as sa

import assay
from assay.errors import ConfigError, StorageError
from assay.storage import RunQuery, open_store, upgrade_database
from assay.testing import make_records, make_run
from assay.testing import make_suite_model as make_suite


def _store_with_a_suite(folder: Path) -> str:
    url = f"sqlite:///{folder / 'assay.db'}"
    with open_store(url) as store:
        suite, examples = make_suite("qa")
        store.suites.put(suite, examples)
    return url


def _delete_database(path: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        path.with_name(path.name + suffix).unlink(missing_ok=True)


def test_first_use_creates_the_store(tmp_path: Path) -> None:
    # neither folder nor file exists, and an existing empty folder: both are a first use
    (tmp_path / "empty").mkdir()
    for folder in (tmp_path / "new" / "nested", tmp_path / "empty"):
        with open_store(f"sqlite:///{folder / 'assay.db'}") as store:
            assert store.runs.list(RunQuery()) == []
        assert (folder / "assay.db").exists()


def test_a_vanished_database_is_not_silently_recreated(tmp_path: Path) -> None:
    url = _store_with_a_suite(tmp_path)
    _delete_database(tmp_path / "assay.db")
    with pytest.raises(StorageError, match=r"assay\.db is missing, but .*suites holds"):
        open_store(url)
    assert not (tmp_path / "assay.db").exists()
    # starting an empty database beside the files is an explicit act
    upgrade_database(url)
    with open_store(url) as store:
        assert store.suites.list() == []


def test_a_database_deleted_during_a_write_fails_the_write(tmp_path: Path) -> None:
    url = _store_with_a_suite(tmp_path)
    with open_store(url) as store:
        suite = store.suites.list()[0]
        records = make_records(10)
        _delete_database(tmp_path / "assay.db")
        with pytest.raises(StorageError, match=r"assay\.db was deleted .*nothing was written"):
            store.runs.put(make_run(suite, records, run_id="lost"), records)
    # the records file written before the transaction is removed with it
    assert [p.name for p in (tmp_path / "records").iterdir()] == []
    with pytest.raises(StorageError, match="is missing"):
        open_store(url)


def test_a_database_deleted_while_committing_is_reported_lost(tmp_path: Path) -> None:
    url = _store_with_a_suite(tmp_path)
    with open_store(url) as store:
        suite = store.suites.list()[0]
        records = make_records(10)
        # the file vanishes after the check before the commit: the commit goes to a file
        # nobody will open again, and the caller must not be told the run is stored
        sa.event.listen(
            store.engine, "commit", lambda conn: _delete_database(tmp_path / "assay.db")
        )
        with pytest.raises(StorageError, match=r"was deleted .*what was just written is lost"):
            store.runs.put(make_run(suite, records, run_id="lost"), records)


def test_a_replaced_database_fails_the_write(tmp_path: Path) -> None:
    url = _store_with_a_suite(tmp_path)
    with open_store(url) as store:
        suite = store.suites.list()[0]
        copy = tmp_path / "copy.db"
        with sqlite3.connect(tmp_path / "assay.db") as source, sqlite3.connect(copy) as target:
            source.backup(target)
        os.replace(copy, tmp_path / "assay.db")
        records = make_records(10)
        with pytest.raises(StorageError, match="was replaced by another file"):
            store.runs.put(make_run(suite, records, run_id="astray"), records)
    with open_store(url) as store:
        assert store.runs.list(RunQuery()) == []


def test_a_moved_store_opens_where_it_now_is(tmp_path: Path) -> None:
    _store_with_a_suite(tmp_path / "before")
    shutil.move(tmp_path / "before", tmp_path / "after")
    with open_store(f"sqlite:///{tmp_path / 'after' / 'assay.db'}") as store:
        assert len(store.suites.list()) == 1


def test_unknown_artifact_protocols_are_config_errors(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = f"sqlite:///{tmp_path / 'assay.db'}"
    monkeypatch.setenv("ASSAY_ARTIFACTS", "nosuchproto://bucket")
    with pytest.raises(ConfigError, match=r"ASSAY_ARTIFACTS is .*protocol 'nosuchproto'"):
        open_store(url)
    with pytest.raises(ConfigError, match=r"'artifacts' parameter of open_store .*'nosuch'"):
        open_store(url, artifacts="nosuch://x")
    assert not (tmp_path / "assay.db").exists()


def test_memory_files_need_a_database_that_vanishes_with_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ASSAY_ARTIFACTS", "memory://runs")
    with pytest.raises(ConfigError, match=r"ASSAY_ARTIFACTS is 'memory://runs': records kept"):
        open_store(f"sqlite:///{tmp_path / 'assay.db'}")
    with open_store("sqlite://") as store:
        assert store.artifacts.get(store.artifacts.put(b"x")) == b"x"


def test_the_default_store_reopens_a_replaced_database(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("ASSAY_DB", raising=False)
    monkeypatch.delenv("ASSAY_ARTIFACTS", raising=False)
    monkeypatch.setenv("ASSAY_HOME", str(tmp_path))
    first = assay.default_store()
    suite, examples = make_suite("qa")
    first.suites.put(suite, examples)
    assert assay.default_store() is first
    # a backup restored over the file: the next call opens it rather than refusing writes
    backup = tmp_path / "backup.db"
    with sqlite3.connect(tmp_path / "assay.db") as source, sqlite3.connect(backup) as target:
        source.backup(target)
    os.replace(backup, tmp_path / "assay.db")
    second = assay.default_store()
    assert second is not first
    records = make_records(10)
    assert second.runs.put(make_run(suite, records, run_id="after"), records)[1]
    # a deleted file with records beside it is refused, not silently re-created
    _delete_database(tmp_path / "assay.db")
    with pytest.raises(StorageError, match="is missing"):
        assay.default_store()
