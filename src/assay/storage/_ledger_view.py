"""What a check reads of the ledger while the writer holds its lock, so that checking an entry
and appending it are one transaction: two concurrent appends cannot both pass a check that
only one of them may pass (a second approval of the same person, role and status; a second
first key of one user)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pydantic
import sqlalchemy as sa

from assay.core import LedgerEntry
from assay.errors import StorageError
from assay.storage._rows import utc
from assay.storage._schema import ledger

__all__ = ["LedgerCheck", "LedgerView", "read_entries"]


def read_entries(conn: sa.Connection, query: sa.Select[Any]) -> list[LedgerEntry]:
    """The ledger rows ``query`` selects, as entries (a row edited by hand is a
    :class:`~assay.errors.StorageError`)."""
    entries = []
    for row in conn.execute(query).all():
        data = row._asdict()
        data["recorded_at"] = utc(data["recorded_at"])
        try:
            data["payload"] = json.loads(data["payload"])
            entries.append(LedgerEntry.model_validate(data))
        except (ValueError, pydantic.ValidationError) as exc:
            raise StorageError(
                f"Ledger entry {row.sequence} is not readable; the store may have been "
                "edited by hand (see DecisionRepository.verify)."
            ) from exc
    return entries


class LedgerView:
    """The ledger inside the appending transaction, read only as far as a check needs: the
    entries of one kind and/or subject, and the sequence the new entry will take."""

    def __init__(self, conn: sa.Connection) -> None:
        self._conn = conn

    def entries(self, *, kind: str | None = None, subject: str | None = None) -> list[LedgerEntry]:
        """Entries of one ``kind`` and/or about one ``subject``, oldest first."""
        query = sa.select(ledger).order_by(ledger.c.sequence)
        if kind is not None:
            query = query.where(ledger.c.kind == kind)
        if subject is not None:
            query = query.where(ledger.c.decision_id == subject)
        return read_entries(self._conn, query)

    def next_sequence(self) -> int:
        """The sequence of the entry about to be appended (the head's plus one)."""
        head = self._conn.execute(sa.select(sa.func.max(ledger.c.sequence))).scalar()
        return 1 if head is None else int(head) + 1


LedgerCheck = Callable[[LedgerView], None]
"""A check run under the ledger lock just before an entry is appended; it raises to refuse
the entry, and then nothing is appended."""
