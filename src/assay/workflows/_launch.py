"""Launch readiness: check a model against its checklist; record sign-offs in the ledger.

A sign-off is a ``signoff`` ledger entry about ``model:MODEL`` holding the item, role, signer,
note and the checklist's name and digest (signed when a key is configured). It counts only
for the checklist version it was given against. With ``distinct_signers`` (the default) one
person clears at most one sign-off item: two required roles need two people.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from assay._util import check_instance
from assay.core import LedgerEntry, ModelRef
from assay.errors import ConfigError, NotFoundError
from assay.governance import (
    LaunchChecklist,
    LaunchReadiness,
    SignoffItem,
    load_checklist,
)
from assay.storage import Store
from assay.workflows._launch_evidence import EVIDENCE_CHECKS, ModelEvidence
from assay.workflows._launch_signoffs import (
    has_key,
    impersonation,
    signoff_items,
    signoffs,
)
from assay.workflows._signing import sign_payload, signing_key
from assay.workflows._store import resolve_store

__all__ = ["check_launch", "find_checklist", "sign_launch"]

CHECKLIST_FOLDER = "launch"
"""Where :func:`find_checklist` looks (relative to the working folder)."""


def _policy_pin(path: Path) -> tuple[str, str]:
    """The name and digest of the policy in a checklist's ``policy_file``."""
    from assay.gates import load_policy

    policy = load_policy(path)
    return policy.name, policy.digest


def find_checklist(
    model: str, checklist: str | Path | LaunchChecklist | None = None
) -> tuple[LaunchChecklist, str]:
    """The checklist to use and where it came from: ``checklist`` (a file or a loaded one),
    else the one file under ``./launch/`` whose ``models`` globs cover ``model``."""
    if isinstance(checklist, LaunchChecklist):
        return checklist, "<checklist>"
    if checklist is not None:
        check_instance(checklist, "checklist", "check_launch", (str, Path), "a file path")
        return load_checklist(checklist, policy_pin=_policy_pin), str(checklist)
    files = sorted(Path(CHECKLIST_FOLDER).glob("*.y*ml"))
    covering = [
        (load_checklist(f, policy_pin=_policy_pin), str(f))
        for f in files
        if f.suffix in (".yaml", ".yml")
    ]
    covering = [(c, f) for c, f in covering if c.covers(model)]
    if len(covering) == 1:
        return covering[0]
    if not covering:
        raise ConfigError(
            f"No launch checklist covers {model!r}: give --checklist FILE, or put one under "
            f"./{CHECKLIST_FOLDER}/ whose 'models' globs match it."
        )
    raise ConfigError(
        f"Several launch checklists cover {model!r} ({', '.join(f for _, f in covering)}); "
        "give --checklist FILE."
    )


def _model(model: object, where: str) -> str:
    check_instance(model, "model", where, str, "a model, NAME or NAME@VERSION")
    ModelRef.parse(str(model))  # the same names runs have; ConfigError otherwise
    return str(model)


def check_launch(
    model: str,
    *,
    checklist: str | Path | LaunchChecklist | None = None,
    store: Store | None = None,
) -> LaunchReadiness:
    """Check ``model`` against its launch checklist: each evidence item is looked up in the
    store (see :mod:`assay.workflows._launch_evidence`), each sign-off in the ledger. READY
    only when every item is satisfied; each missing one says who can clear it and how."""
    name = _model(model, "check_launch")
    chosen, source = find_checklist(name, checklist)
    st = resolve_store(store)
    evidence = ModelEvidence(name, st)
    items = [EVIDENCE_CHECKS[item.kind](item, evidence) for item in chosen.evidence]
    items += signoff_items(chosen, name, st)
    return LaunchReadiness(name, chosen.name, chosen.digest, source, tuple(items))


def _wanted(checklist: LaunchChecklist, item: str, role: str) -> SignoffItem:
    evidence = {e.item for e in checklist.evidence}
    if item in evidence:
        raise ConfigError(
            f"{item!r} is an evidence item of the checklist {checklist.name!r}: it is cleared "
            "by evidence in the store, not by a sign-off (`assay launch check` says what is "
            "missing)."
        )
    by_id = {s.item: s for s in checklist.signoffs}
    if item not in by_id:
        raise ConfigError(
            f"The checklist {checklist.name!r} has no sign-off item {item!r}; its sign-offs "
            f"are {sorted(by_id) or 'none'}."
        )
    if role not in checklist.roles:
        raise ConfigError(
            f"The checklist {checklist.name!r} knows no role {role!r}; its roles are "
            f"{list(checklist.roles)}. Nothing was recorded."
        )
    if by_id[item].role != role:
        raise ConfigError(
            f"{item!r} is signed by the {by_id[item].role} role, not {role}. Nothing was recorded."
        )
    return by_id[item]


def sign_launch(
    item: str,
    *,
    model: str,
    role: str,
    name: str | None = None,
    note: str = "",
    checklist: str | Path | LaunchChecklist | None = None,
    store: Store | None = None,
) -> LedgerEntry:
    """Record a launch sign-off of ``item`` for ``model`` by ``name`` in ``role``, as a
    ``signoff`` ledger entry (signed when a key is configured; see :func:`sign_payload`).

    Refused, with nothing recorded: a model the store holds no run of
    (:class:`~assay.errors.NotFoundError`), an item that is not a sign-off item of the
    checklist (an evidence item is never signed), a role the checklist does not know or that
    is not the item's, a second sign-off of the item by the same person, and (with
    ``distinct_signers``) a person who already cleared another item, and an unsigned
    sign-off in the name of someone with a registered key. ``name`` defaults to
    the signing key's owner; a local store needs one, a team server records its signed-in
    user as ``by``.
    """
    target = _model(model, "sign_launch")
    check_instance(note, "note", "sign_launch", str, "a string")
    chosen, _ = find_checklist(target, checklist)
    wanted = _wanted(chosen, item, role)
    st = resolve_store(store)
    if not ModelEvidence(target, st).runs:
        raise NotFoundError(
            f"The store holds no run of {target}: a sign-off is given for a model that was "
            "evaluated (`assay runs list --model NAME` lists a model's runs). Nothing was "
            "recorded."
        )
    if name is None:
        key = signing_key()
        name = key.name if key is not None else None
    if name is None and st.engine is not None:
        raise ConfigError("Give --name: who signs (a team server records its signed-in user).")
    if name is not None and st.engine is not None and signing_key() is None and has_key(name, st):
        raise ConfigError(
            f"{name!r} has a signing key registered: a sign-off in that name must be signed "
            "with it (set ASSAY_SIGNING_KEY to the key file, see `assay keys`). Nothing was "
            "recorded."
        )
    for entry, who in signoffs(chosen, target, st):
        if who != name or impersonation(entry, who, st) is not None:
            continue
        if entry.payload.get("item") == item:
            raise ConfigError(
                f"{who!r} already signed {item!r} for {target} (ledger entry {entry.sequence})."
            )
        if chosen.distinct_signers:
            raise ConfigError(
                f"{who!r} already cleared {entry.payload.get('item')!r} for {target}; the "
                f"checklist {chosen.name!r} needs a different person for each sign-off."
            )
    payload: dict[str, Any] = {
        "model": target,
        "item": wanted.item,
        "role": role,
        "name": name,
        "note": note,
        "checklist": {"name": chosen.name, "digest": chosen.digest},
        "at": datetime.now(UTC).isoformat(),
    }
    subject = f"model:{target}"
    signed = sign_payload(payload, kind="signoff", subject=subject, name=name)
    return st.decisions.record("signoff", subject, signed)
