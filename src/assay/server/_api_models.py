"""The bodies the API accepts and answers with, beyond assay's own models (which it sends as
they dump themselves)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from assay.core import Approval, Decision, Run, RunInfo, Suite

__all__ = [
    "ApprovalList",
    "ApprovalRequest",
    "ArtifactInfo",
    "DecisionDetail",
    "DecisionList",
    "DecisionRequest",
    "Error",
    "EvidenceName",
    "LedgerCheck",
    "NoteRequest",
    "RecordPageOut",
    "RunEvidence",
    "RunPage",
    "RunUpload",
    "SuiteList",
    "SuiteUpload",
    "TagRequest",
    "VerdictRequest",
]

_STRICT = ConfigDict(extra="forbid")


class ErrorDetail(BaseModel):
    """What went wrong."""

    type: str
    """The kind of error (an assay exception's class name, or e.g. ``invalid_request``)."""
    message: str
    """What was wrong, in words."""
    status: int
    """The HTTP status code."""
    candidates: list[str] | None = None
    """For an ambiguous reference: what it matches."""


class Error(BaseModel):
    """Every error answer: ``{"error": {"type", "message", "status"}}``."""

    error: ErrorDetail


class SuiteList(BaseModel):
    """Stored suite versions."""

    items: list[Suite]
    next_cursor: str | None = None


class SuiteUpload(BaseModel):
    """An uploaded suite version, and whether it was new."""

    suite: Suite
    created: bool


class RunPage(BaseModel):
    """One page of a runs listing; pass ``next_cursor`` back as ``cursor`` for the next."""

    items: list[RunInfo]
    next_cursor: str | None = None


class RunUpload(BaseModel):
    """An uploaded run as stored, and whether it was new (False: the same content was
    already stored, and that run is returned)."""

    run: Run
    created: bool


class RecordPageOut(BaseModel):
    """Records ``offset`` to ``offset + len(items)`` of the ``total`` matching the filters."""

    items: list[dict[str, Any]]
    total: int
    offset: int
    text_withheld: bool = False
    """Whether input, reference and output are withheld (a red-team suite)."""


class TagRequest(BaseModel):
    """Tags to set on a run."""

    model_config = _STRICT
    tags: dict[str, str]


class TagChangeOut(BaseModel):
    """A tag set on a run."""

    key: str
    value: str
    previous: str | None


class TagResult(BaseModel):
    """A run with its tags now, and what changed."""

    run: Run
    changes: list[TagChangeOut]


class NoteRequest(BaseModel):
    """A note to add to a run."""

    model_config = _STRICT
    text: str = Field(min_length=1, max_length=10_000)


class NoteOut(BaseModel):
    """A note on a run."""

    run_id: str
    sequence: int
    text: str
    created_at: str


class NoteList(BaseModel):
    """A run's notes, oldest first."""

    items: list[NoteOut]
    next_cursor: str | None = None


class ArtifactInfo(BaseModel):
    """A stored artifact."""

    digest: str
    media_type: str
    size: int | None = None


class RunEvidence(BaseModel):
    """The digests a decision between two runs commits to."""

    evidence: dict[str, str]


class DecisionList(BaseModel):
    """Recorded decisions, newest first."""

    items: list[Decision]
    next_cursor: str | None = None


class EvidenceName(BaseModel):
    """One evidence file of a decision."""

    role: str
    name: str
    digest: str


class DecisionDetail(BaseModel):
    """A decision with its approvals and the names of its evidence files."""

    decision: Decision
    approvals: list[Approval]
    evidence: list[EvidenceName]


class ApprovalList(BaseModel):
    """A decision's approvals, oldest first."""

    items: list[Approval]
    next_cursor: str | None = None


class ApprovalRequest(BaseModel):
    """A sign-off by the signed-in identity (its name is the identity's, never given here)."""

    model_config = _STRICT
    role: str = Field(min_length=1, max_length=100)
    """The role signed for, e.g. ``safety`` or ``product``."""
    status: Literal["approved", "rejected", "abstained", "override"] = "approved"
    note: str = Field(default="", max_length=10_000)
    """Free text; the reason, required for an override."""


class PolicyChoice(BaseModel):
    """Which policy judges: a shipped policy by name, or a policy's YAML text."""

    model_config = _STRICT
    baseline: str = Field(min_length=1, max_length=300)
    candidate: str = Field(min_length=1, max_length=300)
    policy: str | None = Field(default=None, max_length=100)
    """A shipped policy's name (``default``)."""
    policy_yaml: str | None = Field(default=None, max_length=64_000)
    """A policy as YAML text (instead of ``policy``); 64,000 characters at most, so that a
    request stays within the 1 MiB that a request other than an upload may send."""


class VerdictRequest(PolicyChoice):
    """Gate a candidate run against a baseline run."""


class DecisionRequest(PolicyChoice):
    """Gate and record the decision in the ledger (``assay gate --record``)."""

    shared_only: bool = False


class GovernanceEntryRequest(BaseModel):
    """A governance entry to append to the ledger."""

    kind: Literal["study", "study_event", "signoff", "card", "key"]
    subject: str = Field(min_length=3, max_length=220)
    payload: dict[str, Any]


class LedgerEntryList(BaseModel):
    """Ledger entries, oldest first."""

    items: list[dict[str, Any]]
    next_cursor: str | None = None


class EvidenceProblemOut(BaseModel):
    """A piece of evidence that no longer hashes to what the ledger recorded."""

    decision_id: str
    sequence: int
    evidence: str
    expected: str
    found: str | None


class LedgerCheck(BaseModel):
    """What verifying the ledger found."""

    ok: bool
    entries: int
    first_bad_sequence: int | None
    reason: str
    evidence_problems: list[EvidenceProblemOut]
    head: str | None
    notes: list[str]
    unchecked_signatures: int = 0
    """Signatures that could not be checked (``cryptography`` missing on the server); when
    any, ``ok`` is false."""


ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    code: {"model": Error, "description": text}
    for code, text in (
        (400, "Invalid argument"),
        (401, "Not signed in"),
        (403, "Role too low"),
        (404, "Not found"),
        (409, "Conflict (ambiguous reference, already recorded, immutable)"),
        (413, "Body over the server's upload limit"),
        (422, "Invalid request body or parameters"),
        (429, "Too many failed sign-ins from this address"),
        (503, "Store unavailable"),
    )
}
"""The error answers every API route documents, all in the one JSON error shape."""
