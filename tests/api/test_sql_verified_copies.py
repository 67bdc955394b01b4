"""assay.sql reads exactly the record bytes it checked: a record file rewritten, replaced or
deleted after its digest was checked and before DuckDB reads it is not read in its place."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import assay
from assay.errors import ConfigError, StorageError
from assay.storage import Store, copy_record_files, record_files
from assay.workflows import _sql as sql_module


@pytest.fixture
def stored(two_stored_runs: tuple[Store, list[str]]) -> tuple[Store, list[str]]:
    return two_stored_runs


def _forged(path: Path) -> pa.Table:
    """The record file with every score set to 1.0: still valid Parquet, other bytes."""
    table = pq.read_table(path)
    index = table.column_names.index("accuracy")
    return table.set_column(index, "accuracy", pa.array([1.0] * table.num_rows, pa.float64()))


def _rewrite_in_place(path: Path) -> None:
    pq.write_table(_forged(path), path)  # the same file (inode), truncated and written again


def _replace(path: Path) -> None:
    forged = path.with_name("forged.parquet")
    pq.write_table(_forged(path), forged)
    os.replace(forged, path)  # another file under the checked name


def _delete(path: Path) -> None:
    path.unlink()


_CHANGES: dict[str, Callable[[Path], None]] = {
    "rewritten in place": _rewrite_in_place,
    "replaced": _replace,
    "deleted": _delete,
}


@pytest.mark.parametrize("change", list(_CHANGES))
def test_a_file_changed_after_its_check_is_not_read(
    stored: tuple[Store, list[str]], monkeypatch: pytest.MonkeyPatch, change: str
) -> None:
    store, ids = stored
    path = Path(record_files(store).paths[ids[1]])
    query = f"SELECT sum(accuracy) AS s, count(*) AS n FROM records WHERE run_id = '{ids[1]}'"
    intact = assay.sql(query, store=store).to_pylist()
    assert intact[0]["n"] == 30 and intact[0]["s"] < 30

    locked = []
    real_lock = sql_module._lock

    def change_then_lock(con: object, allowed: list[str]) -> None:
        # the seam: every record file is checked and the views made; DuckDB has not yet read
        # a record for the query itself
        if allowed:
            _CHANGES[change](path)
            locked.append(allowed)
        real_lock(con, allowed)  # type: ignore[arg-type]

    monkeypatch.setattr(sql_module, "_lock", change_then_lock)
    assert assay.sql(query, store=store).to_pylist() == intact
    assert locked, "the query ran without its record files"
    if change != "deleted":  # the change was made: the store's file now holds other scores
        assert pq.read_table(path).column("accuracy").to_pylist() == [1.0] * 30
    monkeypatch.undo()
    if change == "deleted":
        with pytest.raises(StorageError, match=f"{path.name}.*the record file of run {ids[1]}"):
            assay.sql(query, store=store)
    else:  # a later query checks the file again and refuses it, naming it
        with pytest.raises(StorageError, match=f"{path} \\(the record file of run {ids[1]}\\)"):
            assay.sql(query, store=store)


def test_the_store_files_are_not_readable_by_path(stored: tuple[Store, list[str]]) -> None:
    """Only the checked copies are readable, through the records view."""
    store, ids = stored
    path = record_files(store).paths[ids[0]]
    with pytest.raises(ConfigError, match="reads only the store's views"):
        assay.sql(f"SELECT count(*) FROM read_parquet('{path}')", store=store)
    listed = assay.sql("SELECT run_id, path FROM record_files ORDER BY run_id", store=store)
    assert listed.to_pylist() == [
        {"run_id": run_id, "path": record_files(store).paths[run_id]} for run_id in sorted(ids)
    ]


def test_copies_hold_the_checked_bytes_and_are_used_again(
    stored: tuple[Store, list[str]],
) -> None:
    store, ids = stored
    copied = copy_record_files(store)
    assert copied.locations == record_files(store).paths
    for run_id in ids:
        copy = Path(copied.copies[run_id])
        assert copy.read_bytes() == Path(copied.locations[run_id]).read_bytes()
        assert copy.parent.stat().st_mode & 0o077 == 0  # a folder of this user's alone
    # unchanged files are not copied again; a changed one is copied, checked and refused
    assert copy_record_files(store) == copied
    folder = Path(copied.copies[ids[0]]).parent
    kept = sorted(os.listdir(folder))
    _rewrite_in_place(Path(copied.locations[ids[0]]))
    with pytest.raises(StorageError, match=f"the record file of run {ids[0]}\\) was altered"):
        copy_record_files(store)
    assert sorted(os.listdir(folder)) == kept  # the refused copy was removed
