"""Content digests: the same content gives the same digest on any machine."""

from __future__ import annotations

import hashlib
import json
import math
from typing import Any

__all__ = ["canonical_json", "digest", "short_digest"]


def _canonical(value: Any) -> Any:
    if isinstance(value, float):
        if math.isnan(value) or math.isinf(value):
            return repr(value)
        if value.is_integer():
            return int(value)
        return value
    if isinstance(value, dict):
        return {str(k): _canonical(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_canonical(v) for v in value]
    return value


# one encoder for every call: json.dumps with options builds a new one each time
_ENCODER = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def canonical_json(value: Any) -> str:
    """JSON with sorted keys, no whitespace, and integral floats written as integers."""
    if isinstance(value, str):
        return _ENCODER.encode(value)  # nothing to make canonical in a string
    return _ENCODER.encode(_canonical(value))


def digest(value: Any) -> str:
    """SHA-256 hex digest of the canonical JSON of ``value`` (bytes are hashed as they are)."""
    if isinstance(value, bytes):
        return hashlib.sha256(value).hexdigest()
    return hashlib.sha256(canonical_json(value).encode("utf-8")).hexdigest()


def short_digest(full: str, length: int = 12) -> str:
    """The first ``length`` hex characters of a digest, for display and ids."""
    return full[:length]
