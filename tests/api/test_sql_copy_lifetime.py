"""The checked copies assay.sql reads do not pile up: a copy no longer current is removed once
no query holds it, a file whose store names no version is copied for one query only, queries
at once share one copy, a killed process's folder is removed by the next one, and a copy the
temporary folder has no room for is refused."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import pytest

import assay
from assay.errors import StorageError
from assay.storage import Store, copy_record_files, record_files
from assay.storage import _copy_folder as copy_folder
from assay.storage import _record_copies as record_copies

_QUERY = "SELECT count(*) AS n FROM records"


@pytest.fixture
def stored(two_stored_runs: tuple[Store, list[str]]) -> tuple[Store, list[str]]:
    return two_stored_runs


def _copies() -> set[Path]:
    """Every copy in this process's folders."""
    folders = Path(tempfile.gettempdir()).glob(f"assay-records-{os.getpid()}-*")
    return {copy for folder in folders for copy in folder.glob("*.parquet")}


def _touch(store: Store, k: int) -> None:
    """Give every record file a new version (its change time), its bytes unchanged."""
    for path in record_files(store).paths.values():
        os.chmod(path, 0o644 if k % 2 else 0o640)


def test_a_copy_of_a_changed_file_replaces_the_former(stored: tuple[Store, list[str]]) -> None:
    store, ids = stored
    assert assay.sql(_QUERY, store=store).to_pylist() == [{"n": 60}]
    before = _copies()
    for k in range(5):
        _touch(store, k)
        assert assay.sql(_QUERY, store=store).to_pylist() == [{"n": 60}]
    after = _copies()
    assert len(after) == len(before)  # one copy per file, not one per version
    assert len(after - before) == len(ids) == len(before - after)


def test_a_held_copy_is_kept_until_released(stored: tuple[Store, list[str]]) -> None:
    store, ids = stored
    with copy_record_files(store) as held:
        _touch(store, 0)
        assert assay.sql(_QUERY, store=store).to_pylist() == [{"n": 60}]  # copies anew
        kept = [Path(held.copies[run_id]) for run_id in ids]
        assert all(copy.is_file() for copy in kept)  # still readable by their holder
        assert copy_record_files(store).copies != held.copies
    assert not any(copy.exists() for copy in kept)


def test_a_file_with_no_version_is_copied_for_one_query(
    stored: tuple[Store, list[str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    store, _ = stored
    monkeypatch.setattr(record_copies, "file_version", lambda *args: ())
    before = _copies()
    for _ in range(4):
        assert assay.sql(_QUERY, store=store).to_pylist() == [{"n": 60}]
        assert not _copies() - before


def test_queries_at_once_share_one_copy(
    stored: tuple[Store, list[str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    store, ids = stored
    copied: list[str] = []
    real_copy = record_copies.copy_hashed

    def slow_copy(*args: Any) -> str:
        copied.append(args[3])
        time.sleep(0.2)  # the other query asks for the file while this one copies it
        return real_copy(*args)

    monkeypatch.setattr(record_copies, "copy_hashed", slow_copy)
    before = _copies()
    results: list[dict[str, str]] = []
    threads = [
        threading.Thread(target=lambda: results.append(copy_record_files(store).copies))
        for _ in range(2)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(copied) == len(ids)  # each file copied once
    assert results[0] == results[1]
    assert len(_copies() - before) == len(ids)


_KILLED = """
import os, signal, sys
import assay
from assay.storage import open_store
store = open_store(sys.argv[1], artifacts=sys.argv[2])
assert assay.sql("SELECT count(*) AS n FROM records", store=store).to_pylist() == [{"n": 60}]
print(store.runs.list()[0].run_id, flush=True)
os.kill(os.getpid(), getattr(signal, sys.argv[3]))
"""


@pytest.mark.parametrize("how", ["SIGTERM", "SIGKILL"])
def test_the_folder_of_a_killed_process_is_removed_by_the_next(
    stored: tuple[Store, list[str]], tmp_path: Path, how: str
) -> None:
    store, _ = stored
    temporary = tmp_path / "tmp"
    temporary.mkdir()
    env = {**os.environ, "TMPDIR": str(temporary)}
    args = [store.url, str(tmp_path / "f"), how]
    killed = subprocess.run(
        [sys.executable, "-c", _KILLED, *args], env=env, capture_output=True, check=False
    )
    assert killed.returncode == -getattr(signal, how), killed.stderr
    left = list(temporary.glob("assay-records-*"))
    assert len(left) == 1 and len(list(left[0].glob("*.parquet"))) == 2
    again = _KILLED.replace("os.kill", "print")
    done = subprocess.run(
        [sys.executable, "-c", again, *args], env=env, capture_output=True, check=True
    )
    assert done.returncode == 0
    assert list(temporary.glob("assay-records-*")) == []  # its own removed at exit too


def test_only_folders_of_ended_processes_of_this_user_are_removed(tmp_path: Path) -> None:
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        ended = subprocess.run(
            [sys.executable, "-c", "import os; print(os.getpid())"],
            capture_output=True,
            text=True,
            check=True,
        )
        dead = int(ended.stdout)
        names = {
            "gone": f"assay-records-{dead}-abc",
            "running": f"assay-records-{sleeper.pid}-abc",
            "locked": f"assay-records-{dead}-locked",
            "other name": f"assay-copies-{dead}-abc",
            "link": f"assay-records-{dead}-link",
        }
        target = tmp_path / "target"
        target.mkdir()
        (target / "keep.parquet").write_bytes(b"x")
        for label, name in names.items():
            if label == "link":
                (tmp_path / name).symlink_to(target)
            else:
                (tmp_path / name).mkdir()
                (tmp_path / name / "copy.parquet").write_bytes(b"x")
        held = open(tmp_path / names["locked"] / ".lock", "wb")  # noqa: SIM115
        copy_folder._hold(held)
        removed = copy_folder.remove_stale_folders(str(tmp_path))
        held.close()
        assert removed == [str(tmp_path / names["gone"])]
        assert not (tmp_path / names["gone"]).exists()
        assert all((tmp_path / names[label]).exists() for label in names if label != "gone")
        assert (target / "keep.parquet").is_file()
    finally:
        sleeper.kill()
        sleeper.wait()


def test_a_copy_the_folder_has_no_room_for_is_refused(
    stored: tuple[Store, list[str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    store, ids = stored
    real_usage = shutil.disk_usage

    def full(path: str) -> Any:
        return real_usage(path)._replace(free=100)

    monkeypatch.setattr(copy_folder.shutil, "disk_usage", full)
    before = _copies()
    path = record_files(store).paths[ids[0]]
    size = os.path.getsize(path)
    with pytest.raises(StorageError) as caught:
        assay.sql(_QUERY, store=store)
    message = str(caught.value)
    assert path in message and f"({size:,} bytes)" in message
    assert "only 100 bytes are free" in message and "set TMPDIR" in message
    assert _copies() == before  # nothing copied
    assert assay.sql("SELECT count(*) AS n FROM runs", store=store).to_pylist() == [{"n": 2}]


_FORKED = """
import os, sys, tempfile
from pathlib import Path
import assay
from assay.storage import open_store
store = open_store(sys.argv[1], artifacts=sys.argv[2])
query = "SELECT count(*) AS n FROM records"
assert assay.sql(query, store=store).to_pylist() == [{"n": 60}]
mine = sorted(Path(tempfile.gettempdir()).glob(f"assay-records-{os.getpid()}-*/*.parquet"))
child = os.fork()
if child == 0:
    os.chmod(sys.argv[3], 0o640)  # a new version: the child copies it again
    assert assay.sql(query, store=store).to_pylist() == [{"n": 60}]
    sys.exit(0)  # the child's exit removes its own folder, not its parent's
_, status = os.waitpid(child, 0)
assert status == 0
assert all(copy.is_file() for copy in mine) and len(mine) == 2
assert assay.sql(query, store=store).to_pylist() == [{"n": 60}]
print(len(list(Path(tempfile.gettempdir()).glob("assay-records-*"))))
"""


@pytest.mark.skipif(not hasattr(os, "fork"), reason="no fork")
def test_a_forked_child_leaves_its_parents_copies(
    stored: tuple[Store, list[str]], tmp_path: Path
) -> None:
    store, ids = stored
    temporary = tmp_path / "tmp"
    temporary.mkdir()
    env = {**os.environ, "TMPDIR": str(temporary)}
    args = [store.url, str(tmp_path / "f"), record_files(store).paths[ids[0]]]
    done = subprocess.run(
        [sys.executable, "-c", _FORKED, *args], env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["1"]  # the parent's folder; the child removed its own
    assert list(temporary.glob("assay-records-*")) == []
