"""A/B experiments under ``/api/v1/experiments``: read one out (a plan and the experiment's
data in, the readout and its verdict out, recorded on request), list the stored experiments,
and one experiment's registered plan with its readouts over time."""

from __future__ import annotations

import io
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from assay.server._api_body import json_response, quiet
from assay.server._auth import require
from assay.server._errors import http_error
from assay.server._identity import Identity, Role
from assay.server._state import app_state

__all__ = ["router"]

router = APIRouter(tags=["experiments"])

Viewer = Annotated[Identity, Depends(require(Role.viewer))]


class ReadoutRequest(BaseModel):
    """An experiment to read out."""

    model_config = ConfigDict(extra="forbid")
    data_csv: str = Field(min_length=1)
    """The experiment's data as CSV text: unit-level rows, or summary statistics per metric
    and arm (``metric,arm,n,sum,sum_squares``), as :func:`assay.online.readout` reads them."""
    plan_yaml: str | None = None
    """The pre-registered plan as YAML text; with it every treatment arm gets a verdict."""
    primary_metric: str | None = Field(default=None, max_length=200)
    """The metric the plan's deviations are checked for (default: the plan's)."""
    record: bool = False
    """Store the plan (registered once, then frozen) and this readout (needs the editor role
    and ``plan_yaml``)."""
    name: str | None = Field(default=None, min_length=1, max_length=200)
    """The experiment's name when recording (default: the plan's)."""


class ExperimentSummary(BaseModel):
    """A stored experiment: its plan's digest, status and newest readout."""

    name: str
    plan_digest: str
    status: str
    """``planned`` (no readout yet), ``running`` (no final verdict) or ``decided``."""
    readouts: int
    last_readout: dict[str, Any] | None = None


class ExperimentList(BaseModel):
    """Stored experiments, in the order registered."""

    items: list[ExperimentSummary]
    next_cursor: str | None = None


class ExperimentDetail(ExperimentSummary):
    """A stored experiment with its registered plan and every readout, oldest first."""

    plan: dict[str, Any]
    history: list[dict[str, Any]]


def _plan(text: str) -> dict[str, Any]:
    import yaml

    try:
        parsed = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise http_error(422, "invalid_plan", f"plan_yaml is not YAML: {exc}") from exc
    if not isinstance(parsed, dict):
        raise http_error(422, "invalid_plan", "plan_yaml is a YAML mapping of a plan.")
    return parsed


def _table(text: str) -> Any:
    import pyarrow as pa
    import pyarrow.csv as pcsv

    try:
        return pcsv.read_csv(io.BytesIO(text.encode("utf-8")))
    except (pa.ArrowException, ValueError) as exc:
        raise http_error(422, "invalid_data", f"data_csv is not readable CSV: {exc}") from exc


@router.post("/experiments/readout", response_model=dict[str, Any])
def experiment_readout(request: Request, body: ReadoutRequest, identity: Viewer) -> Response:
    """Read out an A/B test: every treatment arm against control with the sample-ratio
    check, and with a plan the verdict per arm (``assay ab readout``). With ``record`` the
    plan and the readout are stored (``assay ab readout --record``) and the answer's
    ``recorded`` says where; otherwise nothing is stored."""
    from assay.workflows import read_out_experiment, record_experiment

    if body.record and not identity.can(Role.editor):
        raise http_error(
            403, "forbidden", f"{identity.name} is {identity.role.name}; recording needs editor"
        )
    if body.record and body.plan_yaml is None:
        raise http_error(422, "invalid_request", "record needs the plan: send plan_yaml.")
    plan = _plan(body.plan_yaml) if body.plan_yaml is not None else None
    with quiet():
        done = read_out_experiment(
            _table(body.data_csv), plan=plan, primary_metric=body.primary_metric
        )
    out = done.to_dict()
    if body.record:
        store = app_state(request).store
        recorded = record_experiment(done, name=body.name, store=store)
        out["recorded"] = {k: v for k, v in recorded.items() if k != "store"}
    return json_response(out)


@router.get("/experiments", response_model=ExperimentList)
def list_stored_experiments(request: Request, _: Viewer) -> Response:
    """Stored A/B experiments (``assay ab list``): status and newest readout of each."""
    from assay.workflows import list_experiments

    found = list_experiments(store=app_state(request).store)
    return json_response(ExperimentList(items=[ExperimentSummary(**e.to_dict()) for e in found]))


@router.get("/experiments/{name:path}", response_model=ExperimentDetail)
def get_stored_experiment(name: str, request: Request, _: Viewer) -> Response:
    """One stored experiment: its plan as registered, with its digest, and every readout,
    oldest first."""
    from assay.workflows import get_experiment

    return json_response(ExperimentDetail(**get_experiment(name, store=app_state(request).store)))
