"""Ingest reads each file once: the records file, and the suite's examples only when the suite
is not already in memory."""

from __future__ import annotations

from pathlib import Path

import pyarrow.parquet as pq
import pytest

import assay
from assay.storage._files import FileRoot
from assay.testing import synthetic_records, synthetic_suite


@pytest.fixture
def reads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The paths the store reads Parquet files from, in order (the real reads still happen)."""
    seen: list[str] = []
    read = FileRoot.read_parquet

    def counted(self: FileRoot, relative: str, columns: list[str] | None = None):  # type: ignore[no-untyped-def]
        seen.append(self.path(relative))
        return read(self, relative, columns=columns)

    monkeypatch.setattr(FileRoot, "read_parquet", counted)
    return seen


def test_a_suite_in_memory_is_not_read_from_the_store(store, reads, tmp_path: Path):
    data = synthetic_suite(50, seed=2)
    assay.register_suite(data, store=store)
    path = tmp_path / "records.parquet"
    pq.write_table(synthetic_records(data, seed=2), path)
    logged = assay.ingest(path, suite=data, model="m@1", store=store)
    assert logged.created and reads == []


def test_a_stored_suite_is_read_once_per_ingest(store, reads, tmp_path: Path):
    data = synthetic_suite(50, seed=3)
    assay.register_suite(data, store=store)
    path = tmp_path / "records.parquet"
    pq.write_table(synthetic_records(data, seed=3), path)
    logged = assay.ingest(path, suite=data.digest[:12], model="m@1", store=store)
    assert logged.created and logged.run.n_records == 50
    assert len(reads) == 1 and "/suites/" in reads[0]
