"""The one atomic write: whole or nothing, and nothing left behind."""

from __future__ import annotations

from pathlib import Path

import pytest

from assay._util import atomic_path, atomic_write


def test_a_write_replaces_the_file_whole(tmp_path: Path) -> None:
    target = tmp_path / "sub" / "report.md"
    atomic_write(target, "first")
    atomic_write(target, b"second")
    assert target.read_text() == "second"
    assert [p.name for p in target.parent.iterdir()] == ["report.md"]


def test_a_failed_write_leaves_the_old_file_and_no_temporary(tmp_path: Path) -> None:
    target = tmp_path / "records.parquet"
    target.write_text("old")
    with pytest.raises(RuntimeError), atomic_path(target) as temporary:
        temporary.write_text("half")
        raise RuntimeError("disk full")
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["records.parquet"]


def test_a_block_that_writes_nothing_leaves_an_empty_file(tmp_path: Path) -> None:
    target = tmp_path / "empty.txt"
    with atomic_path(target):
        pass
    assert target.read_bytes() == b""
