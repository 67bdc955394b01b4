"""Decisions, approvals and the ledger under ``/api/v1``."""

from __future__ import annotations

import tempfile
from typing import TYPE_CHECKING, Annotated, Any

from fastapi import APIRouter, Body, Depends, Query, Request, Response

from assay.core import Decision, LedgerEntry
from assay.errors import ConfigError
from assay.server._api_body import json_response, quiet
from assay.server._api_models import (
    ApprovalList,
    ApprovalRequest,
    DecisionDetail,
    DecisionList,
    DecisionRequest,
    GovernanceEntryRequest,
    LedgerCheck,
    LedgerEntryList,
    PolicyChoice,
)
from assay.server._auth import require
from assay.server._check_decision import check_decision
from assay.server._errors import http_error
from assay.server._identity import Identity, Role
from assay.server._state import app_state
from assay.storage.wire import verification_to_json

if TYPE_CHECKING:
    from assay.gates import Policy

__all__ = ["resolve_policy_choice", "router"]

router = APIRouter(tags=["decisions"])

Viewer = Annotated[Identity, Depends(require(Role.viewer))]
Editor = Annotated[Identity, Depends(require(Role.editor))]
Approver = Annotated[Identity, Depends(require(Role.approver))]


def resolve_policy_choice(choice: PolicyChoice) -> Policy:
    """The policy a request names: ``policy`` (a shipped policy's name), ``policy_yaml`` (its
    text; never read as a file path), or neither (the default policy)."""
    from assay._util import load_yaml
    from assay.errors import ConfigError
    from assay.gates import default_policy, load_policy

    if choice.policy is not None and choice.policy_yaml is not None:
        raise http_error(422, "invalid_request", "Give policy or policy_yaml, not both.")
    if choice.policy_yaml is not None:
        try:
            # bounded: size, depth and alias expansion (an alias bomb is refused, not expanded)
            parsed = load_yaml(choice.policy_yaml, source="policy_yaml")
        except ConfigError as exc:
            raise http_error(422, "invalid_policy", f"policy_yaml is not YAML: {exc}") from exc
        if not isinstance(parsed, dict):
            raise http_error(422, "invalid_policy", "policy_yaml is a YAML mapping of a policy.")
        return load_policy(parsed)
    if choice.policy in (None, "default"):
        return default_policy()
    raise http_error(
        422,
        "invalid_policy",
        f"No shipped policy is named {choice.policy[:100]!r}: give 'default' or policy_yaml.",
    )


@router.get("/decisions", response_model=DecisionList)
def list_decisions(
    request: Request,
    _: Viewer,
    verdict: str | None = None,
    run: str | None = None,
    limit: Annotated[int | None, Query(ge=1, le=10_000)] = None,
) -> Response:
    """Recorded decisions, newest first; only one ``verdict``, or those naming ``run``."""
    from assay.core import Verdict

    if verdict is not None and verdict not in {v.value for v in Verdict}:
        raise http_error(
            422, "invalid_request", f"verdict is SHIP, BLOCK or INCONCLUSIVE; got {verdict!r}."
        )
    found = app_state(request).store.decisions.list(verdict=verdict, run=run, limit=limit)
    return json_response(DecisionList(items=found))


@router.post(
    "/decisions",
    response_model=DecisionDetail,
    status_code=201,
    responses={200: {"model": DecisionDetail, "description": "Recorded before."}},
)
def record_decision(request: Request, body: DecisionRequest, _: Editor) -> Response:
    """Compare, gate and record the decision in the ledger, with its reports, memo and
    policy as evidence (``assay gate --record``). Deciding the same thing again records it
    once and answers 200."""
    from assay.workflows import decide, get_decision

    store = app_state(request).store
    policy = resolve_policy_choice(body)
    with quiet(), tempfile.TemporaryDirectory(prefix="assay-decision-") as folder:
        record = decide(
            body.baseline,
            body.candidate,
            policy=policy,
            output=folder,
            shared_only=body.shared_only,
            store=store,
        )
    details = get_decision(record.decision.decision_id, store=store)
    return json_response(_detail(details), 201 if record.created else 200)


@router.put("/decisions/{ref}", response_model=LedgerEntry, status_code=201)
def put_decision(request: Request, ref: str, body: Decision, who: Editor) -> Response:
    """Store a decision made elsewhere (a remote store's ``decisions.put``) and append its
    ledger entry; a recorded id cannot be used again (409).

    The server gates the decision's stored runs with the policy in its evidence (its
    ``policy`` artifact) and the resampling seed of its ``comparison`` artifact (0 without
    one), and stores it only if that gives the verdict, summary and rule outcomes it claims
    (its ``verdict`` artifact); otherwise 422 and nothing is stored. A signed decision must be
    signed by the signed-in identity (403) with the key registered for it when it is
    appended (400), as ``ledger verify`` will check."""
    if body.decision_id != ref:
        raise http_error(
            422, "invalid_request", "The decision's decision_id differs from the one in the URL."
        )
    state = app_state(request)
    check = None
    if body.signature is not None:
        from assay.workflows import check_entry_signature, entry_signature_check

        if body.signature.signer != who.name:
            raise http_error(
                403,
                "forbidden",
                f"{who.name} sent a decision signed by {body.signature.signer!r}; nothing was "
                "stored",
            )
        signed = body.model_dump(mode="json")
        # refused early, before the gating; checked again under the ledger lock, in the
        # appending transaction, against the keys registered then (a key replaced meanwhile)
        check_entry_signature("decision", ref, signed, store=state.store)
        check = entry_signature_check("decision", ref, signed)
    check_decision(state, body)
    return json_response(state.store.decisions.put(body, check=check), 201)


def _detail(details: object) -> DecisionDetail:
    from assay.workflows import DecisionDetails

    assert isinstance(details, DecisionDetails)
    return DecisionDetail(
        decision=details.decision,
        approvals=details.approvals,
        evidence=[{"role": f.role, "name": f.name, "digest": f.digest} for f in details.evidence],
    )


@router.get("/decisions/{ref}", response_model=DecisionDetail)
def get_decision(request: Request, ref: str, _: Viewer) -> Response:
    """A decision by id or unique id prefix, with its approvals and evidence file names."""
    from assay.workflows import get_decision as details

    return json_response(_detail(details(ref, store=app_state(request).store)))


@router.get("/decisions/{ref}/approvals", response_model=ApprovalList)
def list_approvals(request: Request, ref: str, _: Viewer) -> Response:
    """A decision's approvals, overrides and objections, oldest first."""
    store = app_state(request).store
    decision = store.decisions.get(ref)
    return json_response(ApprovalList(items=store.decisions.approvals(decision.decision_id)))


@router.post("/decisions/{ref}/approvals", response_model=LedgerEntry, status_code=201)
def approve(request: Request, ref: str, body: ApprovalRequest, who: Approver) -> Response:
    """Sign off on a decision as the signed-in identity (its name is recorded, never one
    from the body). An ``override`` (of an INCONCLUSIVE, or of a BLOCK by an admin) needs
    its reason in ``note``. The same person recording the same status in the same role twice
    gets 409 and nothing is appended."""
    from assay.workflows import approve as record

    store = app_state(request).store
    decision = store.decisions.get(ref)
    if body.status == "override":
        if not body.note.strip():
            raise http_error(422, "invalid_request", "An override needs its reason in note.")
        if decision.verdict.value == "BLOCK" and not who.can(Role.admin):
            raise http_error(
                403,
                "forbidden",
                f"{who.name} is {who.role.name}; overriding a BLOCK needs admin.",
            )
    for earlier in store.decisions.approvals(decision.decision_id):
        if (earlier.role, earlier.name, earlier.status) == (body.role, who.name, body.status):
            raise http_error(
                409,
                "conflict",
                f"{who.name!r} as {body.role!r} already recorded {body.status!r} on decision "
                f"{decision.decision_id[:12]}; nothing was appended.",
            )
    try:
        entry = record(
            decision.decision_id,
            role=body.role,
            name=who.name,
            status=body.status,
            note=body.note,
            store=store,
        )
    except ConfigError as exc:  # the same sign-off appended meanwhile: a conflict, as above
        if any(
            (a.role, a.name, a.status) == (body.role, who.name, body.status)
            for a in store.decisions.approvals(decision.decision_id)
        ):
            raise http_error(409, "conflict", f"{exc} Nothing was appended.") from None
        raise
    return json_response(entry, 201)


@router.post("/decisions/{ref}/challenges", response_model=LedgerEntry, status_code=201)
def challenge(
    request: Request, ref: str, payload: Annotated[dict[str, Any], Body()], who: Editor
) -> Response:
    """Append a challenge of a decision to the ledger: a monitor's alarm and the evidence
    behind it (a JSON object). The identity that sent it is recorded as ``by``."""
    store = app_state(request).store
    decision = store.decisions.get(ref)
    entry = store.decisions.challenge(decision.decision_id, {**payload, "by": who.name})
    return json_response(entry, 201)


@router.post("/ledger/entries", response_model=LedgerEntry, status_code=201)
def record(request: Request, body: GovernanceEntryRequest, who: Editor) -> Response:
    """Append a governance entry (a study, a study event, a sign-off, a card publication, a
    signing key) about ``subject``. The identity that sent it is recorded as ``by``; a
    sign-off needs the approver role, and a key for another user than oneself the admin
    role. The entry is checked as ``ledger verify`` will check it before it is appended: a
    subject that does not fit the kind, a key not signed by itself (and, replacing one, by
    the old key or with a stated revocation), or a signature that does not verify against its
    signer's registered key answer 400, an entry signed by someone else than the signed-in
    identity 403; nothing is recorded."""
    if body.kind == "signoff" and not who.can(Role.approver):
        raise http_error(
            403, "forbidden", f"{who.name} is {who.role.name}; a sign-off needs approver"
        )
    if body.kind == "key" and body.subject != f"user:{who.name}" and not who.can(Role.admin):
        raise http_error(
            403, "forbidden", f"{who.name} may register only their own key ('user:{who.name}')"
        )
    signature = body.payload.get("signature")
    signer = signature.get("signer") if isinstance(signature, dict) else None
    if body.kind != "key" and signature is not None and signer != who.name:
        raise http_error(
            403,
            "forbidden",
            f"{who.name} sent an entry signed by {str(signer)[:100]!r}: an entry is sent by "
            "the person who signed it; nothing was recorded",
        )
    from assay.workflows import record_entry

    store = app_state(request).store
    entry = record_entry(body.kind, body.subject, body.payload, by=who.name, store=store)
    return json_response(entry, 201)


@router.get("/ledger", response_model=LedgerEntryList)
def ledger(
    request: Request, _: Viewer, kind: str | None = None, subject: str | None = None
) -> Response:
    """Every ledger entry, oldest first; only one ``kind`` or those about one ``subject``."""
    decisions = app_state(request).store.decisions
    if kind is None and subject is None:
        entries = decisions.ledger()
    else:
        entries = decisions.entries(kind=kind, subject=subject)
    return json_response(
        {"items": [e.model_dump(mode="json") for e in entries], "next_cursor": None}
    )


@router.get("/ledger/verify", response_model=LedgerCheck)
def verify(
    request: Request,
    _: Viewer,
    head: Annotated[str | None, Query(pattern="^[0-9a-fA-F]{64}$")] = None,
) -> Response:
    """Recompute the ledger's hash chain and re-hash every decision's evidence; ``head``, an
    entry hash kept from earlier, detects entries removed from the end."""
    from assay.workflows import verify_ledger

    result = verify_ledger(head=head, store=app_state(request).store)
    return json_response(verification_to_json(result))
