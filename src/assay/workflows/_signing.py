"""Signing what the workflows write to the ledger, and the keys that sign it.

One place signs: :func:`sign_payload`. Every workflow that appends a decision, an approval or
override, a launch sign-off, a study registration or a card publication passes its payload
through it, so that with a key configured each such entry proves who made it.

The key is the file named by ``ASSAY_SIGNING_KEY``, else ``signing-key.json`` in the user's
assay configuration folder (``$XDG_CONFIG_HOME/assay``, by default ``~/.config/assay``). Set
``ASSAY_SIGNING_KEY`` to the empty string to sign nothing (a team server that records
approvals for its signed-in users should: its own key would not be theirs).
"""

from __future__ import annotations

import getpass
import os
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel

from assay._util import atomic_path, check_instance
from assay.core import LedgerEntry, Signature
from assay.errors import ConfigError, ParameterError
from assay.governance import (
    SigningKey,
    check_signer_name,
    key_file_text,
    new_signing_key,
    read_key_file,
    signature_of,
)
from assay.storage import Store
from assay.workflows._store import resolve_store

__all__ = [
    "GeneratedKey",
    "default_key_path",
    "generate_key",
    "sign_model",
    "sign_payload",
    "signing_key",
]

_Model = TypeVar("_Model", bound=BaseModel)


def default_key_path() -> Path:
    """Where a signing key lives when ``ASSAY_SIGNING_KEY`` is not set."""
    config = os.environ.get("XDG_CONFIG_HOME") or str(Path("~/.config").expanduser())
    return Path(config).expanduser() / "assay" / "signing-key.json"


def signing_key() -> SigningKey | None:
    """The configured signing key, or None when none is (see the module docstring).

    A key named by ``ASSAY_SIGNING_KEY`` must exist; a key file others can read is refused,
    as ssh refuses one (``chmod 600 FILE``).
    """
    named = os.environ.get("ASSAY_SIGNING_KEY")
    if named is not None and not named.strip():
        return None
    path = Path(named).expanduser() if named is not None else default_key_path()
    try:
        status = path.stat()
    except FileNotFoundError:
        if named is None:
            return None
        raise ConfigError(
            f"ASSAY_SIGNING_KEY names {path}, which does not exist; create a key with "
            "`assay keys generate --name NAME --output FILE`, or set it empty to sign nothing."
        ) from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read the signing key: {exc.strerror}") from exc
    if os.name == "posix" and status.st_mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise ConfigError(
            f"{path}: the signing key can be read by others (mode "
            f"{stat.S_IMODE(status.st_mode):o}); `chmod 600 {path}` and try again."
        )
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read the signing key: {exc.strerror}") from exc
    return read_key_file(raw, source=str(path))


def sign_payload(payload: dict[str, Any], *, name: str | None) -> dict[str, Any]:
    """``payload`` with a ``signature`` added when a signing key is configured; unchanged
    (the same content, a new dict) when none is.

    The signature (``{"algorithm": "ed25519", "signer", "fingerprint", "value"}``, the
    value base64) covers the canonical JSON of the payload without ``signature`` and ``by``.
    ``name`` is who the payload says acts; when given it must be the key's owner
    (:class:`~assay.errors.ConfigError` otherwise: one person's key never signs another's
    entry). A payload that already carries a signature is refused.
    """
    check_instance(payload, "payload", "sign_payload", dict, "a JSON object (dict)")
    if name is not None:
        check_instance(name, "name", "sign_payload", str, "a name or None")
    if payload.get("signature") is not None:
        raise ParameterError("payload", "sign_payload", "a payload not yet signed", "a signed one")
    key = signing_key()
    if key is None:
        return dict(payload)
    if name is not None and name != key.name:
        raise ConfigError(
            f"The configured signing key belongs to {key.name!r}, not {name!r}: an entry is "
            f"signed only by the person it names. Act as {key.name!r}, or point "
            "ASSAY_SIGNING_KEY at your own key (empty to sign nothing)."
        )
    return {**payload, "signature": signature_of(key, payload).model_dump(mode="json")}


def sign_model(model: _Model, *, name: str | None) -> _Model:
    """A decision or approval with its ``signature`` set by :func:`sign_payload` (the same
    model when no key is configured)."""
    signed = sign_payload(model.model_dump(mode="json"), name=name)
    if signed.get("signature") is None:
        return model
    return model.model_copy(update={"signature": Signature.model_validate(signed["signature"])})


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


def _registered(st: Store, name: str) -> str | None:
    entries = st.decisions.entries(kind="key", subject=f"user:{name}")
    return str(entries[-1].payload.get("fingerprint")) if entries else None


def _login_name() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError) as exc:  # no login name in the environment or the user table
        raise ConfigError("Give --name: whose key this is (no login name was found).") from exc


def generate_key(
    name: str | None = None,
    *,
    output: str | Path | None = None,
    replace: bool = False,
    store: Store | None = None,
) -> GeneratedKey:
    """Make an Ed25519 key for ``name`` (default: the login name), write its private half to
    ``output`` (default :func:`default_key_path`; mode 0600, atomically, never into the store)
    and register its public half as a ``key`` ledger entry about ``user:NAME``, signed by
    itself.

    A name has one registered key at a time: when it already has one, ``replace=True`` is
    needed, and the new entry names the key it replaces (entries signed after it are checked
    against the new key). An existing file at ``output`` is never overwritten without
    ``replace``. The file is renamed into place only after the entry was recorded.
    """
    name = check_signer_name(name if name is not None else _login_name())
    path = Path(output).expanduser() if output is not None else default_key_path()
    st = resolve_store(store)
    previous = _registered(st, name)
    if previous is not None and not replace:
        raise ConfigError(
            f"{name!r} already has a registered key ({previous[:16]}...); a name has one key "
            "at a time. Replace it with `assay keys generate --replace` (entries signed "
            "later are checked against the new key)."
        )
    if path.exists() and not replace:
        raise ConfigError(f"{path} already exists; give another --output, or --replace.")
    key = new_signing_key(name)
    payload: dict[str, Any] = {**key.public_entry(), "replaces": previous}
    payload["signature"] = signature_of(key, payload).model_dump(mode="json")
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    with atomic_path(path) as temporary:
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            handle.write(key_file_text(key))
        entry = st.decisions.record("key", f"user:{name}", payload)
    return GeneratedKey(name, path, key.fingerprint, entry, previous)
