"""The HTTP API under ``/api/v1``: suites, runs and their records, comparisons, verdicts,
decisions, approvals, the ledger, artifacts, A/B readouts and
pre-registered studies. Every answer is JSON (Parquet for records
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
    _api_studies,
    _api_suites,
)
from assay.server._api_models import ERROR_RESPONSES

__all__ = ["router"]

router = APIRouter(prefix="/api/v1", responses=ERROR_RESPONSES)
for _module in (
    _api_suites,
    _api_records,
    _api_runs,
    _api_compare,
    _api_decisions,
    _api_artifacts,
    _api_experiments,
    _api_studies,
):
    router.include_router(_module.router)
