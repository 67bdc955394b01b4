"""Checking the signatures of ledger entries against the keys the ledger registered.

What a signature covers is :func:`assay.governance.signed_message`: the entry's kind, its
subject (the decision id of a decision or approval) and its payload, so a signature made for
one entry never verifies as another's.

A ``key`` entry about ``user:NAME`` registers NAME's Ed25519 public key; it must be signed by
that very key (proof that its maker holds the private half). A name has one key at a time: a
second ``key`` entry for it must name the key it replaces in ``replaces`` and either carry a
``rotation`` signature of the new entry by that replaced key (the owner rotated it), or state
a ``revocation`` reason (the old key was lost or taken: anyone with write access could have
recorded it, so every revocation is reported in the verification's headline and notes). A
key recorded by a server for another identity than its owner (``by``, an admin) is reported in
the notes too.

Every other entry whose payload carries a ``signature`` is checked against the newest key
registered for its signer before it: an unregistered signer, another key's fingerprint, a
signature that does not match the entry (a forgery, a payload altered after signing, or a
signature copied from another entry), a server's ``by`` that is not the signer, or an approval
or sign-off whose ``name`` is not the signer each fail the check.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Iterable, Mapping
from typing import Any

import pydantic

from assay._util import check_instance, check_int, plural
from assay.core import LedgerEntry, Signature
from assay.errors import ConfigError
from assay.storage._rows import check_text

__all__ = ["SignatureChecker", "entry_signature_problem"]

_NAMED_KINDS = ("approval", "signoff")
"""Kinds whose payload names who acts: when signed, that name must be the signer."""


class SignatureChecker:
    """Walks the entries in order, remembering each name's current key."""

    def __init__(self) -> None:
        self.keys: dict[str, Mapping[str, Any]] = {}
        self.signed = 0
        self.unsigned = 0
        self.unchecked = 0
        self.revocations: list[str] = []
        self.registered_by_others: list[str] = []
        self.available = importlib.util.find_spec("cryptography") is not None

    def check(self, sequence: int, kind: str, subject: str, payload: dict[str, Any]) -> str | None:
        """The reason entry ``sequence`` fails, or None."""
        if kind == "key":
            return self._register(sequence, subject, payload)
        raw = payload.get("signature")
        if raw is None:
            self.unsigned += 1
            return None
        try:
            signature = Signature.model_validate(raw)
        except pydantic.ValidationError:
            return f"the signature of entry {sequence} is not a signature"
        key = self.keys.get(signature.signer)
        if key is None:
            return (
                f"entry {sequence} is signed by {signature.signer!r}, who has no key registered "
                "before it"
            )
        if signature.fingerprint != key["fingerprint"]:
            return (
                f"entry {sequence} is signed with the key {signature.fingerprint[:16]}..., not "
                f"{signature.signer!r}'s registered key {str(key['fingerprint'])[:16]}..."
            )
        by = payload.get("by")
        if by is not None and by != signature.signer:
            return (
                f"entry {sequence} was sent by {by!r} but carries {signature.signer!r}'s signature"
            )
        if kind in _NAMED_KINDS and payload.get("name") != signature.signer:
            return (
                f"entry {sequence} is a {kind} in the name of {str(payload.get('name'))[:100]!r} "
                f"but carries {signature.signer!r}'s signature"
            )
        return self._verify(sequence, key["public_key"], kind, subject, payload, signature)

    def _verify(
        self,
        sequence: int,
        public_key: str,
        kind: str,
        subject: str,
        payload: dict[str, Any],
        signature: Signature,
    ) -> str | None:
        self.signed += 1
        if not self.available:
            self.unchecked += 1
            return None
        from assay.governance import signed_message, verify_message  # only when checking

        message = signed_message(payload, kind=kind, subject=subject)
        if not verify_message(public_key, message, signature.value):
            return (
                f"the signature of entry {sequence} by {signature.signer!r} does not match its payload, kind or subject: "
                "it was altered after signing, the signature was made for another entry, "
                "or it is forged"
            )
        return None

    def _register(self, sequence: int, subject: str, payload: dict[str, Any]) -> str | None:
        from assay.governance import check_signer_name, decode_key, public_fingerprint

        name = subject.removeprefix("user:")
        try:
            valid_name = subject.startswith("user:") and check_signer_name(name) == name
        except ConfigError:
            valid_name = False
        if not valid_name or payload.get("name") != name:
            return f"entry {sequence} registers a key for {subject!r} under another name"
        try:
            public = decode_key(payload.get("public_key"), 32, "the public key")
        except ConfigError:
            public = None
        if payload.get("algorithm") != "ed25519" or public is None:
            return f"entry {sequence} does not hold an Ed25519 public key"
        fingerprint = public_fingerprint(public)
        if payload.get("fingerprint") != fingerprint:
            return f"the fingerprint in entry {sequence} is not its key's"
        current = self.keys.get(name)
        if current is not None and payload.get("replaces") != current["fingerprint"]:
            return (
                f"entry {sequence} registers a second key for {name!r} without naming the key "
                f"it replaces ({str(current['fingerprint'])[:16]}...)"
            )
        try:
            signature = Signature.model_validate(payload.get("signature"))
        except pydantic.ValidationError:
            return f"the key in entry {sequence} is not signed by itself"
        if signature.signer != name or signature.fingerprint != fingerprint:
            return f"the key in entry {sequence} is not signed by itself"
        problem = self._verify(
            sequence, str(payload["public_key"]), "key", subject, payload, signature
        )
        if problem is None:
            problem = self._replacement(sequence, name, subject, payload)
        if problem is None:
            self.keys[name] = {"fingerprint": fingerprint, "public_key": payload["public_key"]}
            by = payload.get("by")
            if by is not None and by != name:
                self.registered_by_others.append(
                    f"entry {sequence}: {name!r}'s key was registered by {str(by)[:100]!r}, "
                    "not by its owner"
                )
        return problem

    def _replacement(
        self, sequence: int, name: str, subject: str, payload: dict[str, Any]
    ) -> str | None:
        """Why a second key for ``name`` does not stand; a revocation is remembered."""
        current = self.keys.get(name)
        if current is None:
            return None
        if payload.get("rotation") is not None:
            try:
                rotation = Signature.model_validate(payload["rotation"])
            except pydantic.ValidationError:
                return f"the rotation in entry {sequence} is not a signature"
            if rotation.signer != name or rotation.fingerprint != current["fingerprint"]:
                return f"the rotation in entry {sequence} is not signed by {name!r}'s current key"
            return self._verify(
                sequence, str(current["public_key"]), "key", subject, payload, rotation
            )
        reason = payload.get("revocation")
        if not isinstance(reason, str) or not reason.strip():
            return (
                f"entry {sequence} replaces {name!r}'s key without a signature by that key "
                "(a rotation) or a stated revocation"
            )
        by = payload.get("by")
        who = f" by {str(by)[:100]!r}" if by is not None else ""
        self.revocations.append(
            f"entry {sequence} revoked {name!r}'s key{who} without its signature "
            f"(reason: {reason[:200]!r})"
        )
        return None

    def headline(self) -> str:
        """What the verification's headline must add (empty when nothing)."""
        parts = []
        if self.unchecked:
            parts.append(
                f"{plural(self.unchecked, 'signature')} NOT checked "
                "(pip install 'assay[governance]')"
            )
        if self.revocations:
            parts.append(
                f"{plural(len(self.revocations), 'key revocation')} not signed by the old key"
            )
        return "; ".join(parts)

    def notes(self) -> tuple[str, ...]:
        """What the signature check covered, in words."""
        text = (
            f"signatures: {plural(self.signed, 'signed entry', 'signed entries')} checked "
            f"against {plural(len(self.keys), 'registered key')}, {self.unsigned:,} unsigned"
        )
        if self.unchecked:
            text += (
                f"; {plural(self.unchecked, 'signature')} NOT checked: "
                "pip install 'assay[governance]'"
            )
        return (text, *self.revocations, *self.registered_by_others)


def entry_signature_problem(
    keys: Iterable[LedgerEntry],
    kind: str,
    subject: str,
    payload: dict[str, Any],
    *,
    sequence: int,
) -> str | None:
    """Why the signature of entry ``sequence`` does not stand against the ``key`` entries
    before it (oldest first), or None (also when it is unsigned). The same check as the
    ledger's verification; a key entry that itself does not stand is skipped, as verification
    would stop there."""
    where = "entry_signature_problem"
    check_text(kind, "kind", where, "a ledger entry kind")
    check_text(subject, "subject", where, "the entry's subject")
    check_instance(payload, "payload", where, dict, "the entry's payload (a dict)")
    check_int(sequence, "sequence", where, minimum=1)
    checker = SignatureChecker()
    for key in keys:
        checker.check(key.sequence, key.kind, key.decision_id, dict(key.payload))
    if not checker.available and payload.get("signature") is not None:
        return "its signature cannot be checked here: pip install 'assay[governance]'"
    return checker.check(sequence, kind, subject, payload)
