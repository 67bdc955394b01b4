"""Comparisons (computed on demand, cached) and verdicts under ``/api/v1``."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response

from assay.server._api_body import json_response, quiet
from assay.server._api_decisions import resolve_policy_choice
from assay.server._api_models import VerdictRequest
from assay.server._auth import require
from assay.server._cache import cached_comparison
from assay.server._identity import Identity, Role
from assay.server._state import app_state

__all__ = ["router"]

router = APIRouter(tags=["comparisons"])

Viewer = Annotated[Identity, Depends(require(Role.viewer))]


@router.get("/comparisons", response_model=dict[str, Any])
def comparison(
    request: Request,
    baseline: str,
    candidate: str,
    _: Viewer,
    confidence: Annotated[float, Query(gt=0, lt=1)] = 0.95,
    max_flips: Annotated[int, Query(ge=-1, le=100_000)] = 50,
    shared_only: bool = False,
) -> Response:
    """The paired comparison of two stored runs (ids, prefixes or ``MODEL@VERSION``), as the
    ``Comparison`` model dumps itself; computed once per pair of run contents and options.
    ``max_flips`` caps the flipped examples listed per metric (-1: all)."""
    with quiet():
        found = cached_comparison(
            app_state(request),
            baseline,
            candidate,
            confidence=confidence,
            shared_only=shared_only,
            max_flips=None if max_flips < 0 else max_flips,
        )
    return json_response(found.model_dump(mode="json"))


@router.post("/verdicts", response_model=dict[str, Any])
def verdict(request: Request, body: VerdictRequest, _: Viewer) -> Response:
    """Gate a candidate run against a baseline with a policy (a shipped one by name, or its
    YAML text): the verdict, rule by rule. Nothing is recorded."""
    from assay.workflows import gate_runs

    policy = resolve_policy_choice(body)
    with quiet():
        result = gate_runs(
            body.baseline, body.candidate, policy=policy, store=app_state(request).store
        )
    return json_response(result.verdict.model_dump(mode="json"))
