"""Decisions: a verdict plus the human record around it, kept in a tamper-evident ledger."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from assay.core.verdict import Verdict

__all__ = ["GOVERNANCE_KINDS", "Approval", "Decision", "LedgerEntry", "LedgerKind", "Signature"]

_CONFIG = ConfigDict(frozen=True, extra="forbid", use_attribute_docstrings=True)


class Signature(BaseModel):
    """An Ed25519 signature of a ledger payload by a person's registered key.

    It signs the canonical JSON of the payload without its ``signature`` and ``by`` keys
    (``by`` is added by a team server after the client signed), and is checked against the
    newest ``key`` ledger entry about ``user:SIGNER`` recorded before the signed entry.
    """

    model_config = _CONFIG

    algorithm: Literal["ed25519"] = "ed25519"
    """The signature algorithm."""
    signer: str
    """Whose key signed: the name its ``key`` ledger entry is about (``user:SIGNER``)."""
    fingerprint: str
    """SHA-256 hex of the raw 32-byte public key that verifies it."""
    value: str
    """The 64-byte signature, base64."""


class Approval(BaseModel):
    """A person's sign-off (or objection) in a role."""

    model_config = _CONFIG

    role: str
    """The role signing, e.g. ``safety``, ``privacy``, ``product``, ``lead``."""
    name: str
    """Who signed."""
    status: Literal["approved", "rejected", "abstained", "override"] = "approved"
    """What they said; ``override`` ships a BLOCK on their authority, with the reason in
    ``note``."""
    note: str = ""
    """Why, in their words."""
    at: datetime
    """When (UTC)."""
    signature: Signature | None = None
    """The signer's Ed25519 signature of the rest of this approval, when a key is configured."""


class Decision(BaseModel):
    """A verdict and the evidence behind it, as stored. Immutable; approvals are ledger entries."""

    model_config = _CONFIG

    decision_id: str
    """Unique identifier."""
    created_at: datetime
    """When the decision record was made (UTC)."""
    title: str
    """What was decided, e.g. ``income-gbm@2.0 vs income-logreg@1.0 on adult-income``."""
    verdict: Verdict
    """The policy's verdict."""
    summary: str
    """The verdict's one-sentence summary."""
    policy: str
    """Policy name."""
    policy_digest: str
    """Digest of the policy definition."""
    suite_digest: str
    """Suite version compared on."""
    baseline_run: str
    """Baseline run id."""
    candidate_run: str
    """Candidate run id."""
    artifacts: dict[str, str] = Field(default_factory=dict)
    """Evidence by role (``comparison``, ``verdict``, ``report_html``, ``report_md``, ``memo``,
    ``policy``) → artifact digest (the SHA-256 of its bytes)."""
    run_evidence: dict[str, str] = Field(default_factory=dict)
    """Digests of both runs as stored when the decision was made: ``baseline_records`` (the
    record file's bytes), ``baseline_metrics`` (the stored metric rows), ``baseline_run`` (the
    run's stored metadata), and the same for ``candidate_``. Empty for decisions recorded
    before the ledger covered run evidence; the ledger then vouches only for the decision."""
    signature: Signature | None = None
    """The decider's Ed25519 signature of the rest of this decision, when a key is
    configured."""


LedgerKind = Literal[
    "decision", "approval", "challenge", "study", "study_event", "signoff", "card", "key"
]
"""What a ledger entry records."""

GOVERNANCE_KINDS: tuple[str, ...] = ("study", "study_event", "signoff", "card", "key")
"""The ledger kinds that are about a subject other than a decision (appended with
``DecisionRepository.record``): a study's registration (``study``) and its later events
(``study_event``: a run or decision attached, a kill), a launch-readiness sign-off
(``signoff``), a model card's publication (``card``) and a user's public signing key
(``key``)."""


class LedgerEntry(BaseModel):
    """One link of the decision ledger: each entry hashes its content and the entry before it."""

    model_config = _CONFIG

    sequence: int
    """Position in the ledger, from 1."""
    decision_id: str
    """The decision this entry is about; for a governance entry (see :data:`GOVERNANCE_KINDS`)
    its subject instead, such as ``study:NAME``, ``model:REF`` or ``user:NAME``."""
    kind: LedgerKind
    """A new decision, an approval of an existing one, or a challenge of one (a monitor's alarm:
    production evidence that the decision's bet is failing); or a governance entry: a study's
    registration or later event, a launch sign-off, a model card's publication, a user's public
    key."""
    payload: dict[str, object]
    """The decision, approval, challenge or governance record, as JSON."""
    previous_hash: str
    """``entry_hash`` of the previous entry (64 zeros for the first)."""
    entry_hash: str
    """SHA-256 of the canonical JSON of sequence, decision id, kind, payload and previous hash."""
    recorded_at: datetime
    """When the entry was appended (UTC)."""
