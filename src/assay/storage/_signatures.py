"""Checking the signatures of ledger entries against the keys the ledger registered.

A ``key`` entry about ``user:NAME`` registers NAME's Ed25519 public key; it must be signed by
that very key (proof that its maker holds the private half). A name has one key at a time: a
second ``key`` entry for it must name the key it replaces in ``replaces``. Every other entry
whose payload carries a ``signature`` is checked against the newest key registered for its
signer before it: an unregistered signer, another key's fingerprint, a signature that does
not match the payload (a forgery, or a payload altered after signing), or a server's ``by``
that is not the signer (someone else's signed payload sent again) each fail the check.
"""

from __future__ import annotations

import base64
import binascii
import importlib.util
from collections.abc import Mapping
from typing import Any

import pydantic

from assay.core import Signature
from assay.errors import ConfigError
from assay.governance import (
    check_signer_name,
    public_fingerprint,
    signed_message,
    verify_message,
)

__all__ = ["SignatureChecker"]


def _public_bytes(text: object) -> bytes | None:
    if not isinstance(text, str):
        return None
    try:
        raw = base64.b64decode(text.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError, ValueError):
        return None
    return raw if len(raw) == 32 else None


class SignatureChecker:
    """Walks the entries in order, remembering each name's current key."""

    def __init__(self) -> None:
        self.keys: dict[str, Mapping[str, Any]] = {}
        self.signed = 0
        self.unsigned = 0
        self.unchecked = 0
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
        return self._verify(sequence, key["public_key"], payload, signature)

    def _verify(
        self, sequence: int, public_key: str, payload: dict[str, Any], signature: Signature
    ) -> str | None:
        self.signed += 1
        if not self.available:
            self.unchecked += 1
            return None
        if not verify_message(public_key, signed_message(payload), signature.value):
            return (
                f"the signature of entry {sequence} by {signature.signer!r} does not match its "
                "payload: the payload was altered after signing, or the signature is forged"
            )
        return None

    def _register(self, sequence: int, subject: str, payload: dict[str, Any]) -> str | None:
        name = subject.removeprefix("user:")
        public = _public_bytes(payload.get("public_key"))
        try:
            valid_name = subject.startswith("user:") and check_signer_name(name) == name
        except ConfigError:
            valid_name = False
        if not valid_name or payload.get("name") != name:
            return f"entry {sequence} registers a key for {subject!r} under another name"
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
        raw = payload.get("signature")
        try:
            signature = Signature.model_validate(raw)
        except pydantic.ValidationError:
            return f"the key in entry {sequence} is not signed by itself"
        if signature.signer != name or signature.fingerprint != fingerprint:
            return f"the key in entry {sequence} is not signed by itself"
        problem = self._verify(sequence, str(payload["public_key"]), payload, signature)
        if problem is None:
            self.keys[name] = {"fingerprint": fingerprint, "public_key": payload["public_key"]}
        return problem

    def notes(self) -> tuple[str, ...]:
        """What the signature check covered, in words."""
        keys = len(self.keys)
        text = (
            f"signatures: {self.signed} signed entries checked against {keys} registered "
            f"key{'s' if keys != 1 else ''}, {self.unsigned} unsigned"
        )
        if self.unchecked:
            text += f"; {self.unchecked} signatures NOT checked: pip install 'assay[governance]'"
        return (text,)
