"""The ledger as a file kept elsewhere: JSON lines, one entry a line in sequence order, then a
head line ``{"assay_ledger_export": 1, "entries": N, "head": HASH, "exported_at": ...}``.

Read back, the file is checked like the store's chain (hashes, links, signatures against the
keys the file itself registers) and against its own head line, so a file cut short or edited
shows; an ``entry_hash`` kept from earlier must still be in it. Without such a head the file
is only shown internally consistent (the reason says so): whoever rewrites the file can
register their own keys in it and write a matching head line. Decision rows and evidence live
in the store and are not in the file.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import replace
from typing import Any

from assay._util import check_instance
from assay.core import LedgerEntry, canonical_json
from assay.errors import DataError, ParameterError
from assay.storage._ledger import GENESIS_HASH, LedgerVerification, payload_text, verify_chain
from assay.storage._rows import check_text

__all__ = ["MAX_LEDGER_EXPORT_BYTES", "ledger_export_lines", "verify_ledger_export"]

FORMAT = 1
MAX_LEDGER_EXPORT_BYTES = 1 << 30
"""The largest export file read back (1 GiB)."""
MAX_LINE_BYTES = 4 << 20
"""The longest line of an export file."""
_HASH = re.compile(r"^[0-9a-f]{64}$")
_FIELDS = {"sequence", "decision_id", "kind", "payload", "previous_hash", "entry_hash"}
_ONLY_THE_CHAIN = (
    "an export holds the chain only: decision rows and their evidence are checked against the "
    "store (assay ledger verify)"
)
INTERNAL_ONLY = (
    "internally consistent only; pass --head (kept elsewhere) to detect a rewritten or "
    "truncated export"
)
"""What an export checked without a head kept elsewhere shows: a file regenerated whole, with
its own keys and head line, passes."""
_TRAILER = {"assay_ledger_export", "entries", "head", "exported_at"}


def ledger_export_lines(entries: Iterable[LedgerEntry], exported_at: str) -> Iterator[str]:
    """The lines of an export (each ending in a newline), the head line last."""
    check_text(exported_at, "exported_at", "ledger_export_lines", "an ISO 8601 time")
    return _lines(entries, exported_at)


def _lines(entries: Iterable[LedgerEntry], exported_at: str) -> Iterator[str]:
    count, head = 0, GENESIS_HASH
    for entry in entries:
        count, head = count + 1, entry.entry_hash
        yield canonical_json(entry.model_dump(mode="json")) + "\n"
    trailer = {"assay_ledger_export": FORMAT, "entries": count, "head": head}
    yield canonical_json({**trailer, "exported_at": exported_at}) + "\n"


def _bad(source: str, line: int, message: str) -> DataError:
    return DataError(message, file=source, line=line)


def _entry(data: Any, source: str, number: int) -> dict[str, Any]:
    allowed = _FIELDS | {"recorded_at"}
    if not isinstance(data, dict) or not set(data) >= _FIELDS or not set(data) <= allowed:
        raise _bad(source, number, f"not a ledger entry (an object with {sorted(_FIELDS)})")
    checks = (
        isinstance(data["sequence"], int) and not isinstance(data["sequence"], bool),
        isinstance(data["decision_id"], str) and isinstance(data["kind"], str),
        isinstance(data["payload"], dict),
        all(
            isinstance(data[k], str) and _HASH.match(data[k])
            for k in ("previous_hash", "entry_hash")
        ),
    )
    if not all(checks):
        raise _bad(source, number, "a ledger entry with a field of the wrong type")
    return {**data, "payload": payload_text(data["payload"])}


def _parse(raw: bytes, source: str) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    if len(raw) > MAX_LEDGER_EXPORT_BYTES:
        raise DataError(
            f"larger than {MAX_LEDGER_EXPORT_BYTES:,} bytes ({len(raw):,})", file=source
        )
    lines = raw.split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()
    parsed: list[Any] = []
    for number, line in enumerate(lines, start=1):
        if len(line) > MAX_LINE_BYTES:
            raise _bad(source, number, f"a line longer than {MAX_LINE_BYTES:,} bytes")
        try:
            parsed.append(json.loads(line.decode("utf-8")))
        except (UnicodeDecodeError, ValueError, RecursionError) as exc:
            raise _bad(source, number, f"not a JSON line ({str(exc)[:80]})") from None
    trailer = parsed.pop() if parsed else None
    if not isinstance(trailer, dict) or trailer.get("assay_ledger_export") is None:
        raise DataError(
            "the file has no head line at its end: it was cut short, or is not an export "
            "written by `assay ledger export`",
            file=source,
        )
    head, count = trailer.get("head"), trailer.get("entries")
    if (
        set(trailer) != _TRAILER
        or trailer["assay_ledger_export"] != FORMAT
        or not (isinstance(head, str) and _HASH.match(head))
        or not isinstance(count, int)
        or isinstance(count, bool)
    ):
        raise _bad(source, len(lines), "not a head line of a format-1 ledger export")
    return [_entry(e, source, i) for i, e in enumerate(parsed, start=1)], trailer


def verify_ledger_export(raw: bytes, *, source: str, head: str | None = None) -> LedgerVerification:
    """Check an export file's chain, signatures and head line (see the module docstring);
    ``head`` is an ``entry_hash`` kept from earlier. DataError names the line of a file that
    is not an export at all."""
    check_instance(raw, "raw", "verify_ledger_export", bytes, "the export file's bytes")
    check_text(source, "source", "verify_ledger_export", "the file's name")
    if head is not None:
        check_text(head, "head", "verify_ledger_export", "a 64-character hex entry hash")
        if not _HASH.match(head):
            raise ParameterError(
                "head", "verify_ledger_export", "a 64-character lower-case hex entry hash", head
            )
    entries, trailer = _parse(raw, source)
    result, _ = verify_chain(entries, None, head)
    result = replace(result, notes=(*result.notes, _ONLY_THE_CHAIN))
    newest = entries[-1]["entry_hash"] if entries else GENESIS_HASH
    if result.ok and (trailer["entries"] != len(entries) or trailer["head"] != newest):
        reason = (
            f"the head line says {trailer['entries']} entries ending at {trailer['head']}, "
            f"but the file holds {len(entries)} ending at {newest}: entries were removed or "
            "the file was edited"
        )
        bad = min(trailer["entries"], len(entries)) + 1
        return replace(result, ok=False, first_bad_sequence=bad, reason=reason, head=None)
    if result.ok and head is None:
        result = replace(result, reason=f"{result.reason}; {INTERNAL_ONLY}")
    return result
