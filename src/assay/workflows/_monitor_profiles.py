"""Reference profiles in the store: saved as artifacts, found again by name or digest.

A profile is stored with ``store.artifacts.put`` (content-addressed: the same profile is stored
once). Each name is an append-only slot log (:mod:`assay.workflows._slot_log`) of the digests
saved under it, newest last, and the log ``profiles`` lists the names; so names work the same
on a local store and through a team server (``ASSAY_DB=http://…``). Saving a name again moves
it to the new digest and keeps the old ones in its history. A profile can always be loaded by
its full SHA-256 digest.

Names kept the earlier way (one JSON file per name under ``monitor-profiles/`` in a local
artifact root) are moved into the logs the first time they are read; the files are left.
"""

from __future__ import annotations

import hashlib
import json
import re
from typing import Any

from assay.errors import ConfigError, DataError, NotFoundError
from assay.monitor import Profile, profile, profile_from_bytes
from assay.storage import FileArtifactRepository, Store
from assay.workflows._slot_log import append, entries, get_json, last, put_json, slot
from assay.workflows._store import resolve_store

__all__ = ["load_profile", "profile_run", "save_profile", "stored_profiles"]

MEDIA_TYPE = "application/vnd.assay.profile+json"
NAME_MEDIA = "application/vnd.assay.profile-name+json"
_INDEX = "monitor-profiles"
_DIGEST = re.compile(r"[0-9a-f]{64}")
MAX_NAME = 200


def _check_name(name: str) -> str:
    if not isinstance(name, str) or not name.strip() or len(name) > MAX_NAME or "\x00" in name:
        raise ConfigError(
            f"a profile name is 1 to {MAX_NAME} characters of text; got {str(name)[:80]!r}"
        )
    return name


def _legacy_root(st: Store) -> Any:
    artifacts = st.artifacts
    return artifacts.root if isinstance(artifacts, FileArtifactRepository) else None


def _legacy_path(name: str) -> str:
    return f"{_INDEX}/{hashlib.sha256(name.encode('utf-8')).hexdigest()}.json"


def _add(st: Store, label: str, digest: str) -> None:
    """Append ``digest`` to the name's log, listing the name when this is its first entry."""
    newest = last(st, f"profile:{label}")
    if newest is not None and newest[1] == digest:
        return
    if append(st, f"profile:{label}", digest) == 0:
        append(st, "profiles", put_json(st, {"kind": "profile-name", "name": label}, NAME_MEDIA))


def _migrate(st: Store, label: str) -> None:
    """Copy a name kept under ``monitor-profiles/`` into its log (once)."""
    root = _legacy_root(st)
    if root is None or slot(st, f"profile:{label}", 0) is not None:
        return
    path = _legacy_path(label)
    if root.exists(path):
        for digest in json.loads(root.read_bytes(path)).get("history", []):
            _add(st, label, str(digest))


def save_profile(prof: Profile, *, name: str | None = None, store: Store | None = None) -> str:
    """Store ``prof`` as an artifact, point ``name`` (default: the profile's own) at it, return
    its digest."""
    st = resolve_store(store)
    label = _check_name(name if name is not None else prof.name)
    digest = st.artifacts.put(prof.to_bytes(), media_type=MEDIA_TYPE)
    _migrate(st, label)
    _add(st, label, digest)
    return digest


def load_profile(ref: str, *, store: Store | None = None) -> Profile:
    """A stored profile by name (the latest saved under it) or by its SHA-256 digest."""
    st = resolve_store(store)
    ref = _check_name(ref)
    digest = ref if _DIGEST.fullmatch(ref) else None
    if digest is None:
        _migrate(st, ref)
        newest = last(st, f"profile:{ref}")
        if newest is None:
            raise NotFoundError(
                f"No monitor profile is named {ref!r}: save one with `assay monitor profile`."
            )
        digest = newest[1]
    raw = st.artifacts.get(digest)
    prof = profile_from_bytes(raw, source=f"profile {digest[:12]}")
    if prof.digest != digest:
        raise DataError(
            f"stored profile {digest[:12]} does not match its digest",
            expected=digest,
            found=prof.digest,
        )
    return prof


def _legacy_names(st: Store) -> list[str]:
    root = _legacy_root(st)
    if root is None or not root.exists(_INDEX):
        return []
    files = [f for f in root.names(_INDEX) if f.endswith(".json")]
    return [str(json.loads(root.read_bytes(f"{_INDEX}/{f}"))["name"]) for f in files]


def stored_profiles(*, limit: int = 500, store: Store | None = None) -> list[dict[str, Any]]:
    """The named profiles, by name (at most ``limit``): ``name``, ``digest`` (the latest saved
    under it) and ``versions`` (how many were saved)."""
    st = resolve_store(store)
    names = {str(get_json(st, d)["name"]) for d in entries(st, "profiles")}
    for label in _legacy_names(st):
        if label not in names:
            _migrate(st, label)
            names.add(label)
    out = []
    for label in sorted(names)[: max(limit, 0)]:
        history = list(entries(st, f"profile:{label}"))
        out.append({"name": label, "digest": history[-1], "versions": len(history)})
    return out


def profile_run(run: str, *, name: str | None = None, store: Store | None = None) -> Profile:
    """The profile of a stored run's records table (outputs, scores, latency, cost...).

    On a red-team suite the text columns (input, reference, output, error) are left out: a
    profile keeps a column's values, which would put harmful text into a stored artifact,
    and a server's withheld text would profile as one repeated marker."""
    from assay.workflows._api import get_run
    from assay.workflows._text_use import without_text

    st = resolve_store(store)
    stored = get_run(run, store=st)
    records = without_text(st.runs.records(stored.run_id), st.suites.get(stored.suite_digest))
    return profile(records, name=name or f"run {stored.run_id[:12]}")
