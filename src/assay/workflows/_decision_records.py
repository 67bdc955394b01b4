"""Recorded decisions: sign-offs, reading them back with their evidence and challenges, and
verifying the ledger."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime

from assay._util import check_choice, check_instance
from assay.core import Approval, Decision, LedgerEntry
from assay.errors import ConfigError, ParameterError
from assay.storage import LedgerVerification, LedgerView, Store
from assay.workflows._evidence import EvidenceFile, evidence_files
from assay.workflows._signing import sign_model, signing_key
from assay.workflows._store import resolve_store

__all__ = [
    "DecisionDetails",
    "approve",
    "challenges_of",
    "get_decision",
    "list_decisions",
    "verify_ledger",
]


_STATUSES = ("approved", "rejected", "abstained", "override")


def approve(
    decision: str,
    *,
    role: str,
    name: str | None = None,
    status: str = "approved",
    note: str = "",
    store: Store | None = None,
) -> LedgerEntry:
    """Append a person's sign-off on a decision to the ledger.

    ``approved`` agrees with a SHIP or INCONCLUSIVE verdict; a BLOCK cannot be approved, only
    overridden: ``status="override"`` (of a BLOCK or an INCONCLUSIVE) with the reason in
    ``note`` (required), a distinct ledger entry. ``rejected`` records an objection. The same person in the same role cannot record
    the same status twice on one decision (:class:`~assay.errors.ConfigError`). ``name``
    defaults to the configured signing key's owner; with no key it must be given (a team
    server records its signed-in user whatever is given).
    """
    check_instance(decision, "decision", "approve", str, "a decision id or unique id prefix")
    check_choice(status, "status", "approve", _STATUSES)
    check_instance(note, "note", "approve", str, "a string")
    st = resolve_store(store)
    if name is None:
        key = signing_key() if st.engine is not None else None
        name = key.name if key is not None else None
    if name is None and st.engine is not None:
        raise ConfigError(
            "Give --name (who signs) or configure a signing key (ASSAY_SIGNING_KEY, see "
            "`assay keys`), whose owner then signs. Nothing was recorded."
        )
    if name is None:  # through a server: the token's user signs, whatever is sent
        name = "the signed-in user"
    d = st.decisions.get(decision)
    ref = d.decision_id[:12]
    if status == "approved" and d.verdict.value == "BLOCK":
        raise ConfigError(
            f"Decision {ref} is a BLOCK; approving it would ship against the policy's verdict. "
            f"To ship anyway, record an override with its reason: `assay decisions override "
            f"{ref} --reason TEXT --role ROLE --name NAME`."
        )
    if status == "override":
        if d.verdict.value == "SHIP":
            raise ConfigError(
                f"Decision {ref} is SHIP: there is nothing to override. "
                f"Approve it instead: `assay decisions approve {ref} --role ROLE --name NAME`."
            )
        if not note.strip():
            raise ConfigError(
                f"An override of decision {ref} needs its reason: give --reason TEXT."
            )
    signer = name

    def once(view: LedgerView) -> None:
        """One approval per person, role and status: checked under the ledger lock, so two
        sent at once cannot both be appended."""
        for entry in view.entries(kind="approval", subject=d.decision_id):
            earlier = Approval.model_validate(entry.payload)
            if (earlier.role, earlier.name, earlier.status) == (role, signer, status):
                raise ConfigError(
                    f"{signer!r} as {role!r} already recorded {status!r} on decision {ref} "
                    f"(at {earlier.at:%Y-%m-%d %H:%M} UTC); the ledger keeps one such entry "
                    "per person and role."
                )

    approval = Approval.model_validate(
        {"role": role, "name": name, "status": status, "note": note, "at": datetime.now(UTC)}
    )
    if st.engine is not None:  # through a server, the server records who signed
        approval = sign_model(approval, kind="approval", subject=d.decision_id, name=name)
    # through a server, the server runs the same check under its own ledger lock
    return st.decisions.approve(d.decision_id, approval, check=once)


@dataclass(frozen=True)
class DecisionDetails:
    """A recorded decision with its sign-offs."""

    decision: Decision
    """The decision as recorded."""
    approvals: list[Approval]
    """Its approvals, overrides and objections, in the order they were recorded."""
    evidence: list[EvidenceFile]
    """Its evidence files (reports, memo, policy, ...) with their digests and locations."""
    challenges: list[LedgerEntry] = field(default_factory=list)
    """Ledger entries of monitors' alarms that challenge it since it was recorded, oldest
    first (the decision itself never changes)."""


def list_decisions(*, store: Store | None = None) -> list[Decision]:
    """Recorded decisions, newest first."""
    return resolve_store(store).decisions.list()


def get_decision(ref: str, *, store: Store | None = None) -> DecisionDetails:
    """A decision by id or unique id prefix, with its approvals."""
    check_instance(ref, "ref", "get_decision", str, "a decision id or unique id prefix")
    st = resolve_store(store)
    decision = st.decisions.get(ref)
    return DecisionDetails(
        decision=decision,
        approvals=st.decisions.approvals(decision.decision_id),
        evidence=evidence_files(decision, st),
        challenges=challenges_of(decision.decision_id, store=st),
    )


def challenges_of(decision_id: str, *, store: Store | None = None) -> list[LedgerEntry]:
    """The ``challenge`` ledger entries of a decision (full id), oldest first."""
    return resolve_store(store).decisions.entries(kind="challenge", subject=decision_id)


def verify_ledger(*, head: str | None = None, store: Store | None = None) -> LedgerVerification:
    """Recompute the ledger's hash chain, check that no recorded decision was edited, and
    re-hash the evidence each decision committed to: both runs' metadata, metric rows and
    record files, and its reports, memo and policy.

    ``head`` is a head hash kept from an earlier check (``LedgerVerification.head``); the check
    fails when that entry is no longer in the ledger, i.e. entries were removed from its end.
    """
    if head is not None and not (
        isinstance(head, str) and re.fullmatch(r"[0-9a-fA-F]{64}", head.strip())
    ):
        raise ParameterError("head", "verify_ledger", "a 64-character SHA-256 hex entry hash", head)
    st = resolve_store(store)
    return st.decisions.verify(head=head, runs=st.runs, artifacts=st.artifacts)
