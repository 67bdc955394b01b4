"""Staged records: a run's record file written on a thread while the run is built, then adopted
by ``put`` (or removed), with the same bytes, digests and atomicity as a file ``put`` writes."""

from __future__ import annotations

import hashlib
import os
import re
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import sqlalchemy as sa

import assay
from assay.core import Suite
from assay.errors import DataError, NotFoundError, ParameterError, StorageError
from assay.storage import RunQuery, SqlRunRepository, Store, _staged_records, open_store
from assay.storage._files import FileRoot
from assay.storage._parquet_io import parquet_bytes, write_parquet_to
from assay.storage._run_write import content_digest, sorted_records
from assay.testing import make_records, make_run, synthetic_records, synthetic_suite
from assay.testing import make_suite_model as make_suite


def _sql(store: Store) -> SqlRunRepository:
    assert isinstance(store.runs, SqlRunRepository)
    return store.runs


def _files(store: Store) -> list[str]:
    """Every file in the store's records folder, temporary ones included."""
    folder = Path(_sql(store).files.path(""))
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def _count(store: Store, table: str) -> int:
    assert store.engine is not None
    with store.engine.connect() as conn:
        return int(conn.execute(sa.text(f"SELECT count(*) FROM {table}")).scalar_one())


def _shuffled(store: Store, n: int, seed: int) -> tuple[Suite, pa.Table]:
    """A stored suite, and ``n`` records of it out of order (both ways of storing sort them)."""
    suite, examples = make_suite("qa")
    store.suites.put(suite, examples)
    records = make_records(n, seed=seed)
    return suite, records.take(np.random.default_rng(seed).permutation(n))


def test_a_staged_file_is_the_file_put_writes(tmp_path: Path) -> None:
    stored = {}
    for how in ("direct", "staged"):
        with open_store(f"sqlite:///{tmp_path / how / 'a.db'}") as store:
            suite, records = _shuffled(store, 300, seed=3)
            run = make_run(suite, records, run_id="same")
            if how == "direct":
                got, created = store.runs.put(run, records)
            else:
                with _sql(store).stage(records) as staged:
                    got, created = _sql(store).put(run, staged)
            assert created and got == store.runs.get("same")
            assert store.runs.records("same").equals(sorted_records(records))
            [name] = _files(store)
            digest_part = name.split(".", 2)[2]  # the run id and a random part come first
            stored[how] = (digest_part, (tmp_path / how / "records" / name).read_bytes())
    assert stored["direct"] == stored["staged"]


def test_an_empty_content_digest_is_computed_while_the_file_is_written(store: Store) -> None:
    suite, records = _shuffled(store, 200, seed=4)
    run = make_run(suite, records, run_id="computed", content_digest="")
    stored, created = store.runs.put(run, records)
    assert created and stored.content_digest == content_digest(run, sorted_records(records))
    assert len(_files(store)) == 1
    # the same content staged under another id finds the stored run; its file is removed
    with _sql(store).stage(records) as staged:
        twin, created = _sql(store).put(run.model_copy(update={"run_id": "twin"}), staged)
    assert not created and twin.run_id == "computed"
    assert len(_files(store)) == 1 and _count(store, "runs") == 1


def test_an_identical_run_ingested_twice_is_stored_once_without_a_stray_file(
    tmp_path: Path,
) -> None:
    data = synthetic_suite(500, seed=8)
    records = synthetic_records(data, seed=8)
    path = tmp_path / "records.parquet"
    pq.write_table(records, path)
    with open_store(f"sqlite:///{tmp_path / 'a.db'}") as store:
        first = assay.ingest(path, suite=data, model="m@1", store=store)
        again = assay.ingest(path, suite=data, model="m@1", store=store, tags={"seen": "2"})
        logged = assay.log_run(records, suite=data, model="m@1", store=store)
        assert first.created and not again.created and not logged.created
        assert again.run.run_id == logged.run.run_id == first.run.run_id
        assert again.run.tags == {"seen": "2"}
        [name] = _files(store)
        assert name.startswith(first.run.run_id + ".") and _count(store, "runs") == 1
        assert store.runs.records(first.run.run_id).num_rows == records.num_rows


def test_a_failed_write_leaves_nothing_visible_and_no_file(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    suite, records = _shuffled(store, 100, seed=5)
    run = make_run(suite, records, run_id="doomed", content_digest="")

    def disk_error(fd: int) -> None:  # the bytes are in the temporary file; syncing them fails
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(os, "fsync", disk_error)
    with pytest.raises(StorageError, match="Input/output error"):
        store.runs.put(run, records)
    monkeypatch.undo()
    assert _files(store) == [] and _count(store, "runs") == 0
    with pytest.raises(NotFoundError):
        store.runs.get("doomed")
    assert store.runs.put(run, records)[1] is True  # nothing in the way afterwards
    assert len(_files(store)) == 1


def test_a_failed_write_names_the_run_s_file(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    """The temporary file and a write error name the run whose file it is (the digest that
    ends its final name is known only once the bytes are all written)."""
    suite, records = _shuffled(store, 100, seed=5)
    run = make_run(suite, records, run_id="doomed", content_digest="")
    hidden: list[str] = []
    fsync = os.fsync
    named = r"doomed\.[0-9a-f]{8}\.(sha256-[0-9a-f]{64}\.)?parquet"

    def disk_full(fd: int) -> None:  # the record file's sync fails (its folder's are kept)
        name = os.readlink(f"/proc/self/fd/{fd}").rsplit("/", 1)[-1]
        if not name.endswith(".partial"):
            return fsync(fd)
        hidden.append(name)
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", disk_full)
    with pytest.raises(StorageError, match=rf"Cannot write \S*/records/{named}: .*No space left"):
        store.runs.put(run, records)
    assert re.fullmatch(rf"\.{named}\.[0-9a-f]{{12}}\.partial", hidden[0])
    monkeypatch.undo()
    assert _files(store) == [] and _count(store, "runs") == 0


def test_an_interrupted_ingest_removes_the_staged_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from assay.workflows import _log_run

    data = synthetic_suite(300, seed=9)
    records = synthetic_records(data, seed=9)

    def interrupted(**_: object) -> None:  # Ctrl-C while the file is being written
        raise KeyboardInterrupt

    monkeypatch.setattr(_log_run, "capture_manifest", interrupted)
    with open_store(f"sqlite:///{tmp_path / 'a.db'}") as store:
        with pytest.raises(KeyboardInterrupt):
            assay.log_run(records, suite=data, model="m@1", store=store)
        assert _files(store) == [] and store.runs.list(RunQuery()) == []
        monkeypatch.undo()
        assert assay.log_run(records, suite=data, model="m@1", store=store).created
        assert len(_files(store)) == 1


def test_staged_records_are_adopted_once(store: Store) -> None:
    suite, records = _shuffled(store, 50, seed=6)
    with _sql(store).stage(records) as staged:
        assert _sql(store).put(make_run(suite, records, run_id="one"), staged)[1]
        with pytest.raises(StorageError, match="stored or discarded already"):
            _sql(store).put(make_run(suite, records, run_id="two", accuracy=0.5), staged)
    with _sql(store).stage(records) as staged:
        staged.discard()
        staged.discard()  # twice is harmless
    assert [r.run_id for r in store.runs.list(RunQuery())] == ["one"]
    assert len(_files(store)) == 1


def test_staging_checks_its_records(store: Store) -> None:
    with pytest.raises(ParameterError, match=r"RunRepository\.stage"):
        _sql(store).stage({"example_id": ["a"]})  # type: ignore[arg-type]
    with pytest.raises(DataError, match="no example_id column"):
        _sql(store).stage(pa.table({"score": [1.0]}))
    assert _files(store) == []


def test_records_staged_by_another_store_are_refused(tmp_path: Path) -> None:
    with (
        open_store(f"sqlite:///{tmp_path / 'a' / 'a.db'}") as one,
        open_store(f"sqlite:///{tmp_path / 'b' / 'b.db'}") as other,
    ):
        suite, records = _shuffled(one, 40, seed=10)
        other.suites.put(*make_suite("qa"))
        run = make_run(suite, records, run_id="elsewhere")
        with _sql(one).stage(records) as staged:
            with pytest.raises(ParameterError, match=r"records staged by this store's runs"):
                _sql(other).put(run, staged)
            with pytest.raises(StorageError, match="stored or discarded already"):
                _sql(one).put(run, staged)  # refused and removed: it is staged again if wanted
        assert _files(one) == [] and _files(other) == []
        assert _count(one, "runs") == 0 and _count(other, "runs") == 0
        with _sql(other).stage(records) as staged:  # staged by the store that stores it
            assert _sql(other).put(run, staged)[1]
        assert other.runs.records("elsewhere").equals(sorted_records(records))


def test_an_identical_run_ingested_again_writes_no_record_bytes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = synthetic_suite(400, seed=13)
    records = synthetic_records(data, seed=13)
    written: list[tuple[str, int]] = []
    stage = FileRoot.stage_written  # every local file is written through it

    def counted(self: FileRoot, relative: str, write: Any) -> tuple[str, Any]:
        temporary, result = stage(self, relative, write)
        if self.url.endswith("records"):
            written.append((relative, os.path.getsize(temporary)))
        return temporary, result

    monkeypatch.setattr(FileRoot, "stage_written", counted)
    with open_store(f"sqlite:///{tmp_path / 'a.db'}") as store:
        first = assay.log_run(records, suite=data, model="m@1", store=store)
        assert len(written) == 1
        [name] = _files(store)
        before = (tmp_path / "records" / name).stat()
        reversed_ = records.take(np.arange(399, -1, -1))  # the same run, in another order
        again = assay.log_run(reversed_, suite=data, model="m@1", store=store)
        assert not again.created and again.run.run_id == first.run.run_id
        assert len(written) == 1 and _files(store) == [name]  # nothing written, nothing left
        assert (tmp_path / "records" / name).stat().st_mtime_ns == before.st_mtime_ns


def test_discarding_skips_an_encoding_not_begun(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    suite, records = _shuffled(store, 50, seed=14)
    begin = threading.Event()
    encoded: list[int] = []

    class Held(ThreadPoolExecutor):  # the thread starts once the test lets it
        def submit(self, fn: Any, /, *args: Any, **kwargs: Any) -> Future[Any]:
            return super().submit(lambda: begin.wait(10) and fn(*args, **kwargs))

    def encode(table: pa.Table, sink: Any, where: str) -> None:
        encoded.append(table.num_rows)
        write_parquet_to(table, sink, where)

    monkeypatch.setattr(_staged_records, "ThreadPoolExecutor", Held)
    monkeypatch.setattr(_staged_records, "write_parquet_to", encode)
    with _sql(store).stage(records) as staged:
        encoding = staged._encoding
        staged.discard()  # returns at once: nothing was written, nothing is waited for
    begin.set()
    assert encoding is not None and encoding.result() is None and encoded == []
    with pytest.raises(StorageError, match="stored or discarded already"):
        _sql(store).put(make_run(suite, records, run_id="late"), staged)
    with _sql(store).stage(records) as staged:  # not held: encoded and stored
        begin.set()
        assert _sql(store).put(make_run(suite, records, run_id="kept"), staged)[1]
    assert encoded == [50] and len(_files(store)) == 1


@pytest.mark.parametrize("where", ["local", "memory"])
def test_staged_bytes_are_written_only_when_put_takes_them(tmp_path: Path, where: str) -> None:
    url = str(tmp_path / "records") if where == "local" else f"memory://{tmp_path.name}"
    files = FileRoot(url)
    records = sorted_records(make_records(300, seed=15))
    expected = parquet_bytes(records, "expected")
    with _staged_records.StagedRecords(files, records, write=True) as staged:
        assert staged._encoding is not None
        staged._encoding.result()  # encoded whole and held: no file yet, not even a hidden one
        assert files.objects() == []
        relative = staged.adopt("run")
    assert relative == f"run.sha256-{hashlib.sha256(expected).hexdigest()}.parquet"
    assert files.read_bytes(relative) == expected
    assert [o.relative for o in files.objects()] == [relative]


def test_a_staging_discarded_while_encoding_stops_and_writes_nothing(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    suite, records = _shuffled(store, 200, seed=16)
    begun, go_on = threading.Event(), threading.Event()

    def encode(table: pa.Table, sink: Any, where: str) -> None:
        sink.write(b"PAR1")
        begun.set()
        go_on.wait(10)
        write_parquet_to(table, sink, where)  # its first bytes after the discard stop it

    monkeypatch.setattr(_staged_records, "write_parquet_to", encode)
    with _sql(store).stage(records) as staged:
        encoding = staged._encoding
        assert begun.wait(10)
        staged.discard()
    go_on.set()
    assert encoding is not None
    with pytest.raises(StorageError, match="discarded"):
        encoding.result()
    assert _files(store) == [] and _count(store, "runs") == 0
    with pytest.raises(StorageError, match="stored or discarded already"):
        _sql(store).put(make_run(suite, records, run_id="late"), staged)


def test_the_encoder_hands_its_bytes_over_in_a_few_large_pieces() -> None:
    """Each call into the sink needs the GIL: one per page (thousands for a million records)
    made the encoding thread wait out the switch interval of a busy thread at every page."""
    from assay.storage import _parquet_io

    values = np.random.default_rng(17).random(1_500_000)  # 12 MB that zstd cannot shrink
    table = pa.table({"example_id": [f"e{i}" for i in range(50)] * 30_000, "score": values})

    class Sink:
        closed = False

        def __init__(self) -> None:
            self.pieces: list[bytes] = []

        def write(self, data: bytes) -> int:
            self.pieces.append(bytes(data))
            return len(data)

        def tell(self) -> int:
            return sum(map(len, self.pieces))

        def flush(self) -> None:
            pass

    sink = Sink()
    write_parquet_to(table, sink, "table")
    written = b"".join(sink.pieces)
    assert written == parquet_bytes(table, "table")
    assert len(written) > 2 * _parquet_io._SINK_BUFFER
    # a piece is the buffer, less at most a page (1 MiB) that would not fit in it: without
    # the buffer the pages came one by one (308 pieces here)
    least = _parquet_io._SINK_BUFFER - (1 << 20)
    assert all(len(p) >= least for p in sink.pieces[:-1])
    assert len(sink.pieces) <= -(-len(written) // least)


def test_a_sink_that_fails_is_not_called_again_and_nothing_is_printed(
    capfd: pytest.CaptureFixture[str],
) -> None:
    """The buffer left after the failure is dropped, not written when pyarrow closes it (a
    sink without ``close``, as the staged records' own, made pyarrow print an error then)."""
    table = pa.table({"score": np.random.default_rng(18).random(1_500_000)})
    calls: list[int] = []

    class Failing:
        closed = False

        def write(self, data: bytes) -> int:
            calls.append(len(data))
            if len(calls) == 2:
                raise StorageError("These staged records were discarded")
            return len(data)

        def tell(self) -> int:
            return sum(calls)

        def flush(self) -> None:
            pass

    with pytest.raises(StorageError, match="discarded"):
        write_parquet_to(table, Failing(), "table")
    assert len(calls) == 2
    captured = capfd.readouterr()
    assert captured.err == "" and captured.out == ""
