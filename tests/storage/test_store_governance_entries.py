"""Governance entries (studies, sign-offs, cards, keys) in the ledger: appended about a
subject, read back by kind and subject, chained and tamper-evident like decisions."""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa

from assay.errors import ParameterError
from assay.storage import Store
from assay.storage._ledger_inputs import MAX_PAYLOAD_BYTES
from assay.testing import make_decision, store_runs

STUDY = {"name": "churn-v2", "hypothesis": "v2 lifts accuracy by 1 point", "digest": "a" * 64}


def test_entries_are_appended_chained_and_filtered(store: Store) -> None:
    r0, r1, _ = store_runs(store)
    store.decisions.put(make_decision(r0, r1, decision_id="dec-a", minutes=1))
    study = store.decisions.record("study", "study:churn-v2", STUDY)
    event = store.decisions.record("study_event", "study:churn-v2", {"attach": "dec-a"})
    store.decisions.record("signoff", "model:churn", {"item": "privacy", "role": "privacy"})
    assert study.kind == "study" and study.decision_id == "study:churn-v2"
    assert study.payload == STUDY
    assert event.previous_hash == study.entry_hash
    about = store.decisions.entries(subject="study:churn-v2")
    assert [e.kind for e in about] == ["study", "study_event"]
    assert [e.sequence for e in store.decisions.entries(kind="signoff")] == [4]
    assert [e.kind for e in store.decisions.entries(kind="decision")] == ["decision"]
    verification = store.decisions.verify()
    assert verification.ok, verification.reason
    assert verification.entries == 4


def test_an_edited_governance_entry_is_detected(store: Store) -> None:
    store.decisions.record("study", "study:churn-v2", STUDY)
    store.decisions.record("card", "model:churn", {"digest": "b" * 64})
    with store.engine.begin() as conn:
        changed = json.dumps(dict(STUDY, hypothesis="anything"))
        conn.execute(sa.text("UPDATE ledger SET payload = :p WHERE sequence = 1"), {"p": changed})
    verification = store.decisions.verify()
    assert (verification.ok, verification.first_bad_sequence) == (False, 1)
    assert "entry 1 was changed" in verification.reason


@pytest.mark.parametrize(
    ("kind", "subject", "payload", "match"),
    [
        ("decision", "study:x", {}, "'kind' parameter"),
        ("approval", "study:x", {}, "'kind' parameter"),
        ("study", "churn", {}, "'subject' parameter"),
        ("study", "Study:x", {}, "'subject' parameter"),
        ("study", "study:", {}, "'subject' parameter"),
        ("study", "study:a\x1b[31m", {}, "'subject' parameter"),
        ("study", "study:" + "x" * 201, {}, "'subject' parameter"),
        ("study", "study:x", ["a"], "'payload' parameter"),
        ("study", "study:x", {"x": float("nan")}, "'payload' parameter"),
        ("study", "study:x", {"x": "y" * MAX_PAYLOAD_BYTES}, "bytes of JSON"),
    ],
)
def test_bad_entries_are_refused_and_nothing_is_recorded(
    store: Store, kind: str, subject: str, payload: object, match: str
) -> None:
    with pytest.raises(ParameterError, match=match):
        store.decisions.record(kind, subject, payload)  # type: ignore[arg-type]
    assert store.decisions.ledger() == []


def test_a_deeply_nested_payload_is_refused(store: Store) -> None:
    deep: dict[str, object] = {}
    node = deep
    for _ in range(40):
        node["x"] = {}
        node = node["x"]  # type: ignore[assignment]
    with pytest.raises(ParameterError, match="nested at most"):
        store.decisions.record("study", "study:x", deep)
    assert store.decisions.ledger() == []


def test_entries_refuse_an_unknown_kind(store: Store) -> None:
    with pytest.raises(ParameterError, match="'kind' parameter"):
        store.decisions.entries(kind="gossip")
