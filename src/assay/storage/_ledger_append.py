"""Appending to the ledger: one writer at a time, each entry linked to the newest.

Appending takes the ledger lock for the whole transaction: SQLite's ``BEGIN IMMEDIATE`` write
lock, or a PostgreSQL transaction-scoped advisory lock. The writer holding it reads the newest
entry, links the new entry to it and commits, so concurrent writers each get the next sequence
and the chain stays one line.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa

from assay.core import LedgerEntry, LedgerKind
from assay.storage._ledger import GENESIS_HASH, entry_hash, payload_text
from assay.storage._schema import ledger

__all__ = ["append_entry", "lock_ledger"]

# One ledger writer at a time per PostgreSQL database (the migrator uses 7310511).
_LEDGER_LOCK = 7310512


def lock_ledger(conn: sa.Connection) -> None:
    """Take the ledger lock for the rest of the transaction (SQLite's write transaction is
    the lock already)."""
    if conn.dialect.name == "postgresql":
        conn.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": _LEDGER_LOCK})


def append_entry(
    conn: sa.Connection, decision_id: str, kind: LedgerKind, payload: dict[str, Any]
) -> LedgerEntry:
    """Link a new entry to the newest one; the caller holds the ledger lock."""
    newest = conn.execute(
        sa.select(ledger.c.sequence, ledger.c.entry_hash)
        .order_by(ledger.c.sequence.desc())
        .limit(1)
    ).first()
    sequence = 1 if newest is None else newest.sequence + 1
    previous = GENESIS_HASH if newest is None else newest.entry_hash
    text = payload_text(payload)
    stored = json.loads(text)
    entry = LedgerEntry(
        sequence=sequence,
        decision_id=decision_id,
        kind=kind,
        payload=stored,
        previous_hash=previous,
        entry_hash=entry_hash(sequence, decision_id, kind, stored, previous),
        recorded_at=datetime.now(UTC),
    )
    conn.execute(ledger.insert().values(**entry.model_dump(exclude={"payload"}), payload=text))
    return entry
