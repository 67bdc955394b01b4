"""An MLflow run without per-example data, kept as what it is: a summary, not a run.

A run in assay is its per-example records: comparisons pair them example by example, and
every interval is computed from them. An MLflow run that logged only params and metrics (no
``mlflow.evaluate`` table) has none, and its metrics are single numbers without an interval or
the examples behind them. Making it a run would mean inventing records or presenting those
numbers as if assay had measured them, so it is stored instead as an *MLflow summary*: its
params, the latest value of each metric (with its step and time), its tags, name, status,
times and a link back, as one JSON artifact (content-addressed: importing the same run again
stores nothing new), found again by the MLflow run id (:func:`mlflow_summary`). It can be
listed, read and exported; it is never compared or gated.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any

from assay._util import check_instance
from assay.errors import DataError, NotFoundError
from assay.storage import Store
from assay.workflows._slot_log import append, get_json, last, put_json
from assay.workflows._store import resolve_store

__all__ = [
    "MEDIA_TYPE",
    "RUN_ID",
    "MlflowSummary",
    "mlflow_summary",
    "store_mlflow_summary",
]

MEDIA_TYPE = "application/vnd.assay.mlflow-summary+json"
_FORMAT = "assay.mlflow-summary/1"
RUN_ID = re.compile(r"^[A-Za-z0-9_\-]{1,64}$")
"""What an MLflow run id is made of."""


@dataclass(frozen=True)
class MlflowSummary:
    """An MLflow run's params and metrics, stored without records (module docstring)."""

    mlflow_run_id: str
    """The MLflow run id."""
    digest: str
    """SHA-256 of the stored summary (an artifact of the store)."""
    created: bool
    """Whether this import stored it (False: the same summary was stored already)."""
    params: dict[str, str]
    """The run's params, as MLflow keeps them (text)."""
    metrics: dict[str, float | None]
    """The latest value of each metric as MLflow reported it (``None``: not a finite number);
    no interval: MLflow logged no per-example data to compute one from."""
    tags: dict[str, str]
    """The run's tags."""
    url: str
    """The run's page on the tracking server."""


def _latest(items: Any, where: str) -> tuple[dict[str, float | None], dict[str, Any]]:
    """Each metric's latest value (the highest step, then the latest time) and its history
    position; MLflow's ``runs/get`` lists the latest values already."""
    values: dict[str, float | None] = {}
    detail: dict[str, Any] = {}
    for item in items or []:
        if not isinstance(item, dict) or not isinstance(item.get("key"), str):
            raise DataError(
                "unexpected MLflow run",
                file=where,
                column="data.metrics",
                expected="a list of {key, value, step, timestamp} objects",
                found=str(item)[:60],
            )
        raw = item.get("value")
        number = float(raw) if isinstance(raw, int | float) and not isinstance(raw, bool) else None
        values[item["key"]] = number if number is not None and math.isfinite(number) else None
        detail[item["key"]] = {
            "step": item.get("step") if isinstance(item.get("step"), int) else None,
            "timestamp": item.get("timestamp") if isinstance(item.get("timestamp"), int) else None,
        }
    return values, detail


def store_mlflow_summary(
    st: Store,
    run_id: str,
    run: dict[str, Any],
    params: dict[str, str],
    tags: dict[str, str],
    tracking_uri: str,
    url: str,
) -> MlflowSummary:
    """Store the summary of MLflow run ``run_id`` (``run``: its ``runs/get`` answer) once."""
    info = run["info"]
    where = f"{tracking_uri} run {run_id}"
    metrics, detail = _latest((run.get("data") or {}).get("metrics"), where)
    document = {
        "format": _FORMAT,
        "tracking_uri": tracking_uri,
        "mlflow_run_id": run_id,
        "url": url,
        "run_name": str(info.get("run_name") or ""),
        "experiment_id": str(info.get("experiment_id") or ""),
        "status": str(info.get("status") or ""),
        "start_time": info.get("start_time") if isinstance(info.get("start_time"), int) else None,
        "end_time": info.get("end_time") if isinstance(info.get("end_time"), int) else None,
        "params": params,
        "metrics": metrics,
        "metric_steps": detail,
        "tags": tags,
        "records": 0,
        "note": "MLflow logged no per-example table for this run: params and metrics only, "
        "no records, no intervals.",
    }
    log = f"mlflow-summary:{run_id}"
    newest = last(st, log)
    digest = put_json(st, document, MEDIA_TYPE)
    created = newest is None or newest[1] != digest
    if created:
        append(st, log, digest)
    return MlflowSummary(run_id, digest, created, params, metrics, tags, url)


def mlflow_summary(run_id: str, *, store: Store | None = None) -> MlflowSummary:
    """The newest stored summary of MLflow run ``run_id`` (imported by
    :func:`~assay.workflows.import_from_mlflow` from a run without a per-example table)."""
    check_instance(run_id, "run_id", "mlflow_summary", str, "an MLflow run id")
    st = resolve_store(store)
    newest = last(st, f"mlflow-summary:{run_id}") if RUN_ID.match(run_id) else None
    if newest is None:
        raise NotFoundError(
            f"No MLflow summary is stored for MLflow run {run_id!r}: import it with "
            "`assay mlflow import RUN_ID --tracking-uri URL`."
        )
    data = get_json(st, newest[1])
    return MlflowSummary(
        str(data["mlflow_run_id"]),
        newest[1],
        False,
        dict(data["params"]),
        dict(data["metrics"]),
        dict(data["tags"]),
        str(data["url"]),
    )
