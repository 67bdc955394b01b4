"""Decisions: stored once with their ledger entry, found by id or prefix, approvals chained."""

from __future__ import annotations

import hashlib
import itertools
from datetime import UTC, datetime
from typing import Any

import pytest
import sqlalchemy as sa

from assay.core import Decision, LedgerEntry, Verdict, canonical_json
from assay.errors import ImmutableError, NotFoundError, ParameterError, StorageError
from assay.storage import DecisionRepository, Store
from assay.testing import make_approval, make_decision, store_runs

GENESIS = "0" * 64


class InjectedFailure(Exception):
    """Stands for any failure inside the decision's transaction."""


def expected_hash(entry: LedgerEntry) -> str:
    """The entry hash as the ledger defines it, computed here from its parts."""
    content = {
        "sequence": entry.sequence,
        "decision_id": entry.decision_id,
        "kind": entry.kind,
        "payload": entry.payload,
        "previous_hash": entry.previous_hash,
    }
    return hashlib.sha256(canonical_json(content).encode("utf-8")).hexdigest()


def test_put_get_and_its_ledger_entry(store: Store) -> None:
    baseline, candidate, _ = store_runs(store)
    assert isinstance(store.decisions, DecisionRepository)
    decision = make_decision(baseline, candidate, decision_id="dec-1")
    entry = store.decisions.put(decision)
    assert (entry.sequence, entry.kind, entry.decision_id) == (1, "decision", "dec-1")
    assert entry.previous_hash == GENESIS
    assert entry.payload == decision.model_dump(mode="json")
    assert entry.entry_hash == expected_hash(entry)
    assert entry.recorded_at.tzinfo is not None
    assert store.decisions.get("dec-1") == decision
    assert store.decisions.get("dec-") == decision
    assert store.decisions.ledger() == [entry]
    assert store.decisions.approvals("dec-1") == []
    assert store.decisions.verify().ok


def test_approvals_extend_the_chain(store: Store) -> None:
    baseline, candidate, _ = store_runs(store)
    first = store.decisions.put(make_decision(baseline, candidate, decision_id="a"))
    second = store.decisions.put(make_decision(candidate, baseline, decision_id="b"))
    safety = make_approval("safety", minutes=5)
    rejection = make_approval("privacy", status="rejected", minutes=6)
    third = store.decisions.approve("a", safety)
    fourth = store.decisions.approve("a", rejection)
    fifth = store.decisions.approve("b", make_approval("lead"))
    entries = store.decisions.ledger()
    assert entries == [first, second, third, fourth, fifth]
    assert [e.sequence for e in entries] == [1, 2, 3, 4, 5]
    assert [e.kind for e in entries] == ["decision", "decision", "approval", "approval", "approval"]
    for before, after in itertools.pairwise(entries):
        assert after.previous_hash == before.entry_hash
    assert all(e.entry_hash == expected_hash(e) for e in entries)
    assert len({e.entry_hash for e in entries}) == 5
    assert third.payload == safety.model_dump(mode="json")
    assert store.decisions.approvals("a") == [safety, rejection]
    assert [a.role for a in store.decisions.approvals("b")] == ["lead"]
    verification = store.decisions.verify()
    assert (verification.ok, verification.entries, verification.first_bad_sequence) == (
        True,
        5,
        None,
    )


def test_list_newest_first_with_filters(store: Store) -> None:
    r0, r1, r2 = store_runs(store)
    specs = [
        ("d0", r0, r1, Verdict.SHIP, 0),
        ("d1", r0, r2, Verdict.BLOCK, 10),
        ("d2", r1, r2, Verdict.SHIP, 20),
        ("d3", r2, r0, Verdict.INCONCLUSIVE, 5),
    ]
    for did, base, cand, verdict, minutes in specs:
        store.decisions.put(
            make_decision(base, cand, decision_id=did, verdict=verdict, minutes=minutes)
        )

    def ids(**kwargs: Any) -> list[str]:
        return [d.decision_id for d in store.decisions.list(**kwargs)]

    assert ids() == ["d2", "d1", "d3", "d0"]
    assert ids(verdict=Verdict.SHIP) == ["d2", "d0"]
    assert ids(verdict="BLOCK") == ["d1"]
    assert ids(run=r0) == ["d1", "d3", "d0"]
    assert ids(run=r2, verdict="SHIP") == ["d2"]
    assert ids(limit=2) == ["d2", "d1"]
    assert ids(run="unknown") == []
    assert all(isinstance(d, Decision) for d in store.decisions.list())
    with pytest.raises(ParameterError, match=r"'verdict' parameter of DecisionRepository\.list"):
        store.decisions.list(verdict="MAYBE")
    with pytest.raises(ParameterError, match=r"'limit' parameter of DecisionRepository\.list"):
        store.decisions.list(limit=0)


def test_a_decision_cannot_be_recorded_twice(store: Store) -> None:
    baseline, candidate, other = store_runs(store)
    original = make_decision(baseline, candidate, decision_id="same")
    store.decisions.put(original)
    changed = make_decision(baseline, other, decision_id="same", verdict=Verdict.BLOCK)
    with pytest.raises(ImmutableError, match="already recorded"):
        store.decisions.put(changed)
    with pytest.raises(ImmutableError):
        store.decisions.put(original)
    assert store.decisions.get("same") == original
    assert len(store.decisions.ledger()) == 1
    for name in ("delete", "update", "remove"):
        assert not hasattr(store.decisions, name)


def test_runs_must_be_stored(store: Store) -> None:
    baseline, _, _ = store_runs(store)
    with pytest.raises(NotFoundError, match="candidate run 'ghost'"):
        store.decisions.put(make_decision(baseline, "ghost", decision_id="x"))
    with pytest.raises(NotFoundError, match="baseline run 'ghost'"):
        store.decisions.put(make_decision("ghost", baseline, decision_id="x"))
    assert store.decisions.list() == []
    assert store.decisions.ledger() == []
    with pytest.raises(NotFoundError):
        store.decisions.get("x")


def test_lookup_errors(store: Store) -> None:
    baseline, candidate, _ = store_runs(store)
    for did in ("abc-1", "abc-2", "abd_3"):
        store.decisions.put(make_decision(baseline, candidate, decision_id=did))
    assert store.decisions.get("abd").decision_id == "abd_3"
    with pytest.raises(StorageError, match="several decisions: abc-1, abc-2") as info:
        store.decisions.get("abc")
    assert not isinstance(info.value, NotFoundError)
    with pytest.raises(NotFoundError, match="'zzz'"):
        store.decisions.get("zzz")
    with pytest.raises(NotFoundError):
        store.decisions.get("ab_")  # LIKE wildcards are literal
    with pytest.raises(NotFoundError):
        store.decisions.approve("abc", make_approval())  # approvals need the full id
    with pytest.raises(NotFoundError):
        store.decisions.approvals("nope")
    assert len(store.decisions.ledger()) == 3


def test_bad_arguments(store: Store) -> None:
    baseline, candidate, _ = store_runs(store)
    with pytest.raises(ParameterError, match=r"'decision\.decision_id' parameter"):
        store.decisions.put(make_decision(baseline, candidate, decision_id="../x"))
    with pytest.raises(ParameterError, match=r"'decision' parameter of DecisionRepository\.put"):
        store.decisions.put("not a decision")  # type: ignore[arg-type]
    store.decisions.put(make_decision(baseline, candidate, decision_id="d"))
    blank = make_approval().model_copy(update={"name": " "})
    with pytest.raises(ParameterError, match=r"'approval\.name' parameter"):
        store.decisions.approve("d", blank)
    with pytest.raises(ParameterError, match=r"'ref' parameter of DecisionRepository\.get"):
        store.decisions.get("")
    assert len(store.decisions.ledger()) == 1


def test_moments_are_stored_in_utc(store: Store) -> None:
    baseline, candidate, _ = store_runs(store)
    naive = make_decision(baseline, candidate, decision_id="n").model_copy(
        update={"created_at": datetime(2025, 3, 1, 12, 30)}
    )
    store.decisions.put(naive)
    stored = store.decisions.get("n")
    assert stored.created_at == datetime(2025, 3, 1, 12, 30, tzinfo=UTC)
    assert stored.created_at.utcoffset() is not None
    approval = make_approval().model_copy(update={"at": datetime(2025, 3, 2, 8, 0)})
    entry = store.decisions.approve("n", approval)
    assert store.decisions.approvals("n")[0].at == datetime(2025, 3, 2, 8, 0, tzinfo=UTC)
    assert entry.entry_hash == expected_hash(entry)
    assert store.decisions.verify().ok


def test_decision_and_entry_are_one_transaction(store: Store) -> None:
    baseline, candidate, _ = store_runs(store)
    decision = make_decision(baseline, candidate, decision_id="doomed")

    def fail_on_ledger(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        # The decisions row is already inserted when this fires.
        if statement.lstrip().upper().startswith("INSERT INTO LEDGER"):
            raise InjectedFailure("disk full")

    sa.event.listen(store.engine, "before_cursor_execute", fail_on_ledger)
    with pytest.raises(InjectedFailure):
        store.decisions.put(decision)
    sa.event.remove(store.engine, "before_cursor_execute", fail_on_ledger)
    with pytest.raises(NotFoundError):
        store.decisions.get("doomed")
    assert store.decisions.ledger() == []
    entry = store.decisions.put(decision)
    assert entry.sequence == 1
    assert store.decisions.verify().ok
