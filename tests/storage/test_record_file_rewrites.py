"""A record file read a row group at a time decodes the bytes its digest was checked on.

A file rewritten in place while it is being read (same inode, same name) must not hand the
rewritten rows on as verified: the rows read are those of the bytes hashed, or the read fails.
"""

from __future__ import annotations

import hashlib
import struct
import threading
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from assay.errors import StorageError
from assay.storage._files import FileRoot
from assay.storage._objects import digest_name


def _published(root: FileRoot, n: int = 3000) -> tuple[str, bytes, np.ndarray]:
    scores = np.linspace(0.123456789, 0.987654321, n)
    table = pa.table({"example_id": [f"e{i:05d}" for i in range(n)], "score": scores})
    sink = pa.BufferOutputStream()
    # three row groups, values stored plainly so one can be found among the bytes
    pq.write_table(table, sink, row_group_size=n // 3, compression="none", use_dictionary=False)
    data = sink.getvalue().to_pybytes()
    name = digest_name("records/run", hashlib.sha256(data).hexdigest())
    root.write_bytes(name, data)
    return name, data, scores


def test_a_file_rewritten_in_place_mid_read_is_not_decoded_as_verified(tmp_path: Path) -> None:
    root = FileRoot(str(tmp_path))
    name, data, scores = _published(root)
    # a value of the last row group (not its largest: statistics repeat that one)
    at = data.find(struct.pack("<d", scores[2500]))
    assert at > 0
    before = set(threading.enumerate())
    batches = iter(root.iter_parquet(name, batch_rows=1000))
    read = [next(batches)]
    for thread in set(threading.enumerate()) - before:
        thread.join(timeout=10)  # whatever the read started has done its part
    with open(root.path(name), "r+b") as handle:  # the same file, rewritten in place
        handle.seek(at)
        handle.write(struct.pack("<d", 999.0))
    try:
        read += list(batches)
    except StorageError:
        return  # refused: nothing rewritten handed on
    got = [v for batch in read for v in batch.column("score").to_pylist()]
    assert got == scores.tolist()


def test_a_rewritten_file_is_refused_before_the_first_batch(tmp_path: Path) -> None:
    root = FileRoot(str(tmp_path))
    name, data, scores = _published(root)
    at = data.find(struct.pack("<d", scores[2500]))
    with open(root.path(name), "r+b") as handle:
        handle.seek(at)
        handle.write(struct.pack("<d", 999.0))
    batches = iter(root.iter_parquet(name, batch_rows=1000, owner="the record file of run r1"))
    with pytest.raises(StorageError, match=r"\(the record file of run r1\) was altered"):
        next(batches)  # not one batch of the rewritten file handed on
