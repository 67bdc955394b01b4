"""The wire format shared by the server's API and the remote store: Parquet bodies that carry
their run or suite as JSON in the file's key-value metadata, and their SHA-256 in a header."""

from __future__ import annotations

import io
from typing import TYPE_CHECKING

from assay._util import lazy_module

if TYPE_CHECKING:
    import pyarrow as pa
    import pyarrow.parquet as pq
else:
    pa = lazy_module("pyarrow")
    pq = lazy_module("pyarrow.parquet")

__all__ = [
    "DIGEST_HEADER",
    "PARQUET",
    "RUN_KEY",
    "SUITE_KEY",
    "parquet_bytes",
    "split_metadata",
]

PARQUET = "application/vnd.apache.parquet"
"""The media type of Parquet bodies."""
DIGEST_HEADER = "X-Assay-Content-SHA256"
"""The request header holding the hex SHA-256 of an upload's body."""
RUN_KEY = b"assay:run"
"""The Parquet metadata key of an uploaded run's JSON."""
SUITE_KEY = b"assay:suite"
"""The Parquet metadata key of an uploaded suite's JSON."""


def parquet_bytes(table: pa.Table, extra: dict[bytes, bytes] | None = None) -> bytes:
    """``table`` as a Parquet file (zstd), with ``extra`` added to its schema metadata."""
    if extra:
        metadata = dict(table.schema.metadata or {})
        metadata.update(extra)
        table = table.replace_schema_metadata(metadata)
    sink = io.BytesIO()
    pq.write_table(table, sink, compression="zstd")
    return sink.getvalue()


def split_metadata(table: pa.Table, key: bytes) -> tuple[pa.Table, bytes | None]:
    """``table`` without the metadata entry ``key``, and that entry's value (or None)."""
    metadata = dict(table.schema.metadata or {})
    value = metadata.pop(key, None)
    return table.replace_schema_metadata(metadata or None), value
