"""Ctrl-C while a run is ingested, at each point of storing it: while its records are encoded,
while their file is written and synced, while the run's rows are inserted, while the run is
built. The interrupt is real (``_thread.interrupt_main``, as a SIGINT handler raises it); each
point is reached through a slowed or watched step. Afterwards the records folder is empty, no
run is listed, and the same records store cleanly."""

from __future__ import annotations

import errno
import os
import signal
import threading
import time
from pathlib import Path
from typing import Any

import pytest

import assay
from assay.errors import StorageError
from assay.storage import RunQuery, _parquet_io, _runs, _staged_records, open_store
from assay.testing import synthetic_records, synthetic_suite
from assay.workflows import _log_run


@pytest.mark.parametrize("point", ["encoding", "writing", "inserting", "building"])
def test_ctrl_c_at_any_point_of_an_ingest_leaves_no_file_and_no_run(
    point: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, ctrl_c: Any
) -> None:
    data = synthetic_suite(300, seed=11)
    records = synthetic_records(data, seed=11)
    if point == "encoding":  # the interrupt comes while put waits for the encoded bytes
        monkeypatch.setattr(
            _staged_records, "write_parquet_to", ctrl_c.after(_parquet_io.write_parquet_to)
        )
    elif point == "writing":  # while the record file is written and synced to disk
        staging = ctrl_c.records_staging(monkeypatch)
        monkeypatch.setattr(os, "fsync", ctrl_c.after(os.fsync, staging))
    elif point == "inserting":
        monkeypatch.setattr(_runs, "insert_run", ctrl_c.after(_runs.insert_run))
    else:
        monkeypatch.setattr(_log_run, "capture_manifest", ctrl_c.after(_log_run.capture_manifest))
    with open_store(f"sqlite:///{tmp_path / 'a.db'}") as store:
        folder = tmp_path / "records"
        with pytest.raises(KeyboardInterrupt):
            assay.log_run(records, suite=data, model="m@1", store=store)
        ctrl_c.settled()
        assert not folder.exists() or sorted(folder.iterdir()) == []
        assert store.runs.list(RunQuery()) == []
        monkeypatch.undo()
        assert assay.log_run(records, suite=data, model="m@1", store=store).created
        assert len(list(folder.iterdir())) == 1


@pytest.mark.parametrize("failure", ["disk full", "ctrl-c"])
def test_a_failure_while_the_encoder_writes_the_file_leaves_no_file_and_no_run(
    failure: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, ctrl_c: Any
) -> None:
    """``put`` took the file while the records were still being encoded: the encoding thread
    writes the rest itself, and fails (or the user presses Ctrl-C) on its second write there."""
    data = synthetic_suite(300, seed=12)
    records = synthetic_records(data, seed=12)
    taken = threading.Event()
    direct: list[int] = []
    write, release = _staged_records._Encoded.write, _staged_records._Encoded.release

    class Failing:
        """The temporary file, whose second write by the encoding thread fails."""

        def __init__(self, handle: Any) -> None:
            self.handle = handle

        def write(self, chunk: bytes) -> int:
            if threading.current_thread().name.startswith("assay-records"):
                direct.append(len(chunk))
                if len(direct) == 2:
                    if failure == "disk full":
                        raise OSError(errno.ENOSPC, "No space left on device")
                    os.kill(os.getpid(), signal.SIGINT)
                    time.sleep(0.3)
            return int(self.handle.write(chunk))

    def held_until_taken(self: Any, chunk: bytes) -> int:
        if self.tell():  # the first bytes are held; the rest wait for put to take the file
            taken.wait(10)
        return write(self, chunk)

    def taking(self: Any, handle: Any) -> None:
        release(self, Failing(handle))
        taken.set()

    monkeypatch.setattr(_staged_records._Encoded, "write", held_until_taken)
    monkeypatch.setattr(_staged_records._Encoded, "release", taking)
    # the encoder hands its bytes over in pieces of this size: several for 300 records
    monkeypatch.setattr(_parquet_io, "_SINK_BUFFER", 1024)
    with open_store(f"sqlite:///{tmp_path / 'a.db'}") as store:
        folder = tmp_path / "records"
        error: type[BaseException] = StorageError if failure == "disk full" else KeyboardInterrupt
        with pytest.raises(error, match="No space left" if failure == "disk full" else None):
            assay.log_run(records, suite=data, model="m@1", store=store)
        ctrl_c.settled()
        if failure == "disk full":
            assert len(direct) == 2  # the encoding stopped at the failed write
        else:
            # the interrupt reaches the main thread when it next runs Python: the encoding
            # stops at its next write once the staging is discarded, or has ended by then
            assert len(direct) >= 2
        assert not folder.exists() or sorted(folder.iterdir()) == []
        assert store.runs.list(RunQuery()) == []
        monkeypatch.undo()
        assert assay.log_run(records, suite=data, model="m@1", store=store).created
        assert len(list(folder.iterdir())) == 1
