"""MLflow evaluations imported as runs: the numbers equal MLflow's, two runs on one data pair,
and every failure leaves the store as it was."""

from __future__ import annotations

import json
import urllib.request
from typing import Any

import pytest

import assay
from assay.errors import DataError, NotFoundError, StorageError

pytestmark = pytest.mark.slow


def _post(url: str, endpoint: str, body: dict[str, Any]) -> dict[str, Any]:
    request = urllib.request.Request(
        f"{url}/api/2.0/mlflow/{endpoint}",
        data=json.dumps(body).encode(),
        method="POST",
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=30) as answer:
        return json.loads(answer.read() or b"{}")  # type: ignore[no-any-return]


def _run_with(url: str, tags: dict[str, str], table: bytes | None) -> str:
    """A run made over the REST API, with ``table`` as eval_results_table.json."""
    experiment = _post(url, "experiments/create", {"name": f"hostile-{len(tags)}-{id(tags)}"})
    run = _post(
        url,
        "runs/create",
        {
            "experiment_id": experiment["experiment_id"],
            "tags": [{"key": k, "value": v} for k, v in tags.items()],
        },
    )
    info = run["run"]["info"]
    if table is not None:
        root = info["artifact_uri"].removeprefix("mlflow-artifacts:").lstrip("/")
        put = urllib.request.Request(
            f"{url}/api/2.0/mlflow-artifacts/artifacts/{root}/eval_results_table.json",
            data=table,
            method="PUT",
        )
        urllib.request.urlopen(put, timeout=30).close()
    return str(info["run_id"])


def test_evaluations_import_pair_and_match_mlflow(mlflow_server, store) -> None:
    first = mlflow_server.evaluate("qa-model", 1)
    second = mlflow_server.evaluate("qa-model", 2)
    a = assay.import_from_mlflow(first, tracking_uri=mlflow_server.url, store=store)
    b = assay.import_from_mlflow(second, tracking_uri=mlflow_server.url, store=store)
    assert a.created and b.created
    for logged, run_id in ((a, first), (b, second)):
        run = logged.run
        reported = run.manifest.provenance["mlflow"]["metrics"]["exact/mean"]
        assert run.metrics["exact"].estimate == pytest.approx(reported)
        assert run.n_records == run.metrics["exact"].n == 60
        assert run.params["temperature"] == "0.2"
        assert run.model.name == "qa-model"
        assert run.tags["mlflow_run"] == run_id
    # the same data: one suite, the same example ids, so the runs pair example by example
    assert a.run.suite_digest == b.run.suite_digest
    comparison = assay.compare_runs(a.run.run_id, b.run.run_id, store=store)
    assert comparison.coverage.shared == 60
    assert {r.slice_value for r in comparison.results if r.slice_attribute == "topic"} == {
        "math",
        "history",
        "science",
    }
    again = assay.import_from_mlflow(first, tracking_uri=mlflow_server.url, store=store)
    assert not again.created and again.run.run_id == a.run.run_id
    # the records hold what the table held
    records = store.runs.records(a.run.run_id)
    assert sum(records.column("exact").to_pylist()) == pytest.approx(
        60 * a.run.metrics["exact"].estimate
    )


def _nothing_stored(store: assay.Store) -> None:
    assert store.runs.list() == []


def test_an_unknown_run(mlflow_server, store) -> None:
    with pytest.raises(NotFoundError, match="Run with id=feedbeef not found"):
        assay.import_from_mlflow("feedbeef", tracking_uri=mlflow_server.url, store=store)
    _nothing_stored(store)


def _log_values(url: str, run_id: str) -> None:
    """Params and metrics logged the way mlflow.log_param / log_metric do (REST)."""
    _post(url, "runs/log-parameter", {"run_id": run_id, "key": "lr", "value": "0.01"})
    for step, value in ((0, 0.5), (3, 0.81)):
        _post(
            url,
            "runs/log-metric",
            {
                "run_id": run_id,
                "key": "val_acc",
                "value": value,
                "timestamp": 1000 + step,
                "step": step,
            },
        )
    _post(
        url,
        "runs/log-metric",
        {"run_id": run_id, "key": "loss", "value": 0.25, "timestamp": 5, "step": 0},
    )


def test_a_run_without_a_table_keeps_its_params_and_metrics(mlflow_server, store) -> None:
    run_id = _run_with(mlflow_server.url, {"team": "search"}, None)
    _log_values(mlflow_server.url, run_id)
    summary = assay.import_from_mlflow(run_id, tracking_uri=mlflow_server.url, store=store)
    assert isinstance(summary, assay.workflows.MlflowSummary) and summary.created
    assert summary.params == {"lr": "0.01"}
    assert summary.metrics == {"val_acc": 0.81, "loss": 0.25}  # the latest step's value
    assert summary.tags["team"] == "search"
    assert summary.url.startswith(mlflow_server.url) and summary.url.endswith(run_id)
    _nothing_stored(store)  # no run, no records invented
    again = assay.import_from_mlflow(run_id, tracking_uri=mlflow_server.url, store=store)
    assert not again.created and again.digest == summary.digest
    read = assay.workflows.mlflow_summary(run_id, store=store)
    assert (read.params, read.metrics, read.digest) == (
        summary.params,
        summary.metrics,
        summary.digest,
    )
    with pytest.raises(NotFoundError, match="No MLflow summary is stored for MLflow run"):
        assay.workflows.mlflow_summary("feedbeef", store=store)
    # a table named but missing is still refused, and stores nothing
    with pytest.raises(NotFoundError, match=r"No such artifact.*no_such\.json"):
        assay.import_from_mlflow(
            run_id, tracking_uri=mlflow_server.url, table="no_such.json", store=store
        )
    _nothing_stored(store)


def test_the_cli_says_what_a_summary_holds(mlflow_server, store) -> None:
    from typer.testing import CliRunner

    from assay.cli import app

    run_id = _run_with(mlflow_server.url, {}, None)
    _log_values(mlflow_server.url, run_id)
    args = ["mlflow", "import", run_id, "--tracking-uri", mlflow_server.url, "--db", store.url]
    shown = CliRunner().invoke(app, args)
    assert shown.exit_code == 0, shown.output
    assert "has no per-example evaluation table, so no run was recorded" in shown.output
    assert "1 param and 2 metrics stored as MLflow summary" in shown.output
    assert "val_acc: 0.81" in shown.output
    again = CliRunner().invoke(app, [*args, "--json"])
    document = json.loads(again.output)
    assert document["created"] is False
    assert document["mlflow_summary"]["metrics"] == {"val_acc": 0.81, "loss": 0.25}


@pytest.mark.parametrize(
    ("table", "words"),
    [
        (b"not json", "not valid JSON"),
        (b"[1, 2]", "expected a JSON object"),
        (json.dumps({"columns": ["a"], "data": [[1, 2]]}).encode(), "rows of 1 values"),
        (json.dumps({"columns": ["inputs"], "data": [["q"]]}).encode(), "no per-example scores"),
        (json.dumps({"columns": ["x/score"], "data": []}).encode(), "no rows"),
    ],
)
def test_a_table_of_unexpected_shape(mlflow_server, store, table: bytes, words: str) -> None:
    tags = {"mlflow.loggedArtifacts": '[{"path": "eval_results_table.json", "type": "table"}]'}
    run_id = _run_with(mlflow_server.url, tags, table)
    with pytest.raises(DataError, match=words) as caught:
        assay.import_from_mlflow(run_id, tracking_uri=mlflow_server.url, store=store)
    assert run_id in str(caught.value) and "eval_results_table.json" in str(caught.value)
    _nothing_stored(store)


def test_an_export_that_fails_leaves_no_mlflow_run(mlflow_server, store, monkeypatch) -> None:
    """The upload of an artifact fails after the MLflow run was created: the run is deleted."""
    from assay.testing import make_records, make_run, make_suite_model
    from assay.workflows import _mlflow_client

    suite, examples = make_suite_model(n=20)
    store.suites.put(suite, examples)
    records = make_records(20)
    run = store.runs.put(make_run(suite, records), records)[0]
    created: list[str] = []
    original = _mlflow_client.MlflowClient.call

    def call(self, method, endpoint, body=None, **query):
        answer = original(self, method, endpoint, body, **query)
        if endpoint == "runs/create":
            created.append(answer["run"]["info"]["run_id"])
        if endpoint == "runs/log-batch" and body and "tags" in body:
            raise StorageError("injected: the connection dropped")
        return answer

    monkeypatch.setattr(_mlflow_client.MlflowClient, "call", call)
    with pytest.raises(StorageError, match="injected"):
        assay.export_to_mlflow(run.run_id, tracking_uri=mlflow_server.url, store=store)
    monkeypatch.undo()
    state = _mlflow_client.MlflowClient(mlflow_server.url).call(
        "GET", "runs/get", run_id=created[0]
    )
    assert state["run"]["info"]["lifecycle_stage"] == "deleted"
