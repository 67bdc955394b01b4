"""Ctrl-C while a run's records go to an object store, and an identical run ingested again:
no object is left under ``records/`` but the stored run's own, and nothing is uploaded twice."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import assay
from assay.storage import RunQuery, _parquet_io, _staged_records, open_store
from assay.testing import synthetic_records, synthetic_suite


def _records(s3: Any) -> list[str]:
    return sorted(key for key in s3.objects() if "/records/" in key)


@pytest.mark.parametrize("point", ["encoding", "uploading"])
def test_ctrl_c_while_records_are_stored_leaves_no_object(
    point: str, s3: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, ctrl_c: Any
) -> None:
    data = synthetic_suite(200, seed=12)
    with open_store(f"sqlite:///{tmp_path / 'assay.db'}") as store:
        first = assay.log_run(synthetic_records(data, seed=1), suite=data, model="m@1", store=store)
        stored = _records(s3)
        if point == "encoding":
            monkeypatch.setattr(
                _staged_records, "write_parquet_to", ctrl_c.after(_parquet_io.write_parquet_to)
            )
        else:  # interrupted once the record object is uploaded, before it is moved into place
            staging = ctrl_c.records_staging(monkeypatch)
            files = store.runs.files  # type: ignore[attr-defined]
            pipe = files.filesystem.pipe_file  # the file system's own (instances are cached)
            monkeypatch.setattr(files.filesystem, "pipe_file", ctrl_c.after(pipe, staging))
        with pytest.raises(KeyboardInterrupt):
            assay.log_run(synthetic_records(data, seed=2), suite=data, model="m@1", store=store)
        ctrl_c.settled()
        assert _records(s3) == stored and len(stored) == 1
        assert [r.run_id for r in store.runs.list(RunQuery())] == [first.run.run_id]
