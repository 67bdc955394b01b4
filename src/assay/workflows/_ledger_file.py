"""The ledger kept elsewhere: export the whole chain to a file, check such a file offline."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from assay._util import atomic_path, check_instance
from assay.errors import ConfigError, ParameterError
from assay.storage import (
    MAX_LEDGER_EXPORT_BYTES,
    LedgerVerification,
    Store,
    ledger_export_lines,
    verify_ledger_export,
)
from assay.workflows._store import resolve_store

__all__ = ["LedgerExport", "export_ledger", "verify_ledger_file"]


@dataclass(frozen=True)
class LedgerExport:
    """What :func:`export_ledger` wrote."""

    path: Path
    """The export file."""
    entries: int
    """How many entries it holds."""
    head: str
    """The newest entry's hash (64 zeros for an empty ledger): keep it apart from the file."""


def export_ledger(output: str | Path, *, store: Store | None = None) -> LedgerExport:
    """Write every ledger entry, oldest first, as JSON lines with a final head line (see
    :mod:`assay.storage._ledger_file`), atomically: the file appears whole or not at all."""
    check_instance(output, "output", "export_ledger", (str, Path), "a file path")
    path = Path(output)
    if path.is_dir():
        raise ConfigError(f"{path} is a folder; give the export file's path.")
    entries = resolve_store(store).decisions.ledger()
    exported_at = datetime.now(UTC).isoformat()
    head = entries[-1].entry_hash if entries else "0" * 64
    with atomic_path(path) as temporary, open(temporary, "w", encoding="utf-8") as handle:
        handle.writelines(ledger_export_lines(entries, exported_at))
    return LedgerExport(path, len(entries), head)


def _head(head: str | None, where: str) -> str | None:
    if head is None:
        return None
    if not (isinstance(head, str) and re.fullmatch(r"[0-9a-fA-F]{64}", head.strip())):
        raise ParameterError("head", where, "a 64-character SHA-256 hex entry hash", head)
    return head.strip().lower()


def verify_ledger_file(path: str | Path, *, head: str | None = None) -> LedgerVerification:
    """Check an export file on its own: every hash and link, every signature against the keys
    the file registers, and that its head line matches its last entry (a file cut short or
    edited fails). ``head``, a hash kept from earlier, must be in the file."""
    check_instance(path, "path", "verify_ledger_file", (str, Path), "a file path")
    wanted = _head(head, "verify_ledger_file")
    file = Path(path)
    try:
        size = file.stat().st_size
        if size > MAX_LEDGER_EXPORT_BYTES:
            raise ConfigError(f"{file}: larger than {MAX_LEDGER_EXPORT_BYTES:,} bytes ({size:,}).")
        raw = file.read_bytes()
    except OSError as exc:
        raise ConfigError(f"{file}: cannot read the ledger export: {exc.strerror}") from exc
    return verify_ledger_export(raw, source=str(file), head=wanted)
