"""The HTTP API under ``/api/v1``: suites, runs and their records, comparisons, verdicts,
decisions, approvals, the ledger, artifacts and A/B readouts. Every answer is JSON (Parquet for records
and examples); every error is ``{"error": {"type", "message", "status"}}``."""

from __future__ import annotations

from fastapi import APIRouter

from assay.server import (
    _api_artifacts,
    _api_compare,
    _api_decisions,
    _api_experiments,
    _api_records,
    _api_runs,
    _api_suites,
)
from assay.server._api_models import Error

__all__ = ["router"]

router = APIRouter(
    prefix="/api/v1",
    responses={
        code: {"model": Error, "description": text}
        for code, text in (
            (400, "Invalid argument"),
            (401, "Not signed in"),
            (403, "Role too low"),
            (404, "Not found"),
            (409, "Conflict (ambiguous reference, already recorded, immutable)"),
            (413, "Body over the server's upload limit"),
            (422, "Invalid request body or parameters"),
            (503, "Store unavailable"),
        )
    },
)
for _module in (
    _api_suites,
    _api_records,
    _api_runs,
    _api_compare,
    _api_decisions,
    _api_artifacts,
    _api_experiments,
):
    router.include_router(_module.router)
