"""Reference profiles in the store: saved as artifacts, found again by name or digest.

A profile is stored with ``store.artifacts.put`` (content-addressed: the same profile is stored
once). Names are a small index beside the artifacts, one JSON file per name under
``monitor-profiles/`` in the artifact root (``{"name", "digest", "history"}``), written
atomically; saving a name again moves it to the new digest and keeps the old ones in its
history. A profile can always be loaded by its full SHA-256 digest, with or without the index.
"""

from __future__ import annotations

import hashlib
import json
import re
from typing import Any

from assay.errors import ConfigError, DataError, NotFoundError
from assay.monitor import Profile, profile, profile_from_bytes
from assay.storage import Store
from assay.workflows._store import resolve_store

__all__ = ["load_profile", "profile_run", "save_profile", "stored_profiles"]

MEDIA_TYPE = "application/vnd.assay.profile+json"
_INDEX = "monitor-profiles"
_DIGEST = re.compile(r"[0-9a-f]{64}")
MAX_NAME = 200


def _check_name(name: str) -> str:
    if not isinstance(name, str) or not name.strip() or len(name) > MAX_NAME or "\x00" in name:
        raise ConfigError(
            f"a profile name is 1 to {MAX_NAME} characters of text; got {str(name)[:80]!r}"
        )
    return name


def _root(store: Store) -> Any:
    root = getattr(store.artifacts, "root", None)
    if root is None or not hasattr(root, "write_bytes"):
        raise ConfigError(
            "this store's artifacts have no folder for the profile name index: load the profile by its digest"
        )
    return root


def _index_path(name: str) -> str:
    return f"{_INDEX}/{hashlib.sha256(name.encode('utf-8')).hexdigest()}.json"


def save_profile(prof: Profile, *, name: str | None = None, store: Store | None = None) -> str:
    """Store ``prof`` as an artifact, point ``name`` (default: the profile's own) at it, return
    its digest."""
    st = resolve_store(store)
    label = _check_name(name if name is not None else prof.name)
    digest = st.artifacts.put(prof.to_bytes(), media_type=MEDIA_TYPE)
    root = _root(st)
    path = _index_path(label)
    history: list[str] = []
    if root.exists(path):
        history = list(json.loads(root.read_bytes(path)).get("history", []))
    if not history or history[-1] != digest:
        history.append(digest)
    entry = {"name": label, "digest": digest, "history": history[-100:]}
    root.write_bytes(path, json.dumps(entry, sort_keys=True).encode("utf-8"))
    return digest


def load_profile(ref: str, *, store: Store | None = None) -> Profile:
    """A stored profile by name (the latest saved under it) or by its SHA-256 digest."""
    st = resolve_store(store)
    ref = _check_name(ref)
    digest = ref if _DIGEST.fullmatch(ref) else None
    if digest is None:
        root = _root(st)
        path = _index_path(ref)
        if not root.exists(path):
            raise NotFoundError(
                f"No monitor profile is named {ref!r}: save one with `assay monitor profile`."
            )
        digest = str(json.loads(root.read_bytes(path))["digest"])
    raw = st.artifacts.get(digest)
    prof = profile_from_bytes(raw, source=f"profile {digest[:12]}")
    if prof.digest != digest:
        raise DataError(
            f"stored profile {digest[:12]} does not match its digest",
            expected=digest,
            found=prof.digest,
        )
    return prof


def stored_profiles(*, limit: int = 500, store: Store | None = None) -> list[dict[str, Any]]:
    """The named profiles in the store's index, by name (at most ``limit``): ``name``,
    ``digest`` (the latest saved under it) and ``versions`` (how many were saved)."""
    st = resolve_store(store)
    root = getattr(st.artifacts, "root", None)
    if root is None or not hasattr(root, "names"):
        return []
    out = []
    for file in root.names(_INDEX)[: max(limit, 0)]:
        if file.endswith(".json"):
            entry = json.loads(root.read_bytes(f"{_INDEX}/{file}"))
            out.append(
                {
                    "name": str(entry["name"]),
                    "digest": str(entry["digest"]),
                    "versions": len(entry.get("history", [])),
                }
            )
    return sorted(out, key=lambda x: x["name"])


def profile_run(run: str, *, name: str | None = None, store: Store | None = None) -> Profile:
    """The profile of a stored run's records table (outputs, scores, latency, cost...)."""
    from assay.workflows._api import get_run

    st = resolve_store(store)
    stored = get_run(run, store=st)
    records = st.runs.records(stored.run_id)
    return profile(records, name=name or f"run {stored.run_id[:12]}")
