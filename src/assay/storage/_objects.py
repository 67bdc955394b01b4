"""Objects in a file root: names that carry their content digest, and what stores report.

A record or examples file is stored as ``<stem>.sha256-<hex>.parquet``: the database row that
names it therefore records its SHA-256, and every read hashes the bytes it got and refuses them
when they differ. Files stored before names carried a digest are read unverified.

Object stores (S3, GCS, Azure) fail in their own SDK's exceptions; :func:`object_errors` turns
them into one :class:`~assay.errors.StorageError` naming the object and what to check.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from assay.errors import AssayError, StorageError

__all__ = [
    "OBJECT_STORES",
    "StoredObject",
    "altered_object",
    "digest_name",
    "missing_object",
    "modified",
    "named_digest",
    "object_errors",
    "verify_digest",
]

OBJECT_STORES = frozenset({"s3", "s3a", "gs", "gcs", "abfs", "abfss", "az", "adl"})
"""Protocols of object stores: keys, not folders; one PUT publishes a whole object."""

_DIGEST_NAME = re.compile(r"\.sha256-([0-9a-f]{64})\.parquet$")


@dataclass(frozen=True)
class StoredObject:
    """One object under a root, as its store lists it."""

    relative: str
    """Its name under the root, with ``/`` between folders."""
    size: int
    """Its size in bytes."""
    modified: float | None
    """When it was last written (seconds since the epoch), ``None`` when the store does not say."""


def digest_name(stem: str, digest: str) -> str:
    """The name of a Parquet file whose content hashes to ``digest``."""
    return f"{stem}.sha256-{digest}.parquet"


def named_digest(relative: str) -> str | None:
    """The SHA-256 a file's name records, ``None`` for a name without one."""
    found = _DIGEST_NAME.search(relative)
    return found.group(1) if found else None


def verify_digest(data: Any, expected: str, location: str) -> None:
    """Refuse ``data`` (bytes or a buffer) unless its SHA-256 is ``expected``."""
    found = hashlib.sha256(data).hexdigest()
    if found != expected:
        raise altered_object(location, found, expected)


def altered_object(location: str, found: str, expected: str) -> StorageError:
    """The error for an object whose bytes hash to ``found``, stored as ``expected``."""
    return StorageError(
        f"The object {location} was altered or damaged after it was stored: its content "
        f"hashes to sha256 {found}, but it was stored with sha256 {expected}. assay will not "
        "read it; restore the object from a backup."
    )


def missing_object(where: str) -> StorageError:
    """The error for an object the database refers to that the store no longer holds."""
    return StorageError(
        f"The object {where} is missing from the store, though the database refers to it: it "
        "was deleted or never copied. Restore it from a backup."
    )


def modified(info: Mapping[str, Any]) -> float | None:
    """The time an fsspec ``info`` entry says its object was written, if it says."""
    for key in ("mtime", "LastModified", "last_modified", "updated", "created"):
        value = info.get(key)
        if isinstance(value, datetime):
            return value.timestamp()
        if isinstance(value, int | float):
            return float(value)
        if isinstance(value, str):
            try:
                return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()
            except ValueError:
                continue
    return None


@contextmanager
def object_errors(location: str, action: str, *, missing_ok: bool = True) -> Iterator[None]:
    """Turn a store's failure to ``action`` (read, write, list, remove) ``location`` into a
    :class:`StorageError` naming it; ``FileNotFoundError`` passes when ``missing_ok``."""
    try:
        yield
    except AssayError:
        raise
    except FileNotFoundError as exc:
        if missing_ok:
            raise
        raise StorageError(
            f"Cannot {action} {location}: {exc}. Check that the bucket or container named in "
            "ASSAY_ARTIFACTS exists."
        ) from exc
    except PermissionError as exc:
        raise StorageError(
            f"The object store refused to let this process {action} {location}: {exc}. Check "
            "the store's credentials (for s3://, AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or "
            "AWS_PROFILE) and their rights on the bucket."
        ) from exc
    except Exception as exc:  # each SDK has its own tree: botocore, aiohttp, google, azure
        raise StorageError(
            f"Cannot {action} {location}: {type(exc).__name__}: {exc}. Check that the object "
            "store named in ASSAY_ARTIFACTS is reachable (for s3://, AWS_ENDPOINT_URL)."
        ) from exc
