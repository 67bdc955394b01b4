"""check_entry_signature reads only the ledger's key entries and its newest sequence, and
answers exactly as a check against the whole ledger does, on a ledger whose keys were
rotated and revoked (SQLite and PostgreSQL)."""

from __future__ import annotations

import base64
from typing import Any

import sqlalchemy as sa

from assay.errors import ConfigError
from assay.governance import SigningKey, new_signing_key, signature_of
from assay.storage import Store, entry_signature_problem
from assay.testing import make_decision, store_runs
from assay.workflows import check_entry_signature

SIGNOFF = {"item": "safety-review", "role": "safety", "note": "ok"}


def _key(key: SigningKey, replaces: SigningKey | None = None, **extra: Any) -> dict[str, Any]:
    payload: dict[str, Any] = {
        **key.public_entry(),
        "replaces": None if replaces is None else replaces.fingerprint,
        **extra,
    }
    own = signature_of(key, payload, kind="key", subject=f"user:{key.name}")
    payload["signature"] = own.model_dump(mode="json")
    return payload


def _rotation(new: SigningKey, old: SigningKey) -> dict[str, Any]:
    payload = _key(new, old)
    rotation = signature_of(old, payload, kind="key", subject=f"user:{new.name}")
    return {**payload, "rotation": rotation.model_dump(mode="json")}


def _signoff(key: SigningKey, name: str | None = None) -> dict[str, Any]:
    payload = {**SIGNOFF, "name": name or key.name}
    signed = signature_of(key, payload, kind="signoff", subject="model:m")
    return {**payload, "signature": signed.model_dump(mode="json")}


def _whole_ledger_answer(store: Store, kind: str, subject: str, payload: dict[str, Any]) -> str:
    """What the check said when it read the whole ledger for the next sequence."""
    keys = store.decisions.entries(kind="key")
    sequence = len(store.decisions.ledger()) + 1
    problem = entry_signature_problem(keys, kind, subject, payload, sequence=sequence)
    return "stands" if problem is None else problem


def _answer(store: Store, kind: str, subject: str, payload: dict[str, Any]) -> str:
    try:
        check_entry_signature(kind, subject, payload, store=store)
    except ConfigError as exc:
        return (
            str(exc)
            .removeprefix("The entry does not stand: ")
            .removesuffix("; nothing was recorded.")
        )
    return "stands"


def test_the_same_answers_from_the_key_entries_alone(store: Store) -> None:
    ana, ana2, bo, bo2 = (new_signing_key(n) for n in ("ana", "ana", "bo", "bo"))
    r0, r1, _ = store_runs(store)
    store.decisions.record("key", "user:ana", _key(ana))
    store.decisions.record("key", "user:bo", _key(bo))
    store.decisions.put(make_decision(r0, r1, decision_id="d1"))
    store.decisions.record("signoff", "model:m", _signoff(ana))
    store.decisions.record("key", "user:ana", _rotation(ana2, ana))
    store.decisions.record("signoff", "model:m", {**SIGNOFF, "name": "cy"})
    store.decisions.record("key", "user:bo", _key(bo2, bo, revocation="laptop stolen"))
    store.decisions.record("signoff", "model:m", _signoff(bo2))
    assert store.decisions.verify().ok

    forged = _signoff(ana2)
    forged["signature"] = {
        **forged["signature"],
        "value": base64.b64encode(bytes(64)).decode(),
    }
    cases: list[tuple[str, str, dict[str, Any]]] = [
        ("signoff", "model:m", _signoff(ana2)),  # the current key
        ("signoff", "model:m", _signoff(ana)),  # the rotated-out key
        ("signoff", "model:m", _signoff(bo)),  # the revoked key
        ("signoff", "model:m", _signoff(bo2)),
        ("signoff", "model:m", _signoff(ana2, name="bo")),  # in another's name
        ("signoff", "model:m", forged),
        ("signoff", "model:m", _signoff(new_signing_key("cy"))),  # no key registered
        ("signoff", "model:m", {**SIGNOFF, "name": "cy"}),  # unsigned
        ("key", "user:ana", _rotation(new_signing_key("ana"), ana2)),
        ("key", "user:ana", _rotation(new_signing_key("ana"), ana)),  # by the old key
        ("key", "user:bo", _key(new_signing_key("bo"))),  # names no replaced key
    ]
    reads: list[str] = []

    def seen(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        reads.append(" ".join(statement.split()))

    expected = [_whole_ledger_answer(store, *case) for case in cases]
    sa.event.listen(store.engine, "before_cursor_execute", seen)
    try:
        answers = [_answer(store, *case) for case in cases]
    finally:
        sa.event.remove(store.engine, "before_cursor_execute", seen)
    assert answers == expected
    assert expected.count("stands") == 4 and len(set(expected)) == 8, expected
    assert "entry 9 is signed with the key" in expected[1]
    ledger_reads = [r for r in reads if "FROM ledger" in r]
    assert ledger_reads and all(
        "WHERE ledger.kind =" in r or "max(ledger.sequence)" in r for r in ledger_reads
    ), ledger_reads
