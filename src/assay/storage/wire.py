"""The wire format shared by the server's API and the remote store: Parquet bodies that carry
their run or suite as JSON in the file's key-value metadata, their SHA-256 in a header, and
ledger verifications as JSON."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from assay._util import lazy_module
from assay.storage._evidence import EvidenceProblem
from assay.storage._ledger import LedgerVerification

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
    "verification_from_json",
    "verification_to_json",
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
    # a native sink: a Python one is called once per page, each call waiting for the GIL
    # behind the server's other requests
    sink = pa.BufferOutputStream()
    pq.write_table(table, sink, compression="zstd")
    return bytes(sink.getvalue())


def split_metadata(table: pa.Table, key: bytes) -> tuple[pa.Table, bytes | None]:
    """``table`` without the metadata entry ``key``, and that entry's value (or None)."""
    metadata = dict(table.schema.metadata or {})
    value = metadata.pop(key, None)
    return table.replace_schema_metadata(metadata or None), value


def verification_to_json(result: LedgerVerification) -> dict[str, Any]:
    """A ledger verification as plain JSON values."""
    return {
        "ok": result.ok,
        "entries": result.entries,
        "first_bad_sequence": result.first_bad_sequence,
        "reason": result.reason,
        "evidence_problems": [vars(p) for p in result.evidence_problems],
        "head": result.head,
        "notes": list(result.notes),
        "unchecked_signatures": result.unchecked_signatures,
    }


def verification_from_json(data: Mapping[str, Any]) -> LedgerVerification:
    """The ledger verification :func:`verification_to_json` wrote."""
    return LedgerVerification(
        ok=bool(data["ok"]),
        entries=int(data["entries"]),
        first_bad_sequence=data["first_bad_sequence"],
        reason=str(data["reason"]),
        evidence_problems=tuple(EvidenceProblem(**p) for p in data["evidence_problems"]),
        head=data["head"],
        notes=tuple(data["notes"]),
        unchecked_signatures=int(data.get("unchecked_signatures", 0)),
    )
