"""Parquet bodies of the wire format: the bytes pyarrow writes with zstd, metadata included,
encoded into a native buffer (not a Python file, whose writes each need the GIL)."""

from __future__ import annotations

import io

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from assay.storage.wire import RUN_KEY, parquet_bytes, split_metadata


def _records(n: int) -> pa.Table:
    rng = np.random.default_rng(21)
    return pa.table(
        {
            "example_id": [f"e{i:06d}" for i in range(n)],
            "lang": pa.array(rng.choice(["en", "de"], n)).dictionary_encode(),
            "score": rng.random(n),
            "error": pa.nulls(n, pa.string()),
        }
    )


def test_a_body_is_the_file_pyarrow_writes_to_any_sink() -> None:
    table = _records(300_000)
    extra = {RUN_KEY: b'{"run_id": "r1"}'}
    body = parquet_bytes(table, extra)
    reference = io.BytesIO()
    with_metadata = table.replace_schema_metadata({**(table.schema.metadata or {}), **extra})
    pq.write_table(with_metadata, reference, compression="zstd")
    assert body == reference.getvalue()
    read = pq.ParquetFile(pa.BufferReader(body)).read()
    rest, value = split_metadata(read, RUN_KEY)
    assert value == extra[RUN_KEY] and rest.equals(table)
    assert body.startswith(b"PAR1") and body.endswith(b"PAR1")


def test_a_body_without_extra_metadata_keeps_the_table_s_own() -> None:
    table = _records(10).replace_schema_metadata({b"k": b"v"})
    read = pq.ParquetFile(pa.BufferReader(parquet_bytes(table))).read()
    assert read.schema.metadata[b"k"] == b"v" and read.equals(table)


def test_a_remote_store_reads_a_body_where_it_lies_without_pandas() -> None:
    """Records downloaded from a team server are read from the body's bytes: not through
    ``pq.read_table``, which imports pandas (about 0.4 s) and reads through a Python file."""
    import subprocess
    import sys

    table = _records(1_000)
    body = parquet_bytes(table, {RUN_KEY: b"{}"})
    code = (
        "import sys\n"
        "from assay.storage._remote import _table\n"
        "table = _table(sys.stdin.buffer.read())\n"
        "print(table.num_rows, 'pandas' in sys.modules)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], input=body, capture_output=True, check=True)
    assert done.stdout.decode().split() == ["1000", "False"]
    from assay.storage._remote import _table

    rest, value = split_metadata(_table(body), RUN_KEY)
    assert value == b"{}" and rest.equals(table)
