"""The threads of recording a run: the record file is encoded on one thread and the records'
digest computed on another while the run is built. The stored bytes and digests are those of
the serial computation; a failure on either thread reaches the caller as itself and leaves no
file and no run; and neither thread imports a module (concurrent imports can deadlock)."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import threading
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import assay
import assay.data
from assay.core import ModelRef, digest
from assay.data import Location, SuiteData, records_digest, validate_records
from assay.storage import RunQuery, SqlRunRepository, Store, open_store
from assay.storage._parquet_io import parquet_bytes
from assay.storage._run_write import sorted_records
from assay.testing import synthetic_records, synthetic_suite


def _record_files(store: Store) -> list[Path]:
    """Every file of the store's records folder, temporary ones included."""
    assert isinstance(store.runs, SqlRunRepository)
    folder = Path(store.runs.files.path(""))
    return sorted(folder.iterdir()) if folder.exists() else []


def _serial(records: pa.Table, data: SuiteData, model: str) -> tuple[bytes, str]:
    """The record file and the content digest, computed on this thread, one after the other."""
    table = validate_records(records, data, location=Location("<records>", "parquet"))
    stored = sorted_records(table)
    content = digest(
        {
            "suite": data.digest,
            "model": ModelRef.parse(model).model_dump(mode="json"),
            "params": {},
            "records": records_digest(stored.drop_columns(["latency_ms"])),
        }
    )
    return parquet_bytes(stored, "serial.parquet"), content


def _unicode_records(data: SuiteData) -> pa.Table:
    """Records in reverse order, outputs in several scripts, an errored record without score."""
    records = synthetic_records(data, error_rate=0.05, seed=5)
    n = records.num_rows
    assert 0 < records.column("error").null_count < n
    outputs = pa.array([f"réponse {i} 答え ✓ \U0001f600" for i in range(n)])
    records = records.set_column(records.schema.get_field_index("output"), "output", outputs)
    return records.take(np.arange(n - 1, -1, -1))


CASES = {
    "slices, clusters, errors, two samples": lambda: (
        synthetic_suite(300, cluster_size=4, slices={"lang": ("en", "de"), "len": ("s", "l")}),
        lambda data: synthetic_records(data, samples=2, error_rate=0.1, seed=3),
    ),
    "one record": lambda: (synthetic_suite(1, seed=2), lambda data: synthetic_records(data)),
    "unicode, out of order": lambda: (synthetic_suite(120, seed=7), _unicode_records),
}


@pytest.mark.parametrize("case", list(CASES))
def test_the_threads_store_the_bytes_and_digest_of_the_serial_computation(
    case: str, tmp_path: Path
) -> None:
    data, make = CASES[case]()
    records = make(data)
    expected_bytes, expected_content = _serial(records, data, "m@1")
    with open_store(f"sqlite:///{tmp_path / 'a.db'}") as store:
        logged = assay.log_run(records, suite=data, model="m@1", store=store)
        [path] = _record_files(store)
        assert path.read_bytes() == expected_bytes
        assert path.name.endswith(f".sha256-{hashlib.sha256(expected_bytes).hexdigest()}.parquet")
        assert logged.run.content_digest == expected_content
        assert store.runs.get(logged.run.run_id).content_digest == expected_content


def _boom_on(threads: list[str], message: str) -> pa.ArrowMemoryError:
    threads.append(threading.current_thread().name)
    return pa.ArrowMemoryError(message)


def _fails_cleanly(store: Store, data: SuiteData, records: pa.Table) -> None:
    assert _record_files(store) == [] and store.runs.list(RunQuery()) == []
    logged = assay.log_run(records, suite=data.digest, model="m@1", store=store)
    assert logged.created and len(_record_files(store)) == 1  # nothing in the way afterwards


def test_a_failure_encoding_on_the_writer_thread_stores_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = synthetic_suite(200, seed=4)
    records = synthetic_records(data, seed=4)
    threads: list[str] = []

    def write_table(*args: object, **kwargs: object) -> None:
        raise _boom_on(threads, "no room to encode")

    with open_store(f"sqlite:///{tmp_path / 'a.db'}") as store:
        store.suites.put(data.suite, data.examples)  # its examples file is not written again
        monkeypatch.setattr(pq, "write_table", write_table)
        with pytest.raises(assay.errors.StorageError, match="no room to encode") as raised:
            assay.log_run(records, suite=data.digest, model="m@1", store=store)
        monkeypatch.undo()
        assert isinstance(raised.value.__cause__, pa.ArrowMemoryError)
        assert threads and threading.main_thread().name not in threads
        _fails_cleanly(store, data, records)


def test_a_failure_on_the_digest_thread_stores_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = synthetic_suite(200, seed=6)
    records = synthetic_records(data, seed=6)
    threads: list[str] = []

    def failing_digest(table: pa.Table) -> str:
        raise _boom_on(threads, "no room to hash")

    with open_store(f"sqlite:///{tmp_path / 'a.db'}") as store:
        store.suites.put(data.suite, data.examples)
        monkeypatch.setattr(assay.data, "records_digest", failing_digest)
        with pytest.raises(pa.ArrowMemoryError, match="no room to hash"):
            assay.log_run(records, suite=data.digest, model="m@1", store=store)
        monkeypatch.undo()
        assert threads and threading.main_thread().name not in threads
        _fails_cleanly(store, data, records)


IMPORT_WATCH = r"""
import os, sys, threading
from pathlib import Path
import pyarrow.parquet as pq

imported = []

class Watch:  # asked first for every module not yet imported
    @staticmethod
    def find_spec(name, path=None, target=None):
        if threading.current_thread() is not threading.main_thread():
            imported.append((threading.current_thread().name, name))
        return None

sys.meta_path.insert(0, Watch)
import assay
from assay.testing import synthetic_records, synthetic_suite

folder = Path(sys.argv[1])
data = synthetic_suite(300, seed=1)
records = synthetic_records(data, seed=1)
pq.write_table(records, folder / "records.parquet")
records.to_pandas().to_json(folder / "records.jsonl", orient="records", lines=True)
with assay.open_store(f"sqlite:///{folder / 'a.db'}") as store:
    for i, name in enumerate(["records.parquet", "records.jsonl"]):
        assay.ingest(folder / name, suite=data, model=f"m@{i}", store=store)
for thread in threading.enumerate():
    if thread is not threading.main_thread():
        thread.join()
print(imported)
"""


def test_the_threads_of_an_ingest_import_no_module(tmp_path: Path) -> None:
    src = str(Path(assay.__file__).resolve().parents[1])
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([src, os.environ.get("PYTHONPATH", "")])}
    out = subprocess.run(
        [sys.executable, "-c", IMPORT_WATCH, str(tmp_path)],
        capture_output=True,
        text=True,
        env=env,
        check=True,
        cwd=tmp_path,
    )
    assert out.stdout.strip().splitlines()[-1] == "[]"
    assert len(list((tmp_path / "records").iterdir())) == 2
