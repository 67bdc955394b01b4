"""Ed25519 signatures of ledger payloads: keys, their files, signing and checking.

What is signed is :func:`signed_message`: the canonical JSON (sorted keys, no whitespace,
UTF-8) of ``{"kind": KIND, "subject": SUBJECT, "payload": PAYLOAD}``, the payload without its
``signature`` key and without ``by`` (the identity a team server adds after the client
signed); a ``key`` entry's ``rotation`` (the replaced key's signature of the same message) is
not covered either. The subject is the entry's subject (``user:NAME``, ``model:NAME``,
``study:NAME``), or the decision id for a decision and its approvals, so a signature made for
one entry never verifies as another's. A key's fingerprint is the SHA-256 hex of its raw 32-byte
public key. Signatures and keys travel as standard base64 of their raw bytes (RFC 8032).

``cryptography`` is needed only to make or check a signature: ``pip install
'assay[governance]'``.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from assay._util import require
from assay.core import Signature, canonical_json
from assay.errors import ConfigError

__all__ = [
    "SigningKey",
    "check_signer_name",
    "decode_key",
    "key_file_text",
    "new_signing_key",
    "public_fingerprint",
    "read_key_file",
    "sign_message",
    "signature_of",
    "signed_message",
    "verify_message",
]

ALGORITHM = "ed25519"
UNSIGNED_KEYS = ("signature", "by")
"""Payload keys a signature does not cover: itself, and the server's ``by``."""
ROTATION = "rotation"
"""The key of a ``key`` entry's signature by the key it replaces (not covered either)."""
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@+-]{0,99}$")
_KEY_FIELDS = {"algorithm", "name", "private_key", "public_key", "fingerprint"}
MAX_KEY_FILE = 4096


def _ed25519() -> Any:
    module = require(
        "cryptography.hazmat.primitives.asymmetric.ed25519",
        "governance",
        feature="signed ledger entries",
    )
    return module


def decode_key(text: object, size: int, what: str) -> bytes:
    """The raw bytes of base64 ``text`` of ``size`` bytes (a key or a signature);
    ConfigError naming ``what`` otherwise."""
    if not isinstance(text, str):
        raise ConfigError(f"{what} is base64 text; got {type(text).__name__}.")
    try:
        raw = base64.b64decode(text.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError, ValueError):
        raise ConfigError(f"{what} is not base64.") from None
    if len(raw) != size:
        raise ConfigError(f"{what} is {len(raw)} bytes; an Ed25519 one is {size}.")
    return raw


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")


def public_fingerprint(public_key: bytes) -> str:
    """SHA-256 hex of a raw 32-byte public key."""
    return hashlib.sha256(public_key).hexdigest()


def check_signer_name(name: object) -> str:
    """A signer's name: 1 to 100 letters, digits and ``. _ @ + -`` (it becomes ``user:NAME``)."""
    if not isinstance(name, str) or not _NAME.match(name):
        raise ConfigError(
            "A signer's name is 1 to 100 letters, digits and . _ @ + - (starting with a letter "
            f"or digit); got {str(name)[:80]!r}."
        )
    return name


@dataclass(frozen=True)
class SigningKey:
    """A person's Ed25519 key pair and the name its public half is registered under."""

    name: str
    """Whose key: the ledger's ``key`` entry about ``user:NAME`` holds its public half."""
    private_key: bytes
    """The raw 32-byte private key (the RFC 8032 seed). Never stored in the ledger."""
    public_key: bytes
    """The raw 32-byte public key."""

    @property
    def fingerprint(self) -> str:
        """SHA-256 hex of the public key."""
        return public_fingerprint(self.public_key)

    def public_entry(self) -> dict[str, Any]:
        """The payload of the ``key`` ledger entry that registers this key."""
        return {
            "algorithm": ALGORITHM,
            "name": self.name,
            "public_key": _b64(self.public_key),
            "fingerprint": self.fingerprint,
        }


def _from_private(name: str, private_key: bytes) -> SigningKey:
    ed = _ed25519()
    key = ed.Ed25519PrivateKey.from_private_bytes(private_key)
    public = key.public_key().public_bytes_raw()
    return SigningKey(name=name, private_key=private_key, public_key=public)


def new_signing_key(name: str) -> SigningKey:
    """A fresh random Ed25519 key for ``name``."""
    check_signer_name(name)
    private = _ed25519().Ed25519PrivateKey.generate().private_bytes_raw()
    return _from_private(name, private)


def key_file_text(key: SigningKey) -> str:
    """The private key file: a JSON object with the name, both keys (base64) and the
    fingerprint."""
    return json.dumps({**key.public_entry(), "private_key": _b64(key.private_key)}, indent=2)


def read_key_file(raw: bytes, *, source: str) -> SigningKey:
    """A key from the text :func:`key_file_text` wrote; ConfigError naming ``source`` if it is
    not one, or if its public key or fingerprint does not belong to its private key."""
    if len(raw) > MAX_KEY_FILE:
        raise ConfigError(f"{source}: larger than a signing key file ({len(raw):,} bytes).")
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise ConfigError(f"{source}: not a signing key file (not JSON: {exc}).") from None
    if not isinstance(data, dict) or set(data) != _KEY_FIELDS:
        raise ConfigError(
            f"{source}: not a signing key file; it holds the fields {sorted(_KEY_FIELDS)}."
        )
    if data["algorithm"] != ALGORITHM:
        raise ConfigError(f"{source}: the algorithm is {data['algorithm']!r}, not 'ed25519'.")
    try:
        name = check_signer_name(data["name"])
        key = _from_private(name, decode_key(data["private_key"], 32, "the private key"))
    except ConfigError as exc:
        raise ConfigError(f"{source}: {exc}") from None
    if data["public_key"] != _b64(key.public_key) or data["fingerprint"] != key.fingerprint:
        raise ConfigError(f"{source}: its public key does not belong to its private key.")
    return key


def signed_message(payload: Mapping[str, Any], *, kind: str, subject: str) -> bytes:
    """The bytes the signature of a ``kind`` entry about ``subject`` covers (see the module
    docstring)."""
    skipped = (*UNSIGNED_KEYS, ROTATION) if kind == "key" else UNSIGNED_KEYS
    covered = {k: v for k, v in payload.items() if k not in skipped}
    return canonical_json({"kind": kind, "subject": subject, "payload": covered}).encode("utf-8")


def sign_message(private_key: bytes, message: bytes) -> str:
    """The base64 Ed25519 signature of ``message`` by a raw 32-byte private key."""
    key = _ed25519().Ed25519PrivateKey.from_private_bytes(private_key)
    return _b64(key.sign(message))


def signature_of(
    key: SigningKey, payload: Mapping[str, Any], *, kind: str, subject: str
) -> Signature:
    """``key``'s signature of ``payload`` as a ``kind`` entry about ``subject`` (of
    :func:`signed_message`)."""
    return Signature(
        signer=key.name,
        fingerprint=key.fingerprint,
        value=sign_message(key.private_key, signed_message(payload, kind=kind, subject=subject)),
    )


def verify_message(public_key: str, message: bytes, signature: str) -> bool:
    """Whether ``signature`` (base64) is a valid Ed25519 signature of ``message`` by
    ``public_key`` (base64); False for malformed keys or signatures too."""
    ed = _ed25519()
    exceptions = require("cryptography.exceptions", "governance")
    try:
        key = ed.Ed25519PublicKey.from_public_bytes(decode_key(public_key, 32, "the public key"))
        key.verify(decode_key(signature, 64, "the signature"), message)
    except (ConfigError, ValueError, exceptions.InvalidSignature):
        return False
    return True
