"""Record files read a row group at a time are verified against the digest in their name:
locally by a hashing thread beside the decoder, from fsspec stores by hashing the download."""

from __future__ import annotations

import threading
import time
import uuid
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from assay.errors import StorageError
from assay.storage._files import FileRoot


def _table(n: int = 5000) -> pa.Table:
    return pa.table(
        {"example_id": [f"e{i:05d}" for i in range(n)], "score": [i % 2 for i in range(n)]}
    )


def _digest_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "assay-digest"]


@pytest.mark.parametrize("where", ["local", "memory"])
def test_intact_files_stream_and_altered_ones_fail_naming_the_owner(
    where: str, tmp_path: Path
) -> None:
    root = FileRoot(str(tmp_path) if where == "local" else f"memory://{uuid.uuid4().hex}")
    name = root.publish_parquet("run1", _table())
    batches = list(root.iter_parquet(name, batch_rows=1000, owner="the record file of run r1"))
    assert sum(b.num_rows for b in batches) == 5000
    changed = _table().set_column(1, "score", pa.array([1] * 5000))
    sink = pa.BufferOutputStream()
    pq.write_table(changed, sink)
    root.write_bytes(name, sink.getvalue().to_pybytes())
    with pytest.raises(StorageError) as caught:
        list(root.iter_parquet(name, batch_rows=1000, owner="the record file of run r1"))
    assert f"{root.location(name)} (the record file of run r1) was altered" in str(caught.value)
    root.write_bytes(name, b"PAR1 not parquet at all")  # bytes that do not even decode
    with pytest.raises(StorageError, match="was altered"):
        list(root.iter_parquet(name))
    root.remove(name)
    with pytest.raises(StorageError, match="is missing from the store"):
        list(root.iter_parquet(name))


def test_a_reader_that_stops_early_leaves_no_hashing_thread(tmp_path: Path) -> None:
    root = FileRoot(str(tmp_path))
    name = root.publish_parquet("run1", _table(200_000))
    before = len(_digest_threads())
    stream = root.iter_parquet(name, batch_rows=100)
    next(stream)
    stream.close()
    deadline = time.monotonic() + 10
    while len(_digest_threads()) > before and time.monotonic() < deadline:
        time.sleep(0.01)
    assert len(_digest_threads()) == before


def test_verification_is_remembered_only_while_the_file_is_unchanged(tmp_path: Path) -> None:
    root = FileRoot(str(tmp_path))
    name = root.publish_parquet("run1", _table())
    root.verify(name)
    root.verify(name)  # remembered
    data = bytearray((tmp_path / name).read_bytes())
    data[-20] ^= 0xFF  # same size, one byte changed: the change time moves, so it is hashed again
    (tmp_path / name).write_bytes(bytes(data))
    with pytest.raises(StorageError, match="was altered"):
        root.verify(name)
