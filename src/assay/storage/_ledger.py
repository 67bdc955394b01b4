"""The hash chain of the decision ledger, and its verification.

The ledger holds decisions, their approvals and challenges, and governance entries (studies,
sign-offs, model cards, signing keys) about other subjects.

Entry ``n`` stores ``entry_hash = SHA-256(canonical JSON of {sequence, decision_id, kind,
payload, previous_hash})`` with ``previous_hash`` the ``entry_hash`` of entry ``n - 1`` (64 zeros
for entry 1). Changing, removing or reordering an entry breaks either its own hash or the link
of the entry after it. ``recorded_at`` is not hashed: it says when the row was written, not
what was decided. The chain alone cannot show that its newest entries were cut off, nor that the
whole chain was rewritten; a copy of the newest ``entry_hash`` (the head) kept elsewhere can:
:func:`verify_chain` fails when that head is no longer in the chain.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

import pydantic

from assay._util import plural
from assay.core import GOVERNANCE_KINDS, Approval, Decision, canonical_json, digest
from assay.storage._evidence import EvidenceProblem
from assay.storage._rows import utc
from assay.storage._signatures import SignatureChecker

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
    ledger is intact, and also when the only problem is a decision row that has no ledger entry
    or changed evidence (``evidence_problems`` says where). Two verifications are equal when
    they reach the same findings; ``head`` and ``notes`` describe the store and are not compared.
    """

    ok: bool
    """Whether every hash, every link and every decision row checked out."""
    entries: int
    """How many ledger entries there are."""
    first_bad_sequence: int | None
    """The first sequence at which the ledger stops being trustworthy."""
    reason: str
    """What was found, in words."""
    evidence_problems: tuple[EvidenceProblem, ...] = ()
    """Every decision's evidence (run, metric rows, record file, artifact) that changed."""
    head: str | None = field(default=None, compare=False)
    """The ``entry_hash`` of the newest entry (64 zeros when empty; ``None`` when the chain is
    broken): keep it elsewhere and pass it back as ``head`` to detect entries removed from the
    end."""
    notes: tuple[str, ...] = field(default=(), compare=False)
    """What the check did not cover, and where an exported head was found."""
    unchecked_signatures: int = field(default=0, compare=False)
    """How many signatures could not be checked (``cryptography`` is missing); when any, the
    verification is not ok: the ledger is not shown intact, nor shown tampered."""


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

    def __init__(self, rows: Mapping[str, Mapping[str, Any]] | None) -> None:
        self.rows = rows
        self.signatures = SignatureChecker()
        self.decided: set[str] = set()
        self.recorded: list[tuple[int, Decision]] = []
        self.hashes: dict[str, int] = {GENESIS_HASH: 0}
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
        self.hashes[str(entry["entry_hash"])] = sequence
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
        problem = self.signatures.check(sequence, kind, decision_id, payload)
        if problem is not None:
            return sequence, problem
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
        if kind == "challenge":
            if decision_id not in self.decided:
                return sequence, (
                    f"entry {sequence} challenges decision {decision_id!r}, which no earlier "
                    "entry records"
                )
            return None
        if kind in GOVERNANCE_KINDS:
            # A governance entry's meaning is checked by the governance layer, which knows
            # its payloads; here it is one more link of the chain.
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
        self.recorded.append((sequence, decision))
        if self.rows is None:  # an exported chain, checked without its store
            return None
        row = self.rows.get(decision_id)
        if row is None:
            return sequence, f"the decisions row of {decision_id!r} (entry {sequence}) is missing"
        # The body as the entry stored it: a field added to Decision later must not make an
        # older row look edited.
        expected = {**decision_row(decision), "body": payload_text(payload)}
        column = _edited_column(expected, row)
        if column is not None:
            return sequence, (
                f"the decisions row of {decision_id!r} was edited: its {column!r} differs from "
                f"ledger entry {sequence}"
            )
        return None


def _head_problem(checker: _Checker, count: int, head: str) -> tuple[int, str] | str:
    """A problem with an exported head, or a note saying where it was found."""
    found = checker.hashes.get(head)
    if found is None:
        return count + 1, (
            f"the exported head {head} is not in the ledger: entries were removed from its end "
            f"or it was rewritten (its newest entry is {count}, hash {checker.previous})"
        )
    return f"the exported head is entry {found}; {count - found} entries were added since"


def verify_chain(
    entries: Iterable[Mapping[str, Any]],
    rows: Mapping[str, Mapping[str, Any]] | None,
    head: str | None = None,
) -> tuple[LedgerVerification, list[tuple[int, Decision]]]:
    """Check ledger rows (in sequence order) against each other and the ``decisions`` rows.

    ``rows`` maps decision id to its ``decisions`` row as stored (None checks an exported
    chain on its own); ``head`` is an ``entry_hash`` exported earlier, which must still be in
    the chain. Signed entries are checked against their signers' registered keys
    (:mod:`assay.storage._signatures`); when ``cryptography`` is missing they cannot be, and
    the result is not ok (its reason says the signatures were NOT checked). A key revocation
    not signed by the old key is named in the reason of an intact ledger. Also returns the decisions the chain
    vouches for, with their sequence, so that their evidence can be checked.
    """
    checker = _Checker(rows)
    count = 0
    problem: tuple[int, str] | None = None
    for entry in entries:
        count += 1
        if problem is None:
            problem = checker.check(entry)
    notes: tuple[str, ...] = checker.signatures.notes()
    if problem is None and head is not None:
        found = _head_problem(checker, count, head)
        if isinstance(found, str):
            notes = (*notes, found)
        else:
            problem = found
    if problem is not None:
        # The newest hash of a broken chain vouches for nothing, so none is offered to keep.
        failed = LedgerVerification(False, count, problem[0], problem[1], notes=notes)
        return failed, checker.recorded
    unrecorded = sorted(set(rows or ()) - checker.decided)
    if unrecorded:
        reason = f"decision {unrecorded[0]!r} is in the decisions table but not in the ledger"
        result = LedgerVerification(False, count, None, reason)
    elif checker.signatures.unchecked:
        # Without the means to check them, signatures vouch for nothing: not intact.
        linked = plural(count, "entry", "entries")
        reason = f"{linked} hash and link, but {checker.signatures.headline()}"
        result = LedgerVerification(
            False, count, None, reason, unchecked_signatures=checker.signatures.unchecked
        )
    else:
        added = checker.signatures.headline()
        reason = f"{plural(count, 'entry', 'entries')} intact" + (f"; {added}" if added else "")
        result = LedgerVerification(True, count, None, reason)
    return replace(result, head=checker.previous, notes=notes), checker.recorded
