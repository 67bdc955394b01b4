"""Signed ledger entries: made by ``sign_payload`` with a registered Ed25519 key, checked by
``DecisionRepository.verify`` against that key (SQLite and PostgreSQL), and cross-checked with
``cryptography`` directly."""

from __future__ import annotations

import base64
import json
import os
import stat
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)

from assay import workflows
from assay.core import Approval, canonical_json
from assay.errors import ConfigError
from assay.storage import Store
from assay.storage._ledger import entry_hash
from assay.testing import make_decision, store_runs

SIGNOFF = {"item": "safety-review", "role": "safety", "name": "alice", "note": "ok"}
AS_SIGNOFF = {"kind": "signoff", "subject": "model:m"}


@pytest.fixture
def alice(store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Alice's key, registered in ``store`` and configured as the signing key."""
    path = tmp_path / "keys" / "alice.json"
    workflows.generate_key("alice", output=path, store=store)
    monkeypatch.setenv("ASSAY_SIGNING_KEY", str(path))
    return path


def _rewrite(store: Store, sequence: int, change: dict[str, Any]) -> None:
    """Change one entry's payload and re-hash the whole chain from there, as someone who can
    write the database could: the hash chain alone no longer shows it."""
    with store.engine.begin() as conn:
        rows = conn.execute(sa.text("SELECT * FROM ledger ORDER BY sequence")).mappings().all()
        previous = "0" * 64
        for row in rows:
            payload = json.loads(row["payload"])
            if row["sequence"] == sequence:
                payload.update(change)
            new = entry_hash(row["sequence"], row["decision_id"], row["kind"], payload, previous)
            conn.execute(
                sa.text(
                    "UPDATE ledger SET payload = :p, previous_hash = :ph, entry_hash = :h "
                    "WHERE sequence = :s"
                ),
                {"p": canonical_json(payload), "ph": previous, "h": new, "s": row["sequence"]},
            )
            previous = new


def test_a_generated_key_is_private_registered_and_signs_what_cryptography_verifies(
    store: Store, alice: Path
) -> None:
    assert stat.S_IMODE(os.stat(alice).st_mode) == 0o600
    private = json.loads(alice.read_text())["private_key"]
    key = Ed25519PrivateKey.from_private_bytes(base64.b64decode(private))
    (registered,) = store.decisions.entries(kind="key", subject="user:alice")
    public_raw = key.public_key().public_bytes_raw()
    assert registered.payload["public_key"] == base64.b64encode(public_raw).decode()
    assert "private_key" not in registered.payload
    signed = workflows.sign_payload(dict(SIGNOFF), **AS_SIGNOFF, name="alice")
    assert {k: signed[k] for k in SIGNOFF} == SIGNOFF
    signature = signed["signature"]
    assert signature["signer"] == "alice" and signature["algorithm"] == "ed25519"
    # independent check: the canonical JSON of the kind, the subject and the payload without
    # its signature
    covered = {"kind": "signoff", "subject": "model:m", "payload": SIGNOFF}
    message = json.dumps(covered, sort_keys=True, separators=(",", ":")).encode()
    public = Ed25519PublicKey.from_public_bytes(public_raw)
    public.verify(base64.b64decode(signature["value"]), message)  # raises if invalid


def test_without_a_key_nothing_is_signed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ASSAY_SIGNING_KEY", "")
    assert workflows.sign_payload(dict(SIGNOFF), **AS_SIGNOFF, name="alice") == SIGNOFF


def test_a_key_signs_only_for_its_owner(store: Store, alice: Path) -> None:
    with pytest.raises(ConfigError, match="belongs to 'alice', not 'bob'"):
        workflows.sign_payload(dict(SIGNOFF), **AS_SIGNOFF, name="bob")
    with pytest.raises(ConfigError, match="already has a registered key"):
        workflows.generate_key("alice", output=alice.parent / "again.json", store=store)
    assert not (alice.parent / "again.json").exists()
    assert len(store.decisions.ledger()) == 1


def test_signed_decisions_approvals_and_signoffs_verify(store: Store, alice: Path) -> None:
    r0, r1, _ = store_runs(store)
    decision = workflows._signing.sign_model(
        make_decision(r0, r1, decision_id="d1"), kind="decision", subject="d1", name=None
    )
    store.decisions.put(decision)
    entry = workflows.approve("d1", role="lead", name="alice", store=store)
    assert Approval.model_validate(entry.payload).signature is not None
    store.decisions.record(
        "signoff", "model:m", workflows.sign_payload(SIGNOFF, **AS_SIGNOFF, name=None)
    )
    store.decisions.record("signoff", "model:m", {**SIGNOFF, "name": "carol"})  # unsigned
    result = store.decisions.verify()
    assert result.ok, result.reason
    assert any("4 signed entries" in n and "1 unsigned" in n for n in result.notes), result.notes
    assert store.decisions.get("d1").signature == decision.signature


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"note": "changed after signing"}, "does not match its payload"),
        ({"role": "privacy"}, "does not match its payload"),
    ],
)
def test_a_payload_altered_after_signing_fails_even_with_a_rehashed_chain(
    store: Store, alice: Path, change: dict[str, Any], reason: str
) -> None:
    store.decisions.record(
        "signoff", "model:m", workflows.sign_payload(SIGNOFF, **AS_SIGNOFF, name=None)
    )
    _rewrite(store, 2, change)
    result = store.decisions.verify()
    assert (result.ok, result.first_bad_sequence) == (False, 2)
    assert reason in result.reason


def test_a_forged_signature_is_rejected(store: Store, alice: Path) -> None:
    signed = workflows.sign_payload(SIGNOFF, **AS_SIGNOFF, name=None)
    forged = {**signed["signature"], "value": base64.b64encode(os.urandom(64)).decode()}
    store.decisions.record("signoff", "model:m", {**SIGNOFF, "signature": forged})
    result = store.decisions.verify()
    assert (result.ok, result.first_bad_sequence) == (False, 2)
    assert "forged" in result.reason


def test_a_swapped_or_unregistered_key_is_rejected(
    store: Store, alice: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Bob's registered key signs a payload that claims to be Alice's signature.
    bob = tmp_path / "bob.json"
    workflows.generate_key("bob", output=bob, store=store)
    monkeypatch.setenv("ASSAY_SIGNING_KEY", str(bob))
    by_bob = workflows.sign_payload(SIGNOFF, **AS_SIGNOFF, name=None)["signature"]
    store.decisions.record(
        "signoff", "model:m", {**SIGNOFF, "signature": {**by_bob, "signer": "alice"}}
    )
    result = store.decisions.verify()
    assert (result.ok, result.first_bad_sequence) == (False, 3)
    assert "not 'alice''s registered key" in result.reason


def test_a_signer_without_a_registered_key_is_rejected(
    store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from assay.governance import key_file_text, new_signing_key

    path = tmp_path / "carol.json"
    path.write_text(key_file_text(new_signing_key("carol")))
    path.chmod(0o600)
    monkeypatch.setenv("ASSAY_SIGNING_KEY", str(path))
    store.decisions.record(
        "signoff", "model:m", workflows.sign_payload(SIGNOFF, **AS_SIGNOFF, name=None)
    )
    result = store.decisions.verify()
    assert not result.ok and "'carol', who has no key registered before it" in result.reason


def test_a_signed_payload_sent_again_by_another_user_is_rejected(store: Store, alice: Path) -> None:
    signed = workflows.sign_payload(SIGNOFF, **AS_SIGNOFF, name=None)
    store.decisions.record("signoff", "model:m", {**signed, "by": "mallory"})
    result = store.decisions.verify()
    assert not result.ok and "sent by 'mallory'" in result.reason


def test_a_second_key_must_name_the_key_it_replaces(
    store: Store, alice: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = store.decisions.entries(kind="key")[0].payload["fingerprint"]
    rotated = workflows.generate_key(
        "alice", output=tmp_path / "alice2.json", replace=True, store=store
    )
    assert rotated.replaces == first
    monkeypatch.setenv("ASSAY_SIGNING_KEY", str(tmp_path / "alice2.json"))
    store.decisions.record(
        "signoff", "model:m", workflows.sign_payload(SIGNOFF, **AS_SIGNOFF, name=None)
    )
    assert store.decisions.verify().ok
    _rewrite(store, 2, {"replaces": None})
    result = store.decisions.verify()
    assert (result.ok, result.first_bad_sequence) == (False, 2)
    assert "second key for 'alice' without naming the key it replaces" in result.reason


def test_a_key_file_others_can_read_is_refused(alice: Path) -> None:
    alice.chmod(0o644)
    with pytest.raises(ConfigError, match="can be read by others"):
        workflows.sign_payload(SIGNOFF, **AS_SIGNOFF, name=None)


def test_a_key_is_named_for_the_login_by_default(
    store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LOGNAME", "dana")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    done = workflows.generate_key(store=store)
    assert done.name == "dana" and done.path == tmp_path / "config" / "assay" / "signing-key.json"
    assert stat.S_IMODE(os.stat(done.path.parent).st_mode) == 0o700
    assert store.decisions.entries(kind="key")[0].decision_id == "user:dana"
    monkeypatch.delenv("ASSAY_SIGNING_KEY", raising=False)  # the default place signs
    assert (
        workflows.sign_payload({"a": 1}, kind="study", subject="study:s", name=None)["signature"][
            "signer"
        ]
        == "dana"
    )
