"""Challenge entries: a monitor's alarm appended to the ledger beside the decision it
questions, verified and tamper-evident like decisions and approvals."""

from __future__ import annotations

import json
import re

import pytest
import sqlalchemy as sa

from assay.errors import NotFoundError, ParameterError
from assay.storage import Store
from assay.testing import make_approval, make_decision, store_runs

EVIDENCE = {
    "monitor": "income-watch",
    "watch": "accuracy",
    "window": "a" * 64,
    "state": "alarm",
    "interval": [0.71, 0.78],
    "threshold": 0.8,
}


def _ledger(store: Store) -> None:
    r0, r1, _ = store_runs(store)
    store.decisions.put(make_decision(r0, r1, decision_id="dec-a", minutes=1))
    store.decisions.approve("dec-a", make_approval("lead", minutes=2))
    store.decisions.challenge("dec-a", EVIDENCE)


def test_a_challenge_is_appended_and_verifies(store: Store) -> None:
    _ledger(store)
    entries = store.decisions.ledger()
    assert [e.kind for e in entries] == ["decision", "approval", "challenge"]
    challenge = entries[-1]
    assert challenge.decision_id == "dec-a"
    assert challenge.payload == EVIDENCE
    assert challenge.previous_hash == entries[1].entry_hash
    verification = store.decisions.verify()
    assert verification.ok, verification.reason
    assert verification.entries == 3
    # the decision and its approvals are unchanged by a challenge
    assert store.decisions.get("dec-a").verdict.value == "SHIP"
    assert len(store.decisions.approvals("dec-a")) == 1


def test_a_challenge_needs_a_recorded_decision(store: Store) -> None:
    store_runs(store)
    with pytest.raises(NotFoundError, match="No decision has the id 'dec-x'"):
        store.decisions.challenge("dec-x", EVIDENCE)
    with pytest.raises(ParameterError, match="'payload' parameter"):
        store.decisions.challenge("dec-x", ["not", "a", "dict"])  # type: ignore[arg-type]
    assert store.decisions.ledger() == []


def _sql(store: Store, statement: str, **params: object) -> None:
    with store.engine.begin() as conn:
        assert conn.execute(sa.text(statement), params).rowcount == 1


def test_an_edited_challenge_is_detected(store: Store) -> None:
    _ledger(store)
    payload = dict(EVIDENCE, state="ok")
    _sql(store, "UPDATE ledger SET payload = :p WHERE sequence = 3", p=json.dumps(payload))
    verification = store.decisions.verify()
    assert (verification.ok, verification.first_bad_sequence) == (False, 3)
    assert "entry 3 was changed" in verification.reason


def test_a_deleted_challenge_in_the_middle_is_detected(store: Store) -> None:
    _ledger(store)
    store.decisions.approve("dec-a", make_approval("safety", minutes=4))
    _sql(store, "DELETE FROM ledger WHERE sequence = 3")
    verification = store.decisions.verify()
    assert (verification.ok, verification.first_bad_sequence) == (False, 3)
    assert "entry 3 is missing" in verification.reason


def test_a_challenge_moved_to_another_decision_is_detected(store: Store) -> None:
    _ledger(store)
    _sql(store, "UPDATE ledger SET decision_id = 'dec-zz' WHERE sequence = 3")
    verification = store.decisions.verify()
    assert (verification.ok, verification.first_bad_sequence) == (False, 3)
    assert re.search("entry 3 was changed", verification.reason)


def test_a_removed_newest_challenge_shows_against_an_exported_head(store: Store) -> None:
    _ledger(store)
    head = store.decisions.verify().head
    assert head is not None
    _sql(store, "DELETE FROM ledger WHERE sequence = 3")
    verification = store.decisions.verify(head=head)
    assert verification.ok is False
    assert "exported head" in verification.reason


def test_a_decision_s_challenges_are_read_without_the_whole_ledger(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    # `assay decisions list` asks each decision for its challenges: reading the whole ledger
    # each time made the listing quadratic in the decisions (4.3 s for 400 of them)
    from assay.workflows import get_decision
    from assay.workflows._decision_records import challenges_of

    _ledger(store)
    r0, r1, _ = store_runs(store)
    store.decisions.put(make_decision(r0, r1, decision_id="dec-b", minutes=3))
    store.decisions.challenge("dec-b", {**EVIDENCE, "watch": "f1"})
    store.decisions.challenge("dec-a", {**EVIDENCE, "state": "alarm again"})
    every = store.decisions.ledger()

    def whole(self: object) -> None:
        raise AssertionError("the whole ledger was read")

    monkeypatch.setattr(type(store.decisions), "ledger", whole)
    for decision_id in ("dec-a", "dec-b"):
        expected = [e for e in every if e.kind == "challenge" and e.decision_id == decision_id]
        assert challenges_of(decision_id, store=store) == expected
        assert get_decision(decision_id, store=store).challenges == expected
    assert [e.payload["state"] for e in challenges_of("dec-a", store=store)] == [
        "alarm",
        "alarm again",
    ]
    assert challenges_of("dec-x", store=store) == []
