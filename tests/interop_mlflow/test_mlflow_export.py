"""Runs, comparisons and decisions exported to a real MLflow server, read back over its API."""

from __future__ import annotations

import json
import urllib.parse
import urllib.request
import warnings
from pathlib import Path
from typing import Any

import pytest

import assay
from assay.testing import comparison_suite, paired_records

pytestmark = pytest.mark.slow


def _get(url: str, path: str, **query: str) -> Any:
    full = f"{url}{path}?{urllib.parse.urlencode(query)}" if query else url + path
    with urllib.request.urlopen(full, timeout=30) as answer:
        body = answer.read()
    return json.loads(body) if path.startswith("/api/2.0/mlflow/") else body


def _mlflow_run(url: str, run_id: str) -> dict[str, Any]:
    run = _get(url, "/api/2.0/mlflow/runs/get", run_id=run_id)["run"]
    data = run["data"]
    return {
        "info": run["info"],
        "metrics": {m["key"]: m["value"] for m in data.get("metrics", [])},
        "params": {p["key"]: p["value"] for p in data.get("params", [])},
        "tags": {t["key"]: t["value"] for t in data.get("tags", [])},
    }


def _artifact(url: str, info: dict[str, Any], name: str) -> bytes:
    root = info["artifact_uri"].removeprefix("mlflow-artifacts:").lstrip("/")
    data: bytes = _get(url, f"/api/2.0/mlflow-artifacts/artifacts/{root}/{name}")
    return data


@pytest.fixture
def decided(store: assay.Store, tmp_path: Path) -> assay.DecisionRecord:
    data = comparison_suite(200, seed=3, slices={"lang": ["en", "fr", "de"]})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assay.register_suite(data, store=store)
        base = assay.log_run(
            paired_records(data, 1, accuracy=0.7),
            suite=data,
            model="base@1",
            store=store,
            params={"lr": 0.1},
            tags={"stage": "baseline"},
        )
        cand = assay.log_run(
            paired_records(data, 2, accuracy=0.8), suite=data, model="cand@2", store=store
        )
        return assay.decide(base.run.run_id, cand.run.run_id, store=store, output=tmp_path / "r")


def test_a_run_with_its_interval_bounds(mlflow_server, store, decided) -> None:
    run = store.runs.get(decided.decision.baseline_run)
    done = assay.export_to_mlflow(run.run_id, tracking_uri=mlflow_server.url, store=store)
    got = _mlflow_run(mlflow_server.url, done.run_id)
    for name, m in run.metrics.items():
        assert got["metrics"][name] == pytest.approx(m.estimate)
        assert got["metrics"][f"{name}_low"] == pytest.approx(m.low)
        assert got["metrics"][f"{name}_high"] == pytest.approx(m.high)
    assert got["metrics"]["n_records"] == run.n_records
    assert got["params"]["lr"] == "0.1"
    assert got["tags"]["assay.run_id"] == run.run_id
    assert got["tags"]["assay.tag.stage"] == "baseline"
    assert got["tags"]["assay.link"] == f"assay runs show {run.run_id} --db {store.url}"
    assert got["info"]["status"] == "FINISHED"
    assert done.url.endswith(f"/runs/{done.run_id}")


def test_a_decision_with_verdict_policy_slices_and_artifacts(mlflow_server, store, decided) -> None:
    decision = decided.decision
    done = assay.export_to_mlflow(
        decision.decision_id,
        kind="decision",
        tracking_uri=mlflow_server.url,
        store=store,
        experiment="decisions",
    )
    got = _mlflow_run(mlflow_server.url, done.run_id)
    assert got["tags"]["assay.verdict"] == decision.verdict.value
    assert got["tags"]["assay.policy"] == decision.policy
    assert got["tags"]["assay.policy_digest"] == decision.policy_digest
    assert got["tags"]["mlflow.note.content"] == decision.summary
    assert decision.decision_id in got["tags"]["assay.link"]
    # every metric × slice of the stored comparison, with the difference's bounds
    results = decided.comparison.results
    for r in results:
        where = "all" if r.slice_attribute is None else f"{r.slice_attribute}:{r.slice_value}"
        key = f"{r.metric}/{where}"
        assert got["metrics"][f"{key}/difference"] == pytest.approx(r.difference.estimate)
        assert got["metrics"][f"{key}/difference_low"] == pytest.approx(r.difference.low)
        assert got["metrics"][f"{key}/difference_high"] == pytest.approx(r.difference.high)
        assert got["metrics"][f"{key}/n"] == r.n
    assert any("lang:fr" in k for k in got["metrics"])
    assert len(got["metrics"]) == done.metrics
    for role, name in (("report_html", "report.html"), ("memo", "memo.md")):
        stored = store.artifacts.get(decision.artifacts[role])
        assert _artifact(mlflow_server.url, got["info"], f"assay/{name}") == stored
    assert "assay/policy.yaml" in done.artifacts


def test_a_comparison_with_its_reports(mlflow_server, store, decided) -> None:
    d = decided.decision
    done = assay.export_to_mlflow(
        (d.baseline_run, d.candidate_run),
        kind="comparison",
        tracking_uri=mlflow_server.url,
        store=store,
    )
    got = _mlflow_run(mlflow_server.url, done.run_id)
    assert got["tags"]["assay.kind"] == "comparison"
    assert len([k for k in got["metrics"] if k.endswith("/difference")]) == len(
        decided.comparison.results
    )
    html = _artifact(mlflow_server.url, got["info"], "assay/report.html")
    assert html.startswith(b"<!DOCTYPE html>") or b"<html" in html[:200]


def test_the_cli(mlflow_server, store, decided, capsys) -> None:
    from assay.cli import main

    did = decided.decision.decision_id
    assert (
        main(["mlflow", "export", "--decision", did, "--tracking-uri", mlflow_server.url, "--json"])
        == 0
    )
    shown = json.loads(capsys.readouterr().out)
    assert _mlflow_run(mlflow_server.url, shown["run_id"])["tags"]["assay.decision_id"] == did
    assert main(["mlflow", "export", "--comparison", did, "--tracking-uri", mlflow_server.url]) == 4
    assert "BASELINE CANDIDATE" in capsys.readouterr().err
