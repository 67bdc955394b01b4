"""A store this process may not write can still be listed, compared and verified."""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from assay.errors import StorageError
from assay.storage import RunQuery, SqlRunRepository, open_store
from assay.testing import make_decision, make_records, make_run
from assay.testing import make_suite_model as make_suite


def _fill(url: str, files: str) -> None:
    with open_store(url, artifacts=files) as store:
        suite, examples = make_suite("qa")
        store.suites.put(suite, examples)
        for run_id in ("base", "cand"):
            records = make_records(10, seed=len(run_id))
            store.runs.put(make_run(suite, records, run_id=run_id), records)
        store.decisions.put(make_decision("base", "cand", decision_id="d1"))
        store.artifacts.put(b"a report")


@contextlib.contextmanager
def _read_only(*paths: Path) -> Iterator[None]:
    """Take write permission away from ``paths``; as root, mark them immutable as well."""
    immutable = os.geteuid() == 0
    if immutable and shutil.which("chattr") is None:
        pytest.skip("root ignores file modes, and chattr is not installed")
    done: list[Path] = []
    try:
        for path in paths:
            path.chmod(0o555 if path.is_dir() else 0o444)
            if immutable:
                result = subprocess.run(["chattr", "+i", str(path)], capture_output=True)
                if result.returncode != 0:
                    pytest.skip(f"chattr +i is not allowed here: {result.stderr!r}")
            done.append(path)
        yield
    finally:
        for path in reversed(done):
            if immutable:
                subprocess.run(["chattr", "-i", str(path)], check=True)
            path.chmod(0o755 if path.is_dir() else 0o644)


def _check_reads_and_refused_writes(url: str, files: str, *, files_read_only: bool = True) -> None:
    with open_store(url, artifacts=files) as store:
        assert [r.run_id for r in store.runs.list(RunQuery())] == ["cand", "base"]
        assert store.runs.records("base").num_rows == 10
        assert store.suites.examples("qa").num_rows > 0
        assert store.decisions.verify().ok
        suite = store.suites.list()[0]
        records = make_records(5)
        with pytest.raises(StorageError, match=r"The store at .* is read-only"):
            store.runs.put(make_run(suite, records, run_id="new"), records)
        # records staged for a run: a new one is refused, an identical stored one found
        assert isinstance(store.runs, SqlRunRepository)
        refused = make_run(suite, records, run_id="new", content_digest="")
        with store.runs.stage(records) as staged, pytest.raises(StorageError, match="read-only"):
            store.runs.put(refused, staged)
        base = store.runs.get("base")
        with store.runs.stage(store.runs.records("base")) as staged:
            found, created = store.runs.put(base.model_copy(update={"run_id": "twin"}), staged)
        assert (found.run_id, created) == ("base", False)
        with pytest.raises(StorageError, match="is read-only"):
            store.decisions.put(make_decision("base", "cand", decision_id="d2"))
        if files_read_only:
            with pytest.raises(StorageError, match="is read-only"):
                store.artifacts.put(b"another report")
        assert len(store.runs.list(RunQuery())) == 2


def test_read_only_folder_and_file(tmp_path: Path) -> None:
    folder = tmp_path / "store"
    url = f"sqlite:///{folder / 'assay.db'}"
    _fill(url, str(folder))
    paths = [folder / "assay.db", *folder.rglob("*"), folder]
    with _read_only(*dict.fromkeys(paths)):
        _check_reads_and_refused_writes(url, str(folder))
    assert sorted(p.name for p in folder.iterdir()) == [
        "artifacts",
        "assay.db",
        "records",
        "suites",
    ]


def test_read_only_database_file_in_a_writable_folder(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'assay.db'}"
    files = tmp_path / "files"
    _fill(url, str(files))
    with _read_only(tmp_path / "assay.db", *files.rglob("*"), files):
        _check_reads_and_refused_writes(url, str(files))


@pytest.mark.postgres
def test_postgres_role_that_may_only_select(pg_migrated_url: str, tmp_path: Path) -> None:
    files = str(tmp_path / "files")
    _fill(pg_migrated_url, files)
    parsed = sa.make_url(pg_migrated_url).set(drivername="postgresql+psycopg")
    schema = parsed.query["options"].partition("search_path=")[2]
    role = f"assay_reader_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(parsed)
    try:
        with admin.begin() as conn:
            conn.execute(sa.text(f'CREATE ROLE "{role}" LOGIN'))
            conn.execute(sa.text(f'GRANT USAGE ON SCHEMA "{schema}" TO "{role}"'))
            conn.execute(sa.text(f'GRANT SELECT ON ALL TABLES IN SCHEMA "{schema}" TO "{role}"'))
        reader = parsed.set(username=role, password=None)
        where = reader.render_as_string(hide_password=False)
        _check_reads_and_refused_writes(where, files, files_read_only=False)
    finally:
        with admin.begin() as conn:
            conn.execute(sa.text(f'DROP OWNED BY "{role}"'))
            conn.execute(sa.text(f'DROP ROLE "{role}"'))
        admin.dispose()
    # the refused run left no records file behind
    assert len(list((tmp_path / "files" / "records").iterdir())) == 2
