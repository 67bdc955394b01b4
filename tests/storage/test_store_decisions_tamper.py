"""The ledger is tamper-evident: edits made directly in the database are found by verify()."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable
from typing import Any

import pytest
import sqlalchemy as sa

from assay.core import canonical_json
from assay.errors import StorageError
from assay.storage import LedgerVerification, Store
from assay.testing import make_approval, make_decision, store_runs

# The ledger written by ``_ledger``: 1 decision A, 2 decision B, 3 approval of A,
# 4 decision C, 5 approval of B.
ENTRIES = 5


def _ledger(store: Store) -> None:
    r0, r1, r2 = store_runs(store)
    store.decisions.put(make_decision(r0, r1, decision_id="dec-a", minutes=1))
    store.decisions.put(make_decision(r0, r2, decision_id="dec-b", minutes=2))
    store.decisions.approve("dec-a", make_approval("safety", minutes=3))
    store.decisions.put(make_decision(r1, r2, decision_id="dec-c", minutes=4))
    store.decisions.approve("dec-b", make_approval("lead", minutes=5))


def _sql(store: Store, statement: str, **params: Any) -> None:
    with store.engine.begin() as conn:
        result = conn.execute(sa.text(statement), params)
        assert result.rowcount == 1, statement


def _payload(store: Store, sequence: int) -> dict[str, Any]:
    with store.engine.connect() as conn:
        text = conn.execute(
            sa.text("SELECT payload FROM ledger WHERE sequence = :s"), {"s": sequence}
        ).scalar_one()
    loaded: dict[str, Any] = json.loads(text)
    return loaded


def change_an_approval_payload(store: Store) -> None:
    payload = _payload(store, 3)
    payload["status"] = "rejected"
    _sql(store, "UPDATE ledger SET payload = :p WHERE sequence = 3", p=json.dumps(payload))


def change_a_decision_payload(store: Store) -> None:
    payload = _payload(store, 2)
    payload["verdict"] = "BLOCK"
    _sql(store, "UPDATE ledger SET payload = :p WHERE sequence = 2", p=json.dumps(payload))


def change_a_decision_verdict(store: Store) -> None:
    _sql(store, "UPDATE decisions SET verdict = 'BLOCK' WHERE decision_id = 'dec-b'")


def change_a_decision_body(store: Store) -> None:
    body = json.dumps({**_payload(store, 4), "summary": "All good."})
    _sql(store, "UPDATE decisions SET body = :b WHERE decision_id = 'dec-c'", b=body)


def delete_a_middle_entry(store: Store) -> None:
    _sql(store, "DELETE FROM ledger WHERE sequence = 3")


def delete_a_decision_row(store: Store) -> None:
    _sql(store, "DELETE FROM decisions WHERE decision_id = 'dec-b'")


def rewrite_an_entry_with_a_valid_hash(store: Store) -> None:
    """Change entry 3 and recompute its own hash: the link from entry 4 breaks instead."""
    payload = _payload(store, 3)
    payload["note"] = "never mind"
    with store.engine.connect() as conn:
        previous = conn.execute(
            sa.text("SELECT previous_hash FROM ledger WHERE sequence = 3")
        ).scalar_one()
    content = {
        "sequence": 3,
        "decision_id": "dec-a",
        "kind": "approval",
        "payload": payload,
        "previous_hash": previous,
    }
    new_hash = hashlib.sha256(canonical_json(content).encode("utf-8")).hexdigest()
    _sql(
        store,
        "UPDATE ledger SET payload = :p, entry_hash = :h WHERE sequence = 3",
        p=canonical_json(payload),
        h=new_hash,
    )


def renumber_an_entry(store: Store) -> None:
    _sql(store, "UPDATE ledger SET sequence = 9 WHERE sequence = 5")


TAMPERING: list[tuple[Callable[[Store], None], int | None, str]] = [
    (change_an_approval_payload, 3, "entry 3 was changed"),
    (change_a_decision_payload, 2, "entry 2 was changed"),
    (change_a_decision_verdict, 2, "'dec-b' was edited: its 'verdict'"),
    (change_a_decision_body, 4, "'dec-c' was edited: its 'body'"),
    (delete_a_middle_entry, 3, "entry 3 is missing"),
    (delete_a_decision_row, 2, "decisions row of 'dec-b'.*is missing"),
    (rewrite_an_entry_with_a_valid_hash, 4, "entry 4 does not link to entry 3"),
    (renumber_an_entry, 5, "entry 5 is missing"),
]


def test_an_untouched_ledger_verifies(store: Store) -> None:
    _ledger(store)
    assert store.decisions.verify() == LedgerVerification(True, ENTRIES, None, "5 entries intact")


def test_an_empty_ledger_verifies(store: Store) -> None:
    verification = store.decisions.verify()
    assert (verification.ok, verification.entries) == (True, 0)


@pytest.mark.parametrize(
    ("tamper", "sequence", "reason"), TAMPERING, ids=[t[0].__name__ for t in TAMPERING]
)
def test_tampering_is_detected(
    store: Store, tamper: Callable[[Store], None], sequence: int, reason: str
) -> None:
    _ledger(store)
    assert store.decisions.verify().ok
    tamper(store)
    verification = store.decisions.verify()
    assert verification.ok is False
    assert verification.first_bad_sequence == sequence
    assert re.search(reason, verification.reason), verification.reason
    assert verification.entries == ENTRIES - (1 if tamper is delete_a_middle_entry else 0)


def test_a_decision_without_ledger_entry_is_detected(store: Store) -> None:
    _ledger(store)
    with store.engine.begin() as conn:
        conn.execute(
            sa.text(
                "INSERT INTO decisions (decision_id, created_at, verdict, policy, policy_digest, "
                "suite_digest, baseline_run, candidate_run, title, body) "
                "SELECT 'dec-z', created_at, verdict, policy, policy_digest, suite_digest, "
                "baseline_run, candidate_run, title, body FROM decisions "
                "WHERE decision_id = 'dec-a'"
            )
        )
    verification = store.decisions.verify()
    assert verification.ok is False
    assert verification.first_bad_sequence is None
    assert "'dec-z' is in the decisions table but not in the ledger" in verification.reason


def test_unreadable_rows_are_storage_errors(store: Store) -> None:
    _ledger(store)
    _sql(store, "UPDATE ledger SET kind = 'veto' WHERE sequence = 3")
    _sql(store, "UPDATE decisions SET body = '{}' WHERE decision_id = 'dec-a'")
    with pytest.raises(StorageError, match="Ledger entry 3 is not readable"):
        store.decisions.ledger()
    with pytest.raises(StorageError, match="decision 'dec-a' is not readable"):
        store.decisions.get("dec-a")
    verification = store.decisions.verify()
    assert (verification.ok, verification.first_bad_sequence) == (False, 1)
