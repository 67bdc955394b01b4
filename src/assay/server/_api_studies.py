"""Pre-registered studies under ``/api/v1/studies``: the roadmap (every study with its state,
owner, deadline, evidence and outcome) and one study's status."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request, Response
from pydantic import BaseModel

from assay.server._api_body import json_response
from assay.server._auth import require
from assay.server._identity import Identity, Role
from assay.server._state import app_state

__all__ = ["StudyList", "StudyView", "router"]

router = APIRouter(tags=["studies"])

Viewer = Annotated[Identity, Depends(require(Role.viewer))]


class StudyView(BaseModel):
    """A study's status (``assay study status --json``)."""

    name: str
    kind: Literal["offline", "online"]
    state: Literal["planned", "running", "decided", "killed"]
    owner: str
    deadline: str
    """ISO date."""
    overdue: bool
    """Open (planned or running) and past its deadline."""
    version: int
    digest: str
    """The registration's digest, as recorded in the ledger."""
    registered_at: str
    hypothesis: str
    primary_metric: str
    minimum_effect: float
    policy: str
    sample_size: dict[str, Any]
    """The power calculation: required, planned and stated n, method, underpowered."""
    runs: list[str]
    decisions: list[str]
    evidence: dict[str, Any] | None = None
    """The paired comparison on the primary metric: difference, interval, method, n."""
    futility: dict[str, Any] | None = None
    """The confidence-sequence reading: outcome, bounds, method, message."""
    deviations: list[dict[str, Any]]
    outcome: str
    """``continue``, ``stop``, ``killed: REASON`` or the decision's verdict."""
    problems: list[str]
    """Why the registration no longer verifies (empty when it does)."""
    progress: float | None = None
    """Paired examples read as a share of the planned n."""


class StudyList(BaseModel):
    """Every registered study, by deadline."""

    items: list[StudyView]


@router.get("/studies", response_model=StudyList)
def list_registered_studies(
    request: Request,
    _: Viewer,
    state: Annotated[
        Literal["planned", "running", "decided", "killed"] | None,
        Query(description="Only studies in this state."),
    ] = None,
) -> Response:
    """The research roadmap (``assay studies --json``); a study whose registration no longer
    verifies is listed with its ``problems``."""
    from assay.workflows import list_studies

    found = list_studies(state=state, store=app_state(request).store)
    return json_response(StudyList(items=[StudyView(**s.to_dict()) for s in found]))


@router.get("/studies/{name}", response_model=StudyView)
def get_study(name: str, request: Request, _: Viewer) -> Response:
    """One study's evidence, futility, deviations and outcome (``assay study status
    --json``); a study whose registration no longer verifies is refused."""
    from assay.workflows import study_status

    return json_response(StudyView(**study_status(name, store=app_state(request).store).to_dict()))
