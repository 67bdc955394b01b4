"""Where monitors live in a store: their specs, names and states, in artifacts alone.

A monitor's spec and each of its states are content-addressed artifacts. Its name is slot 0 of
the log ``monitor-spec:<name>`` (pointing at the spec: a name has one spec), the log
``monitors`` lists the registered specs in order, and the log ``monitor:<name>`` holds its
states: slot ``k`` is the state after look ``k`` (slot 0 the state at registration). Each
state also names the one before it. These are the append-only slot logs of
:mod:`assay.workflows._slot_log`, so monitors work the same on a local store and through a team
server (``ASSAY_DB=http://…``), and two looks cannot both become look ``k``.

Anyone who can write artifacts can claim a free slot, so what a slot points at is checked on
read: a state counts only when it is a JSON ``monitor-state`` of this monitor, with the
registered spec digest, ``looks`` equal to its slot and ``previous`` equal to the digest in the
slot before (``None`` in slot 0). The newest state that passes is the monitor's head; each
newer slot that fails is skipped and reported (:attr:`Head.problems`, shown with the status),
and no look can be recorded after it (the monitor must be registered again under a new name).
An entry of the ``monitors`` log that is not a stored spec is skipped with a warning naming its
slot, so one bad entry does not hide every monitor. The checks catch a state that does not
continue the chain or swaps the spec; a state forged with the right links is not detected.

Monitors stored before this scheme (``monitors/heads/<name>.json`` and ``monitors/index.json``
under a local artifact root) are moved onto it the first time they are read: their chain of
states is copied into the log, oldest first; the old files are left as they were.
"""

from __future__ import annotations

import json
import warnings
from dataclasses import dataclass
from typing import Any

from assay.errors import AssayWarning, ConfigError, NotFoundError, StorageError
from assay.monitor import MONITOR_NAME
from assay.storage import FileArtifactRepository, Store
from assay.workflows._slot_log import append, claim, entries, get_json, last, put_json, slot

__all__ = [
    "Head",
    "checked_head",
    "head",
    "monitor_names",
    "put",
    "register_name",
    "registered",
    "save_state",
]

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


def _spec_name(st: Store, k: int, digest: str) -> str | None:
    try:
        name = get_json(st, digest)["spec"]["name"]
    except (NotFoundError, StorageError, ValueError, KeyError, TypeError):
        name = None
    if isinstance(name, str) and MONITOR_NAME.fullmatch(name):
        return name
    warnings.warn(
        f"slot {k} of the 'monitors' log points at {digest[:12]}, which is not a stored "
        "monitor spec; it was skipped",
        AssayWarning,
        stacklevel=3,
    )
    return None


def monitor_names(st: Store) -> list[str]:
    """Every registered monitor's name, sorted; an entry of the ``monitors`` log that is not a
    stored spec is skipped with an :class:`~assay.errors.AssayWarning` naming its slot."""
    found = (_spec_name(st, k, d) for k, d in enumerate(entries(st, "monitors")))
    names = {n for n in found if n is not None}
    for name in _legacy_names(st):
        if name not in names:
            _migrate(st, name)
            names.add(name)
    return sorted(names)


@dataclass(frozen=True)
class Head:
    """A monitor's newest valid state, and the newer slots skipped as invalid."""

    look: int
    """The slot (look) of the newest valid state."""
    digest: str
    """That state's digest."""
    problems: tuple[str, ...] = ()
    """One sentence per skipped slot, naming it and why it is not a valid state."""


def _invalid(st: Store, name: str, k: int, digest: str, spec: str | None) -> str | None:
    """Why the state in slot ``k`` of ``monitor:NAME`` is not valid, or None."""
    try:
        state: Any = get_json(st, digest)
    except (NotFoundError, StorageError, ValueError):
        return "it is not a stored JSON state"
    if not isinstance(state, dict) or state.get("kind") != "monitor-state":
        return "it is not a monitor state"
    if state.get("monitor") != name:
        return f"it is a state of another monitor ({str(state.get('monitor'))[:40]!r})"
    if state.get("spec") != spec:
        return "its spec is not the registered one"
    if state.get("looks") != k:
        return f"it says look {str(state.get('looks'))[:20]}, not {k}"
    before = slot(st, f"monitor:{name}", k - 1) if k > 0 else None
    if state.get("previous") != before:
        return f"its previous state is not the one in slot {k - 1}" if k else "it has a previous"
    return None


def checked_head(st: Store, name: str) -> Head:
    """Monitor ``name``'s newest valid state (see the module docstring), with every newer
    slot that was skipped; :class:`~assay.errors.StorageError` when no slot holds one."""
    # a name is only looked up if a spec could have it (it also names legacy files)
    if not isinstance(name, str) or not MONITOR_NAME.fullmatch(name):
        raise NotFoundError(f"No monitor is named {name!r}. See `assay monitor status`.")
    _migrate(st, name)
    found = last(st, f"monitor:{name}")
    if found is None:
        raise NotFoundError(f"No monitor is named {name!r}. See `assay monitor status`.")
    spec = slot(st, f"monitor-spec:{name}", 0)
    problems: list[str] = []
    k, digest = found
    while True:
        why = _invalid(st, name, k, digest, spec)
        if why is None:
            return Head(k, digest, tuple(problems[::-1]))
        problems.append(f"slot {k} of monitor {name!r} ({digest[:12]}) was skipped: {why}")
        target = slot(st, f"monitor:{name}", k - 1) if k > 0 else None
        if target is None:
            raise StorageError(f"Monitor {name!r} has no valid state: {problems[-1]}.")
        k, digest = k - 1, target


def head(st: Store, name: str) -> tuple[int, str]:
    """``(k, digest)`` of monitor ``name``'s newest valid state (after look ``k``)."""
    found = checked_head(st, name)
    return found.look, found.digest


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
    held = claim(st, f"monitor:{name}", look, digest)
    if held != digest:
        spec = slot(st, f"monitor-spec:{name}", 0)
        why = None if held is None else _invalid(st, name, look, held, spec)
        if held is not None and why is not None:
            raise StorageError(
                f"Slot {look} of monitor {name!r} holds {held[:12]}, which is not a valid "
                f"state ({why}); no look can be recorded after it. Register the monitor again "
                "under a new name."
            )
        raise_moved_on(name)
    return digest


def raise_moved_on(name: str) -> None:
    """The error of a look that lost the race for its slot to another look."""
    raise StorageError(
        f"Another look at monitor {name!r} was recorded while this one was computed; "
        "record the window again (looks of one monitor must not run at once)."
    )
