"""``assay kpis`` on a real store (SQLite and PostgreSQL) holding real runs on a sample of the
Adult census, decisions of every verdict, a reproduced and a failed reproduction, challenges
and studies: every KPI equals a hand count from the same data, every interval statsmodels'
Wilson interval."""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from datetime import timedelta

import pyarrow as pa
import pyarrow.compute as pc
import pytest
from statsmodels.stats.proportion import proportion_confint

import assay
from assay.core import Verdict
from assay.testing import make_approval, make_decision
from assay.workflows import team_kpis

DAY = 24 * 60


@dataclass
class Story:
    runs: dict[str, str]
    decisions: dict[str, str]


def _logged(store, data, source, model: str, provenance=None) -> str:
    """A run stored from a log: outputs and costs, but no adapter to rebuild."""
    table = store.runs.records(source, ["example_id", "output"])
    n = table.num_rows
    table = table.append_column("cost", pa.array([0.001] * n)).append_column(
        "tokens_in", pa.array([10] * n, pa.int64())
    )
    table = table.append_column("tokens_out", pa.array([2] * n, pa.int64()))
    logged = assay.log_run(table, suite=data, model=model, store=store, provenance=provenance)
    return logged.run.run_id


def populate(store, data, models: str) -> Story:
    """The story of the module docstring; decisions are made from 2025-01-01 (ISO week 1)."""
    assay.register_suite(data, store=store)
    runs = {
        name: assay.evaluate(
            f"{models}:{fn}", suite=data, model=f"{name}@1", store=store
        ).run.run_id
        for name, fn in (("edu", "by_education"), ("hours", "by_hours"), ("drift", "drifting"))
    }
    runs["logged"] = _logged(store, data, runs["edu"], "ext@1")
    http = {"adapter": {"adapter": "openai", "model": "m", "base_url": "http://127.0.0.1:9/v1"}}
    runs["http"] = _logged(store, data, runs["hours"], "api@1", provenance=http)
    plan = [  # name, verdict, baseline, candidate, minutes after 2025-01-01
        ("ok", Verdict.SHIP, "edu", "hours", 0),
        ("fail", Verdict.SHIP, "edu", "drift", 60),
        ("logged", Verdict.SHIP, "hours", "logged", 8 * DAY),
        ("http", Verdict.SHIP, "hours", "http", 8 * DAY + 1),
        ("block", Verdict.BLOCK, "edu", "hours", 9 * DAY),
        ("overridden", Verdict.BLOCK, "hours", "edu", 15 * DAY),
        ("inconclusive", Verdict.INCONCLUSIVE, "edu", "hours", 16 * DAY),
    ]
    decisions = {}
    for name, verdict, base, cand, minutes in plan:
        d = make_decision(
            runs[base], runs[cand], verdict=verdict, minutes=minutes, suite_digest=data.suite.digest
        )
        store.decisions.put(d)
        decisions[name] = d.decision_id
    store.decisions.approve(decisions["overridden"], make_approval("lead", status="override"))
    for name in ("ok", "ok", "block", "http"):  # two alarms on one decision count once
        store.decisions.challenge(decisions[name], {"monitor": "income-watch", "alarm": "accuracy"})
    record = store.decisions.record
    for study in ("churn", "pricing", "dead", "open"):
        record(
            "study",
            f"study:{study}",
            {
                "name": study,
                "owner": "ml team",
                "deadline": "2026-12-31",
                "suites": ["adult-sample"],
                "primary_metric": "accuracy",
            },
        )
    record("study_event", "study:churn", {"event": "attach", "run": runs["edu"]})
    record("study_event", "study:churn", {"event": "attach", "decision": decisions["ok"]})
    record("study_event", "study:churn", {"event": "attach", "decision": decisions["fail"]})
    record("study_event", "study:pricing", {"event": "attach", "decision": decisions["block"]})
    record("study_event", "study:dead", {"event": "kill", "reason": "futile"})
    record("study_event", "study:ghost", {"event": "attach", "decision": decisions["ok"]})
    return Story(runs, decisions)


def _wilson(k: int, n: int) -> tuple[float, float]:
    low, high = proportion_confint(k, n, alpha=0.05, method="wilson")
    return float(low), float(high)


def test_every_kpi_equals_a_hand_count(real_store, adult_data, models):
    story = populate(real_store, adult_data, models)
    report = team_kpis(store=real_store)
    d = story.decisions
    assert report.n_decisions == 7 and not report.empty
    # reproducibility: "ok" reproduces (both rule models are deterministic), "fail" has the
    # drifting model; the logged run cannot be rebuilt and the HTTP one is not run offline
    status = {r.decision_id: r.status for r in report.reproduced}
    assert status == {
        d["ok"]: "reproduced",
        d["fail"]: "failed",
        d["logged"]: "not checked",
        d["http"]: "not checked",
    }
    r = report.reproducibility
    assert (r.numerator, r.denominator) == (1, 2)
    assert (r.low, r.high) == pytest.approx(_wilson(1, 2), abs=1e-12)
    failed = report.failures()[0]
    runs = {c.run_id: c for c in failed.runs}
    assert runs[story.runs["drift"]].status == "failed"
    assert "outputs identical" in runs[story.runs["drift"]].reason
    assert runs[story.runs["edu"]].status == "reproduced"
    checks = {c.run_id: c for x in report.reproduced for c in x.runs}
    assert "HTTP model (openai)" in checks[story.runs["http"]].reason
    assert "Cannot rebuild the model" in checks[story.runs["logged"]].reason
    # regressions: 2 BLOCK decisions against 2 challenged SHIP decisions (the BLOCK's alarm
    # is not a regression that reached users; two alarms on "ok" are one regression)
    c = report.caught_by_gates
    assert (c.numerator, c.denominator) == (2, 4)
    assert (c.low, c.high) == pytest.approx(_wilson(2, 4), abs=1e-12)
    assert set(report.challenged) == {d["ok"], d["http"]} and report.overridden == 1
    # gate outcomes per ISO week, by hand: 2025-01-01 is a Wednesday of week 1
    assert [(w.week, w.ship, w.block, w.inconclusive) for w in report.weeks] == [
        ("2025-W01", 2, 0, 0),
        ("2025-W02", 2, 1, 0),
        ("2025-W03", 0, 1, 1),
    ]
    # cycle time: registration to the first decision attached; the decision's time is its
    # created_at (hashed in its ledger entry), the registration's the ledger's recorded_at
    # (these registration payloads hold no time), so the report says which is which
    entries = {
        (e.kind, e.decision_id, e.payload.get("decision")): e.recorded_at
        for e in real_store.decisions.ledger()
        if e.kind in ("study", "study_event")
    }
    created = {x.decision_id: x.created_at for x in real_store.decisions.list()}
    hand = [
        created[d["ok"]] - entries[("study", "study:churn", None)],
        created[d["block"]] - entries[("study", "study:pricing", None)],
    ]
    days = [h / timedelta(days=1) for h in hand]
    cycle = report.cycle_time
    assert [s.study for s in cycle.studies] == ["churn", "pricing"]
    assert cycle.summary() == pytest.approx(
        {"median": statistics.median(days), "min": min(days), "max": max(days)}
    )
    assert (cycle.n, cycle.open, cycle.killed) == (2, 1, 1)
    assert all(s.decided_hashed and not s.registered_hashed for s in cycle.studies)
    assert "the payload holds no time" in cycle.times()
    # evaluation cost: sums of the stored record columns; absent columns are not recorded
    totals = report.cost_totals
    assert len(report.costs) == 5
    latency = [real_store.runs.records(r, ["latency_ms"]).column(0) for r in story.runs.values()]
    assert totals["latency_ms"].total == pytest.approx(sum(pc.sum(x).as_py() or 0 for x in latency))
    assert totals["cost"].total == pytest.approx(2 * 600 * 0.001) and totals["cost"].records == 1200
    assert totals["tokens_in"].total == 2 * 600 * 10 and totals["tokens_out"].records == 1200
    # nothing was recorded by the checks: the reproductions ran, were judged, and left
    assert len(real_store.runs.list()) == 5


def test_since_keeps_only_what_happened_from_then_on(real_store, adult_data, models):
    story = populate(real_store, adult_data, models)
    report = team_kpis(store=real_store, since="2025-01-08")
    d = story.decisions
    assert report.n_decisions == 5
    assert {r.decision_id for r in report.reproduced} == {d["logged"], d["http"]}
    assert report.reproducibility is None  # neither could be checked: no rate, not 0%
    assert [w.week for w in report.weeks] == ["2025-W02", "2025-W03"]
    # the alarms were recorded after the date, about SHIP decisions made before or after it
    assert (report.caught_by_gates.numerator, report.caught_by_gates.denominator) == (2, 4)
    later = team_kpis(store=real_store, since="2025-01-16T00:00:00")
    assert later.n_decisions == 2 and later.blocked == (d["overridden"],)
