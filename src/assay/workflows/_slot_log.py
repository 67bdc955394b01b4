"""Append-only logs kept in content-addressed artifacts alone (no mutable file anywhere).

Slot ``k`` of a log is an artifact whose bytes are known in advance (the log's key and ``k``),
and whose media type (stored with the first copy of those bytes, never changed) names the
digest of the entry in that slot. A reader finds entries by asking for slots 0, 1, 2, … until
one is missing; a writer claims the first free slot, and a slot once claimed never changes.
Because only ``artifacts.put``, ``artifacts.media_type`` and ``artifacts.get`` are used, a log
works the same on a local store and through a team server (``ASSAY_DB=http://…``).

Stored A/B experiments, monitors and named profiles keep their names and histories this way.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterator, Mapping
from typing import Any

from assay.errors import ConfigError, NotFoundError
from assay.storage import Store

__all__ = [
    "MAX_SLOTS",
    "append",
    "claim",
    "entries",
    "get_json",
    "last",
    "put_json",
    "slot",
    "slot_count",
]

_POINTER = "application/vnd.assay.slot."
_POINTER_RE = re.compile(r"application/vnd\.assay\.slot\.([0-9a-f]{64})")
MAX_SLOTS = 100_000
"""The most entries one log holds."""


def _slot_bytes(log: str, k: int) -> bytes:
    return json.dumps({"assay": "slot", "log": log, "k": k}, sort_keys=True).encode("utf-8")


def slot(st: Store, log: str, k: int) -> str | None:
    """The digest slot ``k`` of ``log`` points at, or None when the slot is empty."""
    digest = hashlib.sha256(_slot_bytes(log, k)).hexdigest()
    try:
        media = st.artifacts.media_type(digest)
    except NotFoundError:
        return None
    found = _POINTER_RE.fullmatch(media)
    return found.group(1) if found else None


def entries(st: Store, log: str, *, start: int = 0) -> Iterator[str]:
    """The digests in ``log``'s slots from ``start`` on, in slot order."""
    for k in range(start, MAX_SLOTS):
        target = slot(st, log, k)
        if target is None:
            return
        yield target


def slot_count(st: Store, log: str) -> int:
    """How many slots of ``log`` are taken, in O(log n) look-ups (slots fill in order)."""
    if slot(st, log, 0) is None:
        return 0
    low, high = 0, 1  # slot ``low`` is taken; find a free ``high`` by doubling
    while high < MAX_SLOTS and slot(st, log, high) is not None:
        low, high = high, min(2 * high, MAX_SLOTS)
    while high - low > 1:
        middle = (low + high) // 2
        if slot(st, log, middle) is None:
            high = middle
        else:
            low = middle
    return high


def last(st: Store, log: str) -> tuple[int, str] | None:
    """``(k, digest)`` of ``log``'s newest entry, or None when the log is empty."""
    count = slot_count(st, log)
    if count == 0:
        return None
    target = slot(st, log, count - 1)
    assert target is not None
    return count - 1, target


def claim(st: Store, log: str, k: int, target: str) -> str | None:
    """Point slot ``k`` of ``log`` at ``target`` unless it is taken; returns what it holds."""
    held = slot(st, log, k)
    if held is None:
        st.artifacts.put(_slot_bytes(log, k), media_type=_POINTER + target)
        held = slot(st, log, k)  # another writer may have taken the slot first
    return held


def append(st: Store, log: str, target: str) -> int:
    """Put ``target`` in the first free slot of ``log``; returns the slot number."""
    for k in range(slot_count(st, log), MAX_SLOTS):
        if claim(st, log, k, target) == target:
            return k
    raise ConfigError(f"The log {log[:80]!r} is full ({MAX_SLOTS} entries).")


def put_json(st: Store, data: Mapping[str, Any], media: str) -> str:
    """Store ``data`` as canonical JSON (sorted keys, no NaN); returns its digest."""
    text = json.dumps(data, sort_keys=True, separators=(",", ":"), allow_nan=False)
    return st.artifacts.put(text.encode("utf-8"), media_type=media)


def get_json(st: Store, digest: str) -> dict[str, Any]:
    """The JSON object stored under ``digest``."""
    loaded: dict[str, Any] = json.loads(st.artifacts.get(digest))
    return loaded
