"""A/B readouts under ``/api/v1/experiments``: a plan and the experiment's data in, the
readout and its verdict out."""

from __future__ import annotations

import io
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Response
from pydantic import BaseModel, ConfigDict, Field

from assay.server._api_body import json_response, quiet
from assay.server._auth import require
from assay.server._errors import http_error
from assay.server._identity import Identity, Role

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
def experiment_readout(body: ReadoutRequest, _: Viewer) -> Response:
    """Read out an A/B test: every treatment arm against control with the sample-ratio
    check, and with a plan the verdict per arm (``assay experiment readout``). Nothing is
    stored."""
    from assay.workflows import read_out_experiment

    plan = _plan(body.plan_yaml) if body.plan_yaml is not None else None
    with quiet():
        done = read_out_experiment(
            _table(body.data_csv), plan=plan, primary_metric=body.primary_metric
        )
    return json_response(done.to_dict())
