"""The hash chain of the decision ledger, and its verification.

Entry ``n`` stores ``entry_hash = SHA-256(canonical JSON of {sequence, decision_id, kind,
payload, previous_hash})`` with ``previous_hash`` the ``entry_hash`` of entry ``n - 1`` (64 zeros
for entry 1). Changing, removing or reordering an entry breaks either its own hash or the link
of the entry after it. ``recorded_at`` is not hashed: it says when the row was written, not
what was decided. The chain cannot show that its newest entries were cut off, nor that the whole
chain was rewritten; keeping a copy of the newest ``entry_hash`` elsewhere can.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pydantic

from assay.core import Approval, Decision, canonical_json, digest
from assay.storage._rows import utc

__all__ = [
    "GENESIS_HASH",
    "LedgerVerification",
    "decision_row",
    "entry_hash",
    "payload_text",
    "verify_chain",
]

GENESIS_HASH = "0" * 64
"""The ``previous_hash`` of the first entry."""


@dataclass(frozen=True)
class LedgerVerification:
    """What :meth:`DecisionRepository.verify` found.

    ``first_bad_sequence`` is the sequence of the first entry that is missing, changed or does
    not link to the one before it, or whose decision row was edited; it is ``None`` when the
    ledger is intact, and also when the only problem is a decision row that has no ledger entry.
    """

    ok: bool
    """Whether every hash, every link and every decision row checked out."""
    entries: int
    """How many ledger entries there are."""
    first_bad_sequence: int | None
    """The first sequence at which the ledger stops being trustworthy."""
    reason: str
    """What was found, in words."""


def entry_hash(
    sequence: int, decision_id: str, kind: str, payload: Mapping[str, Any], previous_hash: str
) -> str:
    """SHA-256 hex of the canonical JSON of an entry's content and its predecessor's hash."""
    return digest(
        {
            "sequence": sequence,
            "decision_id": decision_id,
            "kind": kind,
            "payload": dict(payload),
            "previous_hash": previous_hash,
        }
    )


def payload_text(payload: Mapping[str, Any]) -> str:
    """The stored form of a payload: its canonical JSON, which hashes the same after a reload."""
    return canonical_json(dict(payload))


def decision_row(decision: Decision) -> dict[str, Any]:
    """The ``decisions`` row of a decision (``created_at`` in UTC; ``body`` its canonical JSON)."""
    return {
        "decision_id": decision.decision_id,
        "created_at": utc(decision.created_at),
        "verdict": decision.verdict.value,
        "policy": decision.policy,
        "policy_digest": decision.policy_digest,
        "suite_digest": decision.suite_digest,
        "baseline_run": decision.baseline_run,
        "candidate_run": decision.candidate_run,
        "title": decision.title,
        "body": payload_text(decision.model_dump(mode="json")),
    }


def _edited_column(expected: Mapping[str, Any], row: Mapping[str, Any]) -> str | None:
    for column, value in expected.items():
        found = row.get(column)
        if isinstance(value, datetime):
            if not isinstance(found, datetime) or utc(found) != value:
                return column
        elif found != value:
            return column
    return None


class _Checker:
    """Walks the entries in sequence order and remembers the first problem."""

    def __init__(self, rows: Mapping[str, Mapping[str, Any]]) -> None:
        self.rows = rows
        self.decided: set[str] = set()
        self.expected = 1
        self.previous = GENESIS_HASH

    def check(self, entry: Mapping[str, Any]) -> tuple[int, str] | None:
        sequence = entry["sequence"]
        if sequence != self.expected:
            if sequence > self.expected:
                return self.expected, (
                    f"entry {self.expected} is missing: entry {sequence} follows entry "
                    f"{self.expected - 1}"
                )
            return sequence, f"entry {sequence} is out of order (expected {self.expected})"
        self.expected += 1
        if entry["previous_hash"] != self.previous:
            return sequence, (
                f"entry {sequence} does not link to entry {sequence - 1}: its previous_hash "
                "differs from that entry's hash"
            )
        self.previous = entry["entry_hash"]
        try:
            payload = json.loads(entry["payload"])
        except (TypeError, ValueError):
            return sequence, f"the payload of entry {sequence} is not JSON"
        if not isinstance(payload, dict):
            return sequence, f"the payload of entry {sequence} is not a JSON object"
        kind, decision_id = entry["kind"], entry["decision_id"]
        recomputed = entry_hash(sequence, decision_id, kind, payload, entry["previous_hash"])
        if recomputed != entry["entry_hash"]:
            return sequence, (
                f"entry {sequence} was changed: its content hashes to {recomputed[:16]}..., "
                f"not to its stored hash {str(entry['entry_hash'])[:16]}..."
            )
        return self._check_meaning(sequence, kind, decision_id, payload)

    def _check_meaning(
        self, sequence: int, kind: str, decision_id: str, payload: dict[str, Any]
    ) -> tuple[int, str] | None:
        if kind == "approval":
            if decision_id not in self.decided:
                return sequence, (
                    f"entry {sequence} approves decision {decision_id!r}, which no earlier "
                    "entry records"
                )
            try:
                Approval.model_validate(payload)
            except pydantic.ValidationError:
                return sequence, f"the payload of entry {sequence} is not an approval"
            return None
        if kind != "decision":
            return sequence, f"entry {sequence} has the unknown kind {kind!r}"
        try:
            decision = Decision.model_validate(payload)
        except pydantic.ValidationError:
            return sequence, f"the payload of entry {sequence} is not a decision"
        if decision.decision_id != decision_id or decision_id in self.decided:
            return sequence, f"entry {sequence} records decision {decision_id!r} a second time"
        self.decided.add(decision_id)
        row = self.rows.get(decision_id)
        if row is None:
            return sequence, f"the decisions row of {decision_id!r} (entry {sequence}) is missing"
        column = _edited_column(decision_row(decision), row)
        if column is not None:
            return sequence, (
                f"the decisions row of {decision_id!r} was edited: its {column!r} differs from "
                f"ledger entry {sequence}"
            )
        return None


def verify_chain(
    entries: Iterable[Mapping[str, Any]], rows: Mapping[str, Mapping[str, Any]]
) -> LedgerVerification:
    """Check ledger rows (in sequence order) against each other and the ``decisions`` rows.

    ``rows`` maps decision id to its ``decisions`` row as stored.
    """
    checker = _Checker(rows)
    count = 0
    problem: tuple[int, str] | None = None
    for entry in entries:
        count += 1
        if problem is None:
            problem = checker.check(entry)
    if problem is not None:
        return LedgerVerification(False, count, problem[0], problem[1])
    unrecorded = sorted(set(rows) - checker.decided)
    if unrecorded:
        return LedgerVerification(
            False,
            count,
            None,
            f"decision {unrecorded[0]!r} is in the decisions table but not in the ledger",
        )
    return LedgerVerification(True, count, None, f"{count} entries intact")
