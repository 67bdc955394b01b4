"""Appending a governance entry sent by someone else (a team server's ``POST
/api/v1/ledger/entries``): checked first, so that nothing a client sends can make every later
``assay ledger verify`` fail."""

from __future__ import annotations

from typing import Any

from assay._util import check_instance
from assay.core import LedgerEntry
from assay.errors import ConfigError
from assay.storage import (
    LedgerCheck,
    LedgerView,
    SqlDecisionRepository,
    Store,
    entry_signature_problem,
)
from assay.workflows._store import resolve_store
from assay.workflows._study_lock import study_registration_check

__all__ = [
    "SUBJECT_SCHEMES",
    "check_entry_signature",
    "entry_signature_check",
    "record_entry",
]

SUBJECT_SCHEMES = {
    "study": "study:",
    "study_event": "study:",
    "signoff": "model:",
    "card": "model:",
    "key": "user:",
}
"""The subject each governance kind is about starts with this."""


def record_entry(
    kind: str, subject: str, payload: dict[str, Any], *, by: str, store: Store | None = None
) -> LedgerEntry:
    """Append a governance entry sent by ``by`` (recorded in the payload as ``by``), after
    checking it as ``assay ledger verify`` will: the subject fits the kind (a study's
    ``study:``, a sign-off's or card's ``model:``, a key's ``user:``), a key entry holds a key
    signed by itself (and by the key it replaces, or states a revocation), and a signed entry
    verifies against its signer's registered key, with ``by`` as the signer; a study entry is
    the next valid version of its study when it holds a registration
    (:func:`study_registration_check`).
    :class:`~assay.errors.ConfigError` (:class:`~assay.errors.ImmutableError` for a study
    registered meanwhile) and nothing recorded otherwise."""
    check_instance(payload, "payload", "record_entry", dict, "a JSON object (dict)")
    scheme = SUBJECT_SCHEMES.get(kind)
    if scheme is None:
        raise ConfigError(f"{kind!r} is not a governance kind ({sorted(SUBJECT_SCHEMES)}).")
    if not subject.startswith(scheme):
        raise ConfigError(
            f"A {kind} entry is about a subject '{scheme}NAME', not {subject[:100]!r}; nothing "
            "was recorded."
        )
    st = resolve_store(store)
    sent = {**payload, "by": by}
    # checked under the ledger lock, in the appending transaction: two entries sent at once
    # (a user's first key twice, a sign-off against a key being replaced, two first
    # registrations of one study) cannot both pass; only what each check needs is read
    checks: list[LedgerCheck] = []
    if kind == "key" or sent.get("signature") is not None:
        checks.append(entry_signature_check(kind, subject, sent))
    if kind == "study" and "registration" in sent:
        checks.append(study_registration_check(subject, sent))
    if not checks:
        return st.decisions.record(kind, subject, sent)

    def check(view: LedgerView) -> None:
        for one in checks:
            one(view)

    return st.decisions.record(kind, subject, sent, check=check)


def entry_signature_check(kind: str, subject: str, payload: dict[str, Any]) -> LedgerCheck:
    """The check that refuses (:class:`~assay.errors.ConfigError`) an entry whose signature
    would fail ``assay ledger verify`` against the keys registered, run by the store under
    its ledger lock just before it appends the entry."""

    def check(view: LedgerView) -> None:
        keys = view.entries(kind="key")
        problem = entry_signature_problem(
            keys, kind, subject, payload, sequence=view.next_sequence()
        )
        if problem is not None:
            raise ConfigError(f"The entry does not stand: {problem}; nothing was recorded.")

    return check


def check_entry_signature(
    kind: str, subject: str, payload: dict[str, Any], *, store: Store | None = None
) -> None:
    """Refuse (:class:`~assay.errors.ConfigError`) an entry about to be appended whose
    signature would fail ``assay ledger verify`` against the keys registered so far. A check
    ahead of the append (a fast refusal before costlier work); the store's own appends run
    :func:`entry_signature_check` again under the ledger lock, which is the check that
    counts. Reads only the ``key`` entries and the ledger's newest sequence."""
    st = resolve_store(store)
    check = entry_signature_check(kind, subject, payload)
    if isinstance(st.decisions, SqlDecisionRepository):
        st.decisions.inspect(check)
        return
    # a remote store: its server checks again when the entry is sent
    keys = st.decisions.entries(kind="key")
    sequence = len(st.decisions.ledger()) + 1
    problem = entry_signature_problem(keys, kind, subject, payload, sequence=sequence)
    if problem is not None:
        raise ConfigError(f"The entry does not stand: {problem}; nothing was recorded.")
