"""A record file encoded into a buffer reserved at a bound of its size: the same bytes as a
growing stream gives, also when the file passes the bound and is written again."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from assay.storage import _parquet_io
from assay.storage._parquet_io import parquet_options, parquet_view


def _streamed(table: pa.Table) -> bytes:
    sink = pa.BufferOutputStream()
    pq.write_table(table, sink, **parquet_options(table))
    return bytes(sink.getvalue().to_pybytes())


def _tables() -> list[pa.Table]:
    rng = np.random.default_rng(3)
    n = 20_000
    return [
        pa.table({"score": [1.0]}),
        pa.table({"example_id": pa.array([], pa.string())}),
        pa.table(
            {
                "example_id": [f"{v:x}" * 3 for v in rng.integers(0, 2**60, n)],
                "score": rng.random(n),
                "flag": (rng.random(n) < 0.5).astype(float),
                "error": pa.nulls(n, pa.string()),
            }
        ),
    ]


@pytest.mark.parametrize("slack", [_parquet_io._SLACK, 0])
def test_the_reserved_buffer_holds_the_bytes_a_stream_gives(
    slack: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    # with no slack the first table's file (a footer larger than its 8 bytes) passes the bound
    monkeypatch.setattr(_parquet_io, "_SLACK", slack)
    for table in _tables():
        view = parquet_view(table, "t.parquet")
        assert view.tobytes() == _streamed(table)
        assert pq.ParquetFile(pa.BufferReader(view)).read().equals(table)
