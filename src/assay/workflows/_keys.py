"""Making a person's signing key and registering it in the ledger, or replacing it.

A name has one registered key at a time. A replacement is a rotation, signed by the key it
replaces (``rotation``), or, when that key is lost or taken, a stated revocation
(``revocation``), which every ledger verification reports (see
:mod:`assay.storage._signatures`).
"""

from __future__ import annotations

import getpass
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from assay._util import atomic_path, check_instance
from assay.core import LedgerEntry
from assay.errors import ConfigError
from assay.governance import (
    SigningKey,
    check_signer_name,
    key_file_text,
    new_signing_key,
    read_key_file,
    signature_of,
)
from assay.storage import Store
from assay.workflows._signing import default_key_path, signing_key
from assay.workflows._store import resolve_store

__all__ = ["GeneratedKey", "generate_key"]


@dataclass(frozen=True)
class GeneratedKey:
    """A key written by :func:`generate_key`."""

    name: str
    """Whose key (the ledger subject ``user:NAME``)."""
    path: Path
    """The private key file (mode 0600)."""
    fingerprint: str
    """SHA-256 hex of the public key."""
    entry: LedgerEntry
    """The ``key`` ledger entry that registered the public key."""
    replaces: str | None
    """The fingerprint of the key it replaces, if any."""
    revocation: str | None = None
    """The stated reason when it replaced a key without that key's signature."""


def _registered(st: Store, name: str) -> str | None:
    entries = st.decisions.entries(kind="key", subject=f"user:{name}")
    return str(entries[-1].payload.get("fingerprint")) if entries else None


def _login_name() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError) as exc:  # no login name in the environment or the user table
        raise ConfigError("Give --name: whose key this is (no login name was found).") from exc


def _key_at(path: Path) -> SigningKey | None:
    """The key in the file at ``path``; None when there is none or it is not a key file."""
    try:
        return read_key_file(path.read_bytes(), source=str(path))
    except (OSError, ConfigError):
        return None


def _check_output(path: Path, name: str, overwrite: bool) -> None:
    if not path.exists():
        return
    if not overwrite:
        raise ConfigError(
            f"{path} already exists; give another --output, or --overwrite to replace the file."
        )
    found = _key_at(path)
    if found is None:
        raise ConfigError(f"{path} is not a signing key file; it is left alone. Move it away.")
    if found.name != name:
        raise ConfigError(
            f"{path} holds the signing key of {found.name!r}, not {name!r}; it is never "
            "overwritten by another name's key. Give another --output."
        )


def _current_key(path: Path, name: str, fingerprint: str) -> SigningKey | None:
    """The private half of ``name``'s registered key, if at ``path`` or configured."""
    try:
        configured = signing_key()
    except ConfigError:
        configured = None
    for key in (_key_at(path), configured):
        if key is not None and key.name == name and key.fingerprint == fingerprint:
            return key
    return None


def generate_key(
    name: str | None = None,
    *,
    output: str | Path | None = None,
    replace: bool = False,
    overwrite: bool = False,
    revoke: str | None = None,
    store: Store | None = None,
) -> GeneratedKey:
    """Make an Ed25519 key for ``name`` (default: the login name), write its private half to
    ``output`` (default :func:`default_key_path`; mode 0600, atomically, never into the store)
    and register its public half as a ``key`` ledger entry about ``user:NAME``, signed by
    itself.

    A name has one registered key at a time: when it already has one, ``replace=True`` is
    needed, and the new entry names the key it replaces and is signed by it too (a rotation:
    its private half is read from ``output`` or the configured key). When that key is lost,
    ``revoke`` states why and the entry is recorded without its signature, as a revocation
    that every ledger verification reports. An existing file at ``output`` is overwritten only
    with ``overwrite``, and never when it holds another name's key. The file is renamed into
    place only after the entry was recorded.
    """
    name = check_signer_name(name if name is not None else _login_name())
    if revoke is not None:
        check_instance(revoke, "revoke", "generate_key", str, "the reason, in words")
        if not revoke.strip():
            raise ConfigError("A revocation needs its reason (--revoke TEXT).")
    path = Path(output).expanduser() if output is not None else default_key_path()
    st = resolve_store(store)
    previous = _registered(st, name)
    if previous is not None and not replace:
        raise ConfigError(
            f"{name!r} already has a registered key ({previous[:16]}...); a name has one key "
            "at a time. Replace it with `assay keys generate --replace`."
        )
    _check_output(path, name, overwrite)
    subject = f"user:{name}"
    key = new_signing_key(name)
    payload: dict[str, Any] = {**key.public_entry(), "replaces": previous}
    old = _current_key(path, name, previous) if previous is not None else None
    if previous is not None and old is None:
        if revoke is None:
            raise ConfigError(
                f"Replacing {name!r}'s key needs that key to sign the change (a rotation): "
                "keep it at --output (with --overwrite) or point ASSAY_SIGNING_KEY at it. If it "
                "is lost or taken, revoke it instead: --revoke REASON (every `assay ledger "
                "verify` reports a revocation). Nothing was recorded."
            )
        payload["revocation"] = revoke
    payload["signature"] = signature_of(key, payload, kind="key", subject=subject).model_dump(
        mode="json"
    )
    if old is not None:
        rotation = signature_of(old, payload, kind="key", subject=subject)
        payload["rotation"] = rotation.model_dump(mode="json")
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    with atomic_path(path) as temporary:
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            handle.write(key_file_text(key))
        entry = st.decisions.record("key", subject, payload)
    revocation = payload.get("revocation")
    return GeneratedKey(name, path, key.fingerprint, entry, previous, revocation)
