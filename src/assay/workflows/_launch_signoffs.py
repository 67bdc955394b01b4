"""Which launch sign-offs count: given against this checklist version, in the item's role,
one item per person (with ``distinct_signers``), and, when signed, with a signature that
verifies against the signer's registered key (``require_signed`` counts signed ones only)."""

from __future__ import annotations

from typing import Any

from assay.core import LedgerEntry
from assay.governance import LaunchChecklist, LaunchItem
from assay.storage import Store, entry_signature_problem

__all__ = ["has_key", "impersonation", "signoff_items", "signoffs"]


def has_key(name: str, store: Store) -> bool:
    """Whether the ledger holds a signing key registered for ``name``."""
    return bool(store.decisions.entries(kind="key", subject=f"user:{name}"))


def impersonation(entry: LedgerEntry, who: str, store: Store) -> str | None:
    """Why a sign-off does not count as ``who``'s (None when nothing says so): an unsigned one
    that only names (no server's ``by`` vouches for) a person with a registered key; anyone
    can type a name."""
    if entry.payload.get("signature") is not None or entry.payload.get("by") or not who:
        return None
    if not has_key(who, store):
        return None
    return (
        f"entry {entry.sequence} is an unsigned sign-off in the name of {who!r}, who has a "
        "signing key: sign it with that key"
    )


def signature_problem(entry: LedgerEntry, who: str, store: Store) -> str | None:
    """Why a sign-off's signature does not stand (None when it does, or it has none): the
    ledger verification's own check (:func:`assay.storage.entry_signature_problem`) against
    the keys registered before it, and the signer must be ``who``."""
    signature = entry.payload.get("signature")
    if signature is None:
        return None
    if not isinstance(signature, dict) or signature.get("signer") != who:
        return f"entry {entry.sequence} is not signed by {who!r}"
    keys = [k for k in store.decisions.entries(kind="key") if k.sequence < entry.sequence]
    payload = dict(entry.payload)
    problem = entry_signature_problem(
        keys, entry.kind, entry.decision_id, payload, sequence=entry.sequence
    )
    if problem is None:
        return None
    return f"the signature of entry {entry.sequence} does not verify ({problem})"


def _signer(payload: dict[str, Any]) -> str:
    """Who gave a sign-off: the server's signed-in user, else the name it records."""
    return str(payload.get("by") or payload.get("name") or "")


def signoffs(checklist: LaunchChecklist, model: str, store: Store) -> list[tuple[LedgerEntry, str]]:
    """The sign-off entries about ``model`` given against this checklist version, oldest
    first, with their signer."""
    entries = store.decisions.entries(kind="signoff", subject=f"model:{model}")
    return [(e, _signer(e.payload)) for e in entries if _digest_of(e) == checklist.digest]


def _digest_of(entry: LedgerEntry) -> object:
    given = entry.payload.get("checklist")
    return given.get("digest") if isinstance(given, dict) else None


def signoff_items(checklist: LaunchChecklist, model: str, store: Store) -> list[LaunchItem]:
    given = signoffs(checklist, model, store)
    everything = store.decisions.entries(kind="signoff", subject=f"model:{model}")
    used: set[str] = set()
    items = []
    for wanted in checklist.signoffs:
        mine = [(e, who) for e, who in given if e.payload.get("item") == wanted.item]
        mine = [(e, who) for e, who in mine if e.payload.get("role") == wanted.role]
        problems = {
            e.sequence: signature_problem(e, who, store) or impersonation(e, who, store)
            for e, who in mine
        }
        unsigned = {e.sequence for e, _ in mine if e.payload.get("signature") is None}
        refused = {q for q, p in problems.items() if p is not None}
        if checklist.require_signed:
            refused |= unsigned
        mine = [(e, who) for e, who in mine if e.sequence not in refused]
        counted = [(e, who) for e, who in mine if not (checklist.distinct_signers and who in used)]
        how = f"`assay launch sign {wanted.item} --model {model} --role {wanted.role}`"
        who_can = f"a {wanted.role} reviewer" + (f" ({wanted.owner})" if wanted.owner else "")
        if counted:
            entry, who = counted[0]
            used.add(who)
            detail = f"signed by {who!r} as {wanted.role} (ledger entry {entry.sequence})"
            items.append(
                LaunchItem(wanted.item, "signoff", True, detail, (f"ledger:{entry.sequence}",))
            )
            continue
        detail = f"no sign-off by a {wanted.role} reviewer"
        if refused:
            first = min(refused)
            detail += ": " + (problems[first] or f"entry {first} is unsigned (signatures required)")
        elif mine:
            detail += f" ({mine[0][1]!r} already cleared another item; two roles need two people)"
        elif any(e.payload.get("item") == wanted.item for e in everything):
            detail += " against this version of the checklist (it changed since; sign again)"
        items.append(
            LaunchItem(wanted.item, "signoff", False, detail, clear_by=f"{who_can}: {how}")
        )
    return items
