"""Signing what the workflows write to the ledger, and the keys that sign it.

One place signs: :func:`sign_payload`. Every workflow that appends a decision, an approval or
override, a launch sign-off, a study registration or a card publication passes its payload
through it, so that with a key configured each such entry proves who made it.

The key is the file named by ``ASSAY_SIGNING_KEY``, else ``signing-key.json`` in the user's
assay configuration folder (``$XDG_CONFIG_HOME/assay``, by default ``~/.config/assay``). Set
``ASSAY_SIGNING_KEY`` to the empty string to sign nothing. Inside :func:`unsigned` nothing is
signed whatever is configured: a team server runs every workflow that way, since the key of
whoever started it is not its signed-in users' (their clients sign what they send).
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel

from assay._util import check_instance
from assay.core import Signature
from assay.errors import ConfigError, ParameterError
from assay.governance import (
    SigningKey,
    read_key_file,
    signature_of,
)

__all__ = [
    "default_key_path",
    "sign_model",
    "sign_payload",
    "signing_key",
    "unsigned",
]

_SIGNING = ContextVar("assay_signing", default=True)


@contextmanager
def unsigned() -> Iterator[None]:
    """Within it (in this thread or task, and those it starts), :func:`sign_payload` signs
    nothing and :func:`signing_key` reads no key file."""
    token = _SIGNING.set(False)
    try:
        yield
    finally:
        _SIGNING.reset(token)


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
    if not _SIGNING.get() or (named is not None and not named.strip()):
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


def sign_payload(
    payload: dict[str, Any], *, kind: str, subject: str, name: str | None
) -> dict[str, Any]:
    """``payload`` of a ``kind`` ledger entry about ``subject`` (a decision's id for a
    decision or an approval) with a ``signature`` added when a signing key is configured;
    unchanged (the same content, a new dict) when none is.

    The signature (``{"algorithm": "ed25519", "signer", "fingerprint", "value"}``, the
    value base64) covers the canonical JSON of ``{"kind", "subject", "payload"}``, the payload
    without ``signature`` and ``by`` (:func:`assay.governance.signed_message`).
    ``name`` is who the payload says acts; when given it must be the key's owner
    (:class:`~assay.errors.ConfigError` otherwise: one person's key never signs another's
    entry). A payload that already carries a signature is refused.
    """
    check_instance(payload, "payload", "sign_payload", dict, "a JSON object (dict)")
    check_instance(kind, "kind", "sign_payload", str, "a ledger entry kind")
    check_instance(subject, "subject", "sign_payload", str, "the entry's subject")
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
    signature = signature_of(key, payload, kind=kind, subject=subject)
    return {**payload, "signature": signature.model_dump(mode="json")}


def sign_model(model: _Model, *, kind: str, subject: str, name: str | None) -> _Model:
    """A decision or approval (``kind``, about the decision id ``subject``) with its
    ``signature`` set by :func:`sign_payload` (the same model when no key is configured)."""
    signed = sign_payload(model.model_dump(mode="json"), kind=kind, subject=subject, name=name)
    if signed.get("signature") is None:
        return model
    return model.model_copy(update={"signature": Signature.model_validate(signed["signature"])})
