"""Exporting a run, a comparison or a decision to an MLflow tracking server, over its REST API.

One MLflow run per export, in the experiment ``experiment`` (created when missing):

* a run: its metrics as ``<metric>``, ``<metric>_low`` and ``<metric>_high`` (the interval's
  bounds), the record counts, its params and model parameters, its tags as ``assay.tag.<key>``;
* a comparison (or a decision's stored comparison): for every metric and slice, the baseline's,
  the candidate's and the difference's estimate and bounds, and the p-values, under keys
  ``<metric>/<slice>:<value>/<quantity>`` (``<metric>/all/<quantity>`` overall); the HTML and
  Markdown reports as artifacts under ``assay/``;
* a decision: the same, plus its verdict, summary and policy as tags (``assay.verdict``,
  ``assay.policy``, ``assay.policy_digest``) and its memo, verdict and policy as artifacts.

Every export carries ``assay.link``: where the thing lives in assay (a dashboard URL for a
store served by ``assay serve``, else the command that shows it). An export that fails part way
deletes the MLflow run it created, so nothing half-exported stays visible.
"""

from __future__ import annotations

import contextlib
import time
from dataclasses import dataclass, field
from typing import Any

from assay._util import check_choice, check_instance
from assay.errors import AssayError, ConfigError, ParameterError
from assay.storage import Store
from assay.workflows._mlflow_client import MlflowClient
from assay.workflows._mlflow_payloads import (
    Payload,
    comparison_payload,
    decision_payload,
    link,
    run_payload,
)
from assay.workflows._store import resolve_store

__all__ = ["MlflowExport", "export_to_mlflow"]

_BATCH = 1000  # metrics per log-batch request (the API's limit)
_PARAM_LIMIT = 6000  # characters of a param value MLflow keeps
_TAG_LIMIT = 5000


@dataclass(frozen=True)
class MlflowExport:
    """Where an export went, and what it wrote."""

    tracking_uri: str
    """The tracking server."""
    experiment_id: str
    """The MLflow experiment."""
    run_id: str
    """The MLflow run created."""
    url: str
    """The run's page on the tracking server."""
    metrics: int
    """Metric values logged."""
    artifacts: list[str] = field(default_factory=list)
    """Artifact paths uploaded."""


def _experiment(client: MlflowClient, name: str) -> str:
    from assay.errors import NotFoundError

    try:
        found = client.call("GET", "experiments/get-by-name", experiment_name=name)
        return str(found["experiment"]["experiment_id"])
    except NotFoundError:
        created = client.call("POST", "experiments/create", {"name": name})
        return str(created["experiment_id"])


def _log(client: MlflowClient, run_id: str, artifact_uri: str, payload: Payload) -> None:
    now = int(time.time() * 1000)
    metrics = [
        {"key": k, "value": v, "timestamp": now, "step": 0} for k, v in payload.metrics.items()
    ]
    params = [{"key": k[:250], "value": v[:_PARAM_LIMIT]} for k, v in payload.params.items()]
    tags = [{"key": k, "value": v[:_TAG_LIMIT]} for k, v in payload.tags.items()]
    for start in range(0, len(metrics), _BATCH):
        client.call(
            "POST", "runs/log-batch", {"run_id": run_id, "metrics": metrics[start : start + _BATCH]}
        )
    for start in range(0, len(params), 100):
        client.call(
            "POST", "runs/log-batch", {"run_id": run_id, "params": params[start : start + 100]}
        )
    for start in range(0, len(tags), 100):
        client.call("POST", "runs/log-batch", {"run_id": run_id, "tags": tags[start : start + 100]})
    for name, (data, media) in payload.artifacts.items():
        client.put_artifact(artifact_uri, name, data, media)


def export_to_mlflow(
    ref: str | tuple[str, str],
    *,
    tracking_uri: str,
    kind: str = "run",
    experiment: str = "assay",
    store: Store | None = None,
) -> MlflowExport:
    """Export a stored run (``kind="run"``), a comparison of two runs (``kind="comparison"``,
    ``ref`` a ``(baseline, candidate)`` pair) or a recorded decision (``kind="decision"``) to
    the MLflow tracking server at ``tracking_uri``, as one new MLflow run.

    Talks to the server's REST API; MLflow itself need not be installed. A server that cannot
    be reached or refuses a request raises :class:`~assay.errors.StorageError` naming the
    server and the request; the MLflow run created before the failure is deleted.
    """
    check_instance(tracking_uri, "tracking_uri", "export_to_mlflow", str, "an http(s) URL")
    if not tracking_uri.startswith(("http://", "https://")):
        raise ConfigError(
            f"--tracking-uri is an http(s):// URL of an MLflow server. Got {tracking_uri!r}."
        )
    check_instance(experiment, "experiment", "export_to_mlflow", str, "an experiment name")
    check_choice(kind, "kind", "export_to_mlflow", ("run", "comparison", "decision"))
    st = resolve_store(store)
    if kind == "comparison":
        if not (isinstance(ref, tuple) and len(ref) == 2):
            raise ConfigError("A comparison is exported from two runs: (baseline, candidate).")
        from assay.workflows._gate import compare_runs

        payload = comparison_payload(compare_runs(ref[0], ref[1], store=st))
        shown = f"{ref[0]} {ref[1]}"
    else:
        if not isinstance(ref, str):
            raise ParameterError("ref", "export_to_mlflow", "a run or decision id (str)", ref)
        payload = run_payload(st, ref) if kind == "run" else decision_payload(st, ref)
        shown = payload.tags.get("assay.run_id") or payload.tags.get("assay.decision_id") or ref
    payload.tags["assay.link"] = link(st, kind, shown, payload)
    client = MlflowClient(tracking_uri)
    experiment_id = _experiment(client, experiment)
    created = client.call(
        "POST",
        "runs/create",
        {
            "experiment_id": experiment_id,
            "run_name": payload.name[:250],
            "start_time": int(time.time() * 1000),
        },
    )
    info = _run_info(created, tracking_uri)
    run_id, artifact_uri = info["run_id"], info["artifact_uri"]
    try:
        _log(client, run_id, artifact_uri, payload)
        client.call(
            "POST",
            "runs/update",
            {"run_id": run_id, "status": "FINISHED", "end_time": int(time.time() * 1000)},
        )
    except BaseException:
        with contextlib.suppress(AssayError):  # the first failure is the one to report
            client.call("POST", "runs/delete", {"run_id": run_id})
        raise
    return MlflowExport(
        tracking_uri=client.tracking_uri,
        experiment_id=experiment_id,
        run_id=run_id,
        url=f"{client.tracking_uri}/#/experiments/{experiment_id}/runs/{run_id}",
        metrics=len(payload.metrics),
        artifacts=sorted(payload.artifacts),
    )


def _run_info(answer: dict[str, Any], tracking_uri: str) -> dict[str, str]:
    from assay.errors import DataError

    info = answer.get("run", {}).get("info") if isinstance(answer.get("run"), dict) else None
    if not isinstance(info, dict) or not all(
        isinstance(info.get(k), str) for k in ("run_id", "artifact_uri")
    ):
        raise DataError(
            "unexpected answer to runs/create",
            file=f"{tracking_uri}/api/2.0/mlflow/runs/create",
            expected="run.info with run_id and artifact_uri",
            found=str(answer)[:80],
        )
    return {"run_id": info["run_id"], "artifact_uri": info["artifact_uri"]}
