"""Where monitors live in a store: their specs, names and states, in artifacts alone.

A monitor's spec and each of its states are content-addressed artifacts. Its name is slot 0 of
the log ``monitor-spec:<name>`` (pointing at the spec: a name has one spec), the log
``monitors`` lists the registered specs in order, and the log ``monitor:<name>`` holds its
states: slot ``k`` is the state after look ``k`` (slot 0 the state at registration). Each
state also names the one before it. These are the append-only slot logs of
:mod:`assay.workflows._slot_log`, so monitors work the same on a local store and through a team
server (``ASSAY_DB=http://…``), and two looks cannot both become look ``k``.

Monitors stored before this scheme (``monitors/heads/<name>.json`` and ``monitors/index.json``
under a local artifact root) are moved onto it the first time they are read: their chain of
states is copied into the log, oldest first; the old files are left as they were.
"""

from __future__ import annotations

import json
from typing import Any

from assay.errors import ConfigError, NotFoundError, StorageError
from assay.monitor import MONITOR_NAME
from assay.storage import FileArtifactRepository, Store
from assay.workflows._slot_log import append, claim, entries, get_json, last, put_json, slot

__all__ = ["head", "monitor_names", "put", "register_name", "registered", "save_state"]

JSON = "application/json"


def put(st: Store, data: dict[str, Any]) -> str:
    """Store a monitor's spec, state or window summary; returns its digest."""
    return put_json(st, data, JSON)


def _legacy_root(st: Store) -> Any:
    artifacts = st.artifacts
    if isinstance(artifacts, FileArtifactRepository):
        return artifacts.root.child("monitors")
    return None


def _migrate(st: Store, name: str) -> None:
    """Copy a monitor stored under ``monitors/heads/`` into the slot logs (once)."""
    root = _legacy_root(st)
    if root is None or not root.exists(f"heads/{name}.json"):
        return
    if slot(st, f"monitor:{name}", 0) is not None:
        return
    digest: str | None = json.loads(root.read_bytes(f"heads/{name}.json"))["state"]
    chain: list[str] = []
    while digest is not None:
        chain.append(digest)
        digest = get_json(st, digest).get("previous")
    spec = str(get_json(st, chain[0])["spec"])
    if claim(st, f"monitor-spec:{name}", 0, spec) == spec:
        append(st, "monitors", spec)
    for k, state in enumerate(reversed(chain)):
        claim(st, f"monitor:{name}", k, state)


def _legacy_names(st: Store) -> list[str]:
    root = _legacy_root(st)
    if root is None or not root.exists("index.json"):
        return []
    names: list[str] = json.loads(root.read_bytes("index.json"))
    return names


def monitor_names(st: Store) -> list[str]:
    """Every registered monitor's name, sorted."""
    names = {str(get_json(st, d)["spec"]["name"]) for d in entries(st, "monitors")}
    for name in _legacy_names(st):
        if name not in names:
            _migrate(st, name)
            names.add(name)
    return sorted(names)


def head(st: Store, name: str) -> tuple[int, str]:
    """``(k, digest)`` of monitor ``name``'s newest state (after look ``k``)."""
    # a name is only looked up if a spec could have it (it also names legacy files)
    if not isinstance(name, str) or not MONITOR_NAME.fullmatch(name):
        raise NotFoundError(f"No monitor is named {name!r}. See `assay monitor status`.")
    _migrate(st, name)
    found = last(st, f"monitor:{name}")
    if found is None:
        raise NotFoundError(f"No monitor is named {name!r}. See `assay monitor status`.")
    return found


def registered(st: Store, name: str, spec_digest: str) -> bool:
    """Whether ``name`` is registered with exactly this spec. A name held by another spec is a
    :class:`~assay.errors.ConfigError`."""
    _migrate(st, name)
    held = slot(st, f"monitor-spec:{name}", 0)
    if held is not None and held != spec_digest:
        raise ConfigError(f"A monitor named {name!r} is already registered with another spec.")
    return held is not None and slot(st, f"monitor:{name}", 0) is not None


def register_name(st: Store, name: str, spec_digest: str) -> None:
    """Give ``name`` to the spec (once) and list it; a name taken meanwhile by another spec is
    a :class:`~assay.errors.ConfigError`."""
    if claim(st, f"monitor-spec:{name}", 0, spec_digest) != spec_digest:
        raise ConfigError(f"A monitor named {name!r} is already registered with another spec.")
    if spec_digest not in entries(st, "monitors"):
        append(st, "monitors", spec_digest)


def save_state(st: Store, name: str, look: int, state: dict[str, Any]) -> str:
    """Store ``state`` as monitor ``name``'s state after ``look``; returns its digest. A look
    already recorded by another writer is a :class:`~assay.errors.StorageError`."""
    digest = put(st, state)
    if claim(st, f"monitor:{name}", look, digest) != digest:
        raise_moved_on(name)
    return digest


def raise_moved_on(name: str) -> None:
    """The error of a look that lost the race for its slot to another look."""
    raise StorageError(
        f"Another look at monitor {name!r} was recorded while this one was computed; "
        "record the window again (looks of one monitor must not run at once)."
    )
