"""Replacing a signing key: a rotation signed by the old key, or a revocation that every
verification reports; a key file is never overwritten by another name's key; a signature
never verifies as another entry's (SQLite and PostgreSQL)."""

from __future__ import annotations

import base64
import os
from pathlib import Path

import pytest

from assay import workflows
from assay.errors import ConfigError
from assay.governance import new_signing_key, signature_of
from assay.storage import Store

SIGNOFF = {"item": "safety-review", "role": "safety", "name": "alice", "note": "ok"}


@pytest.fixture
def alice(store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "keys" / "alice.json"
    workflows.generate_key("alice", output=path, store=store)
    monkeypatch.setenv("ASSAY_SIGNING_KEY", str(path))
    return path


def _sign(kind: str = "signoff", subject: str = "model:m", **payload: object) -> dict[str, object]:
    return workflows.sign_payload({**SIGNOFF, **payload}, kind=kind, subject=subject, name=None)


def test_only_the_old_key_rotates_it(
    store: Store, alice: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ASSAY_SIGNING_KEY", "")  # mallory holds no key of alice's
    with pytest.raises(ConfigError, match="needs that key to sign the change"):
        workflows.generate_key("alice", output=tmp_path / "mallory.json", replace=True, store=store)
    assert len(store.decisions.ledger()) == 1 and not (tmp_path / "mallory.json").exists()
    monkeypatch.setenv("ASSAY_SIGNING_KEY", str(alice))
    done = workflows.generate_key("alice", output=tmp_path / "new.json", replace=True, store=store)
    assert done.revocation is None
    assert store.decisions.ledger()[-1].payload["rotation"]["signer"] == "alice"
    result = store.decisions.verify()
    assert result.ok and result.reason == "2 entries intact", result.reason


def test_a_revocation_is_reported_by_every_verification(
    store: Store, alice: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ASSAY_SIGNING_KEY", "")
    done = workflows.generate_key(
        "alice", output=tmp_path / "new.json", replace=True, revoke="laptop stolen", store=store
    )
    assert done.revocation == "laptop stolen"
    result = store.decisions.verify()
    assert result.ok and "1 key revocation not signed by the old key" in result.reason
    assert any("revoked 'alice''s key" in n and "laptop stolen" in n for n in result.notes)


def test_a_replacement_neither_rotated_nor_revoked_fails_verification(
    store: Store, alice: Path
) -> None:
    old = store.decisions.entries(kind="key")[0].payload["fingerprint"]
    taker = new_signing_key("alice")
    payload: dict[str, object] = {**taker.public_entry(), "replaces": old}
    own = signature_of(taker, payload, kind="key", subject="user:alice")
    store.decisions.record("key", "user:alice", {**payload, "signature": own.model_dump()})
    result = store.decisions.verify()
    assert (result.ok, result.first_bad_sequence) == (False, 2)
    assert "without a signature by that key (a rotation) or a stated revocation" in result.reason


def test_a_rotation_signed_by_another_key_fails_verification(store: Store, alice: Path) -> None:
    old = store.decisions.entries(kind="key")[0].payload["fingerprint"]
    taker = new_signing_key("alice")
    payload: dict[str, object] = {**taker.public_entry(), "replaces": old}
    own = signature_of(taker, payload, kind="key", subject="user:alice").model_dump()
    store.decisions.record("key", "user:alice", {**payload, "signature": own, "rotation": own})
    result = store.decisions.verify()
    assert not result.ok and "not signed by 'alice''s current key" in result.reason


def test_an_admin_registered_key_is_named_in_the_notes(store: Store) -> None:
    made = new_signing_key("carol")
    payload: dict[str, object] = {**made.public_entry(), "replaces": None}
    own = signature_of(made, payload, kind="key", subject="user:carol")
    store.decisions.record(
        "key", "user:carol", {**payload, "signature": own.model_dump(), "by": "root"}
    )
    result = store.decisions.verify()
    assert result.ok, result.reason
    assert "entry 1: 'carol''s key was registered by 'root', not by its owner" in result.notes


def test_another_names_key_file_is_never_overwritten(
    store: Store, alice: Path, tmp_path: Path
) -> None:
    with pytest.raises(ConfigError, match="--overwrite"):
        workflows.generate_key("bob", output=alice, store=store)
    with pytest.raises(ConfigError, match="holds the signing key of 'alice', not 'bob'"):
        workflows.generate_key("bob", output=alice, overwrite=True, store=store)
    with pytest.raises(ConfigError, match="holds the signing key of 'alice', not 'bob'"):
        workflows.generate_key("bob", output=alice, replace=True, overwrite=True, store=store)
    assert len(store.decisions.ledger()) == 1
    # alice's own file is rotated in place: the old key, read from it, signs the change
    done = workflows.generate_key("alice", output=alice, replace=True, overwrite=True, store=store)
    assert done.revocation is None and store.decisions.verify().ok


@pytest.mark.parametrize(
    ("kind", "subject", "other"),
    [
        ("signoff", "model:m", ("signoff", "model:n")),
        ("signoff", "model:m", ("card", "model:m")),
        ("study_event", "study:a", ("study_event", "study:b")),
    ],
)
def test_a_signature_is_not_another_entrys(
    store: Store, alice: Path, kind: str, subject: str, other: tuple[str, str]
) -> None:
    signed = _sign(kind, subject)
    store.decisions.record(other[0], other[1], signed)
    result = store.decisions.verify()
    assert (result.ok, result.first_bad_sequence) == (False, 2)
    assert "does not match its payload, kind or subject" in result.reason


def test_a_signed_signoff_names_its_signer(store: Store, alice: Path) -> None:
    store.decisions.record("signoff", "model:m", _sign(name="bob"))
    result = store.decisions.verify()
    assert not result.ok and "in the name of 'bob' but carries 'alice''s signature" in result.reason


def test_without_cryptography_the_ledger_is_not_shown_intact(
    store: Store, alice: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store.decisions.record("signoff", "model:m", _sign())
    forged = {**_sign()["signature"], "value": base64.b64encode(os.urandom(64)).decode()}
    store.decisions.record("signoff", "model:m", {**SIGNOFF, "signature": forged})
    monkeypatch.setattr("importlib.util.find_spec", lambda name, *a: None)
    result = store.decisions.verify()
    assert not result.ok and result.first_bad_sequence is None
    assert result.unchecked_signatures == 3
    assert "3 signatures NOT checked" in result.reason
