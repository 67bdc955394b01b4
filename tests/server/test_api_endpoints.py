"""The analysis endpoints over real HTTP: paged and filtered runs and records, comparisons
(the model's own dump), verdicts, recording a decision, and the ledger."""

from __future__ import annotations

import json
import urllib.parse
import urllib.request
from typing import Any

import pytest
import yaml

import assay
from assay.server._cache import cached_comparison
from assay.storage import RecordFilter, Store
from assay.testing import synthetic_records, synthetic_suite


def get(url: str, path: str, **query: Any) -> Any:
    target = url + path + ("?" + urllib.parse.urlencode(query, doseq=True) if query else "")
    with urllib.request.urlopen(target, timeout=60) as response:
        return json.loads(response.read())


def post(url: str, path: str, body: object) -> tuple[int, Any]:
    request = urllib.request.Request(
        url + path,
        data=json.dumps(body).encode(),
        method="POST",
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=120) as response:
        return response.status, json.loads(response.read())


@pytest.fixture
def runs(server_store: Store) -> list[str]:
    data = synthetic_suite(80, seed=11)
    ids = []
    for i in range(5):
        records = synthetic_records(data, seed=i, error_rate=0.02 * i)
        logged = assay.log_run(records, suite=data, model=f"m@{i}", store=server_store)
        ids.append(logged.run.run_id)
    return ids


def test_runs_are_listed_in_pages_with_the_cli_filters(
    live_server: str, runs: list[str], server_store: Store
) -> None:
    seen: list[str] = []
    cursor = None
    while True:
        query: dict[str, Any] = {"limit": 2, "sort": "-created_at"}
        if cursor:
            query["cursor"] = cursor
        page = get(live_server, "/api/v1/runs", **query)
        seen += [r["run_id"] for r in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert sorted(seen) == sorted(runs) and len(seen) == len(set(seen))
    best = get(live_server, "/api/v1/runs", sort="-metric:accuracy", where="accuracy>=0.5")
    expected = assay.list_runs(store=server_store, sort="accuracy", where=["accuracy>=0.5"])
    assert [r["run_id"] for r in best["items"]] == [r.run_id for r in expected]
    estimates = [r["metrics"]["accuracy"]["estimate"] for r in best["items"]]
    assert estimates == sorted(estimates, reverse=True) and min(estimates) >= 0.5


def test_a_record_page_is_filtered_on_the_server(
    live_server: str, runs: list[str], server_store: Store
) -> None:
    page = get(live_server, f"/api/v1/runs/{runs[4]}/records", error="true", limit=2)
    expected = server_store.runs.page(runs[4], RecordFilter(error=True), offset=0, limit=2)
    assert page["total"] == expected.total > 2 and len(page["items"]) == 2
    assert all(r["error"] for r in page["items"])
    assert [r["example_id"] for r in page["items"]] == [r["example_id"] for r in expected.rows]
    none = get(live_server, f"/api/v1/runs/{runs[4]}/records", q="no such text anywhere")
    assert none == {"items": [], "total": 0, "offset": 0, "text_withheld": False}


def test_comparisons_verdicts_and_recorded_decisions(
    live_server: str, runs: list[str], server_store: Store
) -> None:
    found = get(live_server, "/api/v1/comparisons", baseline=runs[0], candidate=runs[4])
    app_state = type("S", (), {})()
    app_state.store, app_state.caches = server_store, {}
    app_state.settings = type("T", (), {"comparison_cache_size": 2})()
    local = cached_comparison(app_state, runs[0], runs[4])  # type: ignore[arg-type]
    assert found["baseline_run"] == runs[0] and found["candidate_run"] == runs[4]
    assert [r["metric"] for r in found["results"]] == [r.metric for r in local.results]
    status, verdict = post(
        live_server, "/api/v1/verdicts", {"baseline": runs[0], "candidate": runs[4]}
    )
    assert status == 200 and verdict["verdict"] in {"SHIP", "BLOCK", "INCONCLUSIVE"}
    status, recorded = post(
        live_server, "/api/v1/decisions", {"baseline": runs[0], "candidate": runs[4]}
    )
    assert status == 201 and recorded["decision"]["verdict"] == verdict["verdict"]
    assert {e["name"] for e in recorded["evidence"]} >= {"report.html", "memo.md", "policy.yaml"}
    status, again = post(
        live_server, "/api/v1/decisions", {"baseline": runs[0], "candidate": runs[4]}
    )
    assert status == 200 and again["decision"] == recorded["decision"]
    assert len(server_store.decisions.list()) == 1
    assert get(live_server, "/api/v1/ledger/verify")["ok"] is True
    assert len(get(live_server, "/api/v1/ledger")["items"]) == 1


def test_an_ab_readout_with_its_plan(live_server: str) -> None:
    from assay.online import ExperimentPlan, Guardrail

    plan = ExperimentPlan(
        name="ranker-v2",
        hypothesis="The new ranker raises conversion.",
        primary_metric="converted",
        mde=0.1,
        guardrails=(Guardrail("latency_ms", 0.02, higher_is_better=False),),
        sample_size_per_arm=20_000,
        duration_days=14,
        daily_traffic=4_000,
    )
    n = 20_000
    square = (n - 1) * 40.0**2 + n * 200.0**2
    data = (
        "metric,arm,n,sum,sum_squares\n"
        f"converted,control,{n},{0.10 * n},{0.10 * n}\n"
        f"converted,treatment,{n},{0.12 * n},{0.12 * n}\n"
        f"latency_ms,control,{n},{200.0 * n},{square}\n"
        f"latency_ms,treatment,{n},{200.0 * n},{square}\n"
    )
    body = {"data_csv": data, "plan_yaml": yaml.safe_dump(plan.to_dict())}
    status, found = post(live_server, "/api/v1/experiments/readout", body)
    local = assay.read_out_experiment(pa_csv(data), plan=plan.to_dict())
    assert status == 200
    assert found["decision"] is not None
    expected = local.to_dict()
    assert found["readout"]["control"] == expected["readout"]["control"]
    verdicts = [arm["verdict"]["verdict"] for arm in found["decision"]["arms"]]
    assert verdicts == [arm["verdict"]["verdict"] for arm in expected["decision"]["arms"]]
    assert verdicts == ["SHIP"]


def pa_csv(text: str) -> Any:
    import io

    import pyarrow.csv as pcsv

    return pcsv.read_csv(io.BytesIO(text.encode()))
