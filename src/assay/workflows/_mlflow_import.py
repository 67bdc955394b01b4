"""Importing an MLflow run: with the per-example table ``mlflow.evaluate`` logged, as a run;
without one, its params and metrics as an MLflow summary (:mod:`._mlflow_summary`)."""

from __future__ import annotations

import re

from assay._util import check_instance, load_json
from assay.errors import ConfigError, DataError
from assay.importers import EVAL_TABLE, evaluation_tables, read_mlflow_run, run_entries
from assay.storage import Store
from assay.workflows._api import LoggedRun
from assay.workflows._log_run import log_run
from assay.workflows._mlflow_client import MAX_ARTIFACT_BYTES, MlflowClient
from assay.workflows._mlflow_summary import RUN_ID, MlflowSummary, store_mlflow_summary
from assay.workflows._store import resolve_store

__all__ = ["import_from_mlflow"]

_PARAM_KEY = re.compile(r"^[A-Za-z0-9_.\-/ :]{1,200}$")


def _find_table(client: MlflowClient, artifact_uri: str, tags: dict[str, str]) -> str | None:
    listed = evaluation_tables(tags)
    if listed:
        return listed[0]
    names = [str(f.get("path")) for f in client.list_artifacts(artifact_uri)]
    return EVAL_TABLE if EVAL_TABLE in names else None


def import_from_mlflow(
    run_id: str,
    *,
    tracking_uri: str,
    table: str | None = None,
    output_column: str | None = None,
    reference_column: str | None = None,
    store: Store | None = None,
) -> LoggedRun | MlflowSummary:
    """Store the MLflow run ``run_id`` of the tracking server at ``tracking_uri`` as a run.

    Reads the run (``runs/get``) and its per-example evaluation table (``table``, default: the
    table its ``mlflow.loggedArtifacts`` tag lists, else ``eval_results_table.json``) through
    the REST API; MLflow itself need not be installed. Each ``<metric>/score`` column becomes
    a metric, the data's columns the suite's examples (their inputs, the target as reference,
    other scalar columns as slices), and the run's params the run's params; its metrics and
    tags go into the manifest's provenance. The model is the ``model`` param, else the run's
    name; its version the ``model_version`` param, else the MLflow run id.

    A run without a per-example table (none listed or found, and no ``table`` named) has no
    records for assay to pair or compute intervals from: its params and the latest value of
    each metric are stored as an :class:`~assay.workflows.MlflowSummary` (returned), not as a
    run, and no record is made up (:func:`~assay.workflows.mlflow_summary` reads it back).

    Nothing is stored unless everything was read and checked: an unreachable server, an
    error answer, an unknown run (:class:`~assay.errors.NotFoundError`), a ``table`` that is
    not there, or a table of unexpected shape (:class:`~assay.errors.DataError` naming the
    server, run and artifact) leaves the store as it was. Importing the same MLflow run again
    stores nothing new.
    """
    check_instance(run_id, "run_id", "import_from_mlflow", str, "an MLflow run id")
    check_instance(tracking_uri, "tracking_uri", "import_from_mlflow", str, "an http(s) URL")
    for parameter, value in (
        ("table", table),
        ("output_column", output_column),
        ("reference_column", reference_column),
    ):
        check_instance(value, parameter, "import_from_mlflow", (str, type(None)), "a name or None")
    if not RUN_ID.match(run_id):
        raise ConfigError(f"An MLflow run id is letters, digits, '-' and '_'. Got {run_id!r}.")
    if not tracking_uri.startswith(("http://", "https://")):
        raise ConfigError(
            f"--tracking-uri is an http(s):// URL of an MLflow server. Got {tracking_uri!r}."
        )
    client = MlflowClient(tracking_uri)
    answer = client.call("GET", "runs/get", run_id=run_id)
    run = answer.get("run")
    if not isinstance(run, dict) or not isinstance(run.get("info"), dict):
        raise DataError(
            "unexpected answer to runs/get",
            file=f"{client.tracking_uri} run {run_id}",
            expected="a run with info and data",
            found=str(answer)[:80],
        )
    where = f"{client.tracking_uri} run {run_id}"
    tags = {k: str(v) for k, v in run_entries(run.get("data") or {}, "tags", where).items()}
    artifact_uri = str(run["info"].get("artifact_uri", ""))
    name: str | None = table or _find_table(client, artifact_uri, tags)
    if name is None:
        params = {
            k: str(v)
            for k, v in run_entries(run.get("data") or {}, "params", where).items()
            if _PARAM_KEY.match(k)
        }
        experiment = str(run["info"].get("experiment_id") or "")
        return store_mlflow_summary(
            resolve_store(store),
            run_id,
            run,
            params,
            tags,
            client.tracking_uri,
            f"{client.tracking_uri}/#/experiments/{experiment}/runs/{run_id}",
        )
    raw = client.get_artifact(artifact_uri, name)
    document = load_json(
        raw, source=f"{client.tracking_uri} run {run_id} {name}", max_bytes=MAX_ARTIFACT_BYTES
    )
    imported = read_mlflow_run(
        run,
        document,
        tracking_uri=client.tracking_uri,
        table_name=name,
        output_column=output_column,
        reference_column=reference_column,
    )
    params = {
        k: v
        for k, v in imported.provenance["mlflow"]["params"].items()
        if isinstance(v, str) and _PARAM_KEY.match(k)
    }
    return log_run(
        imported.records,
        suite=imported.suite,
        model=imported.model,
        store=resolve_store(store),
        params=params,
        tags=imported.tags,
        provenance=imported.provenance,
        source=f"import:mlflow:{run_id}",
    )
