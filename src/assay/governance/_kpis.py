"""The team's own KPIs, computed from decisions, ledger entries, reproduction checks and run
costs: is the team's evidence getting better?

* reproducibility: SHIP decisions whose runs (baseline and candidate) all reproduce, over the
  SHIP decisions whose runs could all be checked or one of which failed; a decision with a run
  that cannot run again here (and none that failed) is "not checked", not a failure;
* decision cycle time: a study's registration (its first ``study`` entry) to the first
  decision attached to it (``study_event`` ``{"event": "attach", "decision": ID}``), in days.
  The ledger's ``recorded_at`` is not hashed (it can be edited without the chain showing it),
  so the times come from hashed payloads where they exist: the decision's ``created_at`` (in
  its ``decision`` entry) and a ``registered_at`` in the registration payload. Where a payload
  holds no time the ``recorded_at`` is used and the report says so (:meth:`CycleTime.times`);
* regressions caught by gates (BLOCK decisions) against those caught by monitors after
  release (SHIP decisions with at least one ``challenge`` entry), counted by decision;
* gate outcomes per ISO week;
* evaluation cost: totals of the runs' ``cost``, ``tokens_in``, ``tokens_out`` and
  ``latency_ms`` record columns, "not recorded" when no record has the column.

Every rate carries its numerator, denominator and Wilson score interval. With ``since``, only
what happened from then on counts: decisions made, challenges recorded, studies decided, runs
created.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from assay.core import Decision, LedgerEntry, Verdict
from assay.governance._kpis_model import (
    CostField,
    CycleTime,
    KpiReport,
    Rate,
    ReproducedDecision,
    RunCheck,
    RunCost,
    StudyCycle,
    WeekOutcomes,
    rate,
)

__all__ = ["COST_FIELDS", "compute_team_kpis", "kpis_to_dict"]

COST_FIELDS = ("cost", "tokens_in", "tokens_out", "latency_ms")


def _since(when: datetime, since: datetime | None) -> bool:
    return since is None or when >= since


def _reproduced(decision: Decision, checks: Mapping[str, RunCheck]) -> ReproducedDecision:
    runs = tuple(
        checks.get(run, RunCheck(run, "not checked", "no reproduction was attempted"))
        for run in dict.fromkeys((decision.baseline_run, decision.candidate_run))
    )
    statuses = {r.status for r in runs}
    status = (
        "failed"
        if "failed" in statuses
        else "reproduced"
        if statuses == {"reproduced"}
        else "not checked"
    )
    return ReproducedDecision(decision.decision_id, decision.title, status, runs)


def _hashed_time(payload: Mapping[str, Any], key: str) -> datetime | None:
    value = payload.get(key)
    if not isinstance(value, str):
        return None
    try:
        when = datetime.fromisoformat(value)
    except ValueError:
        return None
    return when if when.tzinfo is not None else when.replace(tzinfo=UTC)


def _cycle_time(
    studies: Sequence[LedgerEntry],
    events: Sequence[LedgerEntry],
    since: datetime | None,
    created: Mapping[str, datetime],
) -> CycleTime:
    registered: dict[str, tuple[datetime, bool]] = {}
    for entry in studies:
        hashed = _hashed_time(entry.payload, "registered_at")
        registered.setdefault(
            entry.decision_id, (hashed, True) if hashed else (entry.recorded_at, False)
        )
    decided: dict[str, tuple[datetime, bool, str]] = {}
    killed: set[str] = set()
    for entry in events:
        payload, subject = entry.payload, entry.decision_id
        if subject not in registered or subject in decided:
            continue
        if payload.get("event") == "attach" and isinstance(payload.get("decision"), str):
            decision = str(payload["decision"])
            at = created.get(decision)
            decided[subject] = (
                (at, True, decision) if at is not None else (entry.recorded_at, False, decision)
            )
        elif payload.get("event") == "kill":
            killed.add(subject)
    cycles = tuple(
        StudyCycle(
            subject.removeprefix("study:"),
            registered[subject][0],
            at,
            decision,
            registered_hashed=registered[subject][1],
            decided_hashed=hashed,
        )
        for subject, (at, hashed, decision) in decided.items()
        if _since(at, since)
    )
    waiting = [s for s in registered if s not in decided and _since(registered[s][0], since)]
    return CycleTime(
        cycles, sum(s not in killed for s in waiting), sum(s in killed for s in waiting)
    )


def _weeks(decisions: Sequence[Decision]) -> tuple[WeekOutcomes, ...]:
    if not decisions:
        return ()
    counts: dict[str, dict[str, int]] = {}
    start = min(d.created_at for d in decisions).date()
    end = max(d.created_at for d in decisions).date()
    day = start - timedelta(days=start.weekday())
    while day <= end:  # every week from the first to the last, empty ones included
        year, week, _ = day.isocalendar()
        counts[f"{year}-W{week:02d}"] = {"ship": 0, "block": 0, "inconclusive": 0}
        day += timedelta(days=7)
    for d in decisions:
        year, week, _ = d.created_at.isocalendar()
        counts[f"{year}-W{week:02d}"][d.verdict.value.lower()] += 1
    return tuple(WeekOutcomes(week, **c) for week, c in counts.items())


def _cost_totals(costs: Sequence[RunCost]) -> dict[str, CostField | None]:
    totals: dict[str, CostField | None] = {}
    for name in COST_FIELDS:
        found = [c.fields.get(name) for c in costs]
        present = [f for f in found if f is not None]
        totals[name] = (
            CostField(sum(f.total for f in present), sum(f.records for f in present))
            if present
            else None
        )
    return totals


def compute_team_kpis(
    *,
    decisions: Sequence[Decision],
    overrides: Mapping[str, int],
    challenges: Sequence[LedgerEntry],
    studies: Sequence[LedgerEntry],
    study_events: Sequence[LedgerEntry],
    checks: Mapping[str, RunCheck],
    costs: Sequence[RunCost],
    since: datetime | None = None,
    confidence: float = 0.95,
) -> KpiReport:
    """The KPIs of the module docstring from what the store holds (every decision, not only
    those of the period: a challenge in the period may be about an older SHIP decision).

    ``overrides`` counts ``override`` approvals by decision id; ``checks`` is the reproduction
    check of each run by run id (a run not in it is "not checked").
    """
    made = [d for d in decisions if _since(d.created_at, since)]
    ships = [d for d in made if d.verdict == Verdict.SHIP]
    reproduced = tuple(_reproduced(d, checks) for d in ships)
    settled = [d for d in reproduced if d.status != "not checked"]
    ok = sum(d.status == "reproduced" for d in settled)
    blocked = tuple(d.decision_id for d in made if d.verdict == Verdict.BLOCK)
    shipped = {d.decision_id for d in decisions if d.verdict == Verdict.SHIP}
    challenged = tuple(
        dict.fromkeys(
            c.decision_id
            for c in challenges
            if c.decision_id in shipped and _since(c.recorded_at, since)
        )
    )
    kept = [c for c in costs if _since(c.created_at, since)]
    return KpiReport(
        since=since,
        confidence=confidence,
        n_decisions=len(made),
        reproducibility=rate(ok, len(settled), confidence),
        reproduced=reproduced,
        cycle_time=_cycle_time(
            studies, study_events, since, {d.decision_id: d.created_at for d in decisions}
        ),
        caught_by_gates=rate(len(blocked), len(blocked) + len(challenged), confidence),
        blocked=blocked,
        challenged=challenged,
        overridden=sum(overrides.get(b, 0) > 0 for b in blocked),
        weeks=_weeks(made),
        costs=tuple(kept),
        cost_totals=_cost_totals(kept),
    )


def _fields(fields: Mapping[str, CostField | None]) -> dict[str, Any]:
    # a column no record has is None ("not recorded"), never 0
    return {
        k: None if v is None else {"total": v.total, "records": v.records}
        for k, v in fields.items()
    }


def kpis_to_dict(report: KpiReport) -> dict[str, Any]:
    """A JSON-ready dictionary of every KPI with its counts and intervals."""
    cycle = report.cycle_time

    def r(x: Rate | None) -> dict[str, Any] | None:
        return None if x is None else x.to_dict()

    return {
        "since": None if report.since is None else report.since.isoformat(),
        "n_decisions": report.n_decisions,
        "reproducibility": {
            "rate": r(report.reproducibility),
            "decisions": [
                {
                    "decision": d.decision_id,
                    "title": d.title,
                    "status": d.status,
                    "runs": [
                        {"run": c.run_id, "status": c.status, "reason": c.reason} for c in d.runs
                    ],
                }
                for d in report.reproduced
            ],
        },
        "cycle_time_days": {
            "n": cycle.n,
            "summary": cycle.summary(),
            "open": cycle.open,
            "killed": cycle.killed,
            "times": cycle.times(),
            "studies": [
                {
                    "study": s.study,
                    "decision": s.decision,
                    "days": s.days,
                    "registered_at": s.registered_at.isoformat(),
                    "registered_at_hashed": s.registered_hashed,
                    "decided_at": s.decided_at.isoformat(),
                    "decided_at_hashed": s.decided_hashed,
                }
                for s in cycle.studies
            ],
        },
        "regressions": {
            "caught_by_gates": r(report.caught_by_gates),
            "blocked": list(report.blocked),
            "challenged_ship": list(report.challenged),
            "blocked_then_overridden": report.overridden,
        },
        "gate_outcomes_by_week": [w.__dict__ for w in report.weeks],
        "evaluation_cost": {
            "runs": len(report.costs),
            "totals": _fields(report.cost_totals),
            "by_run": [
                {
                    "run": c.run_id,
                    "created_at": c.created_at.isoformat(),
                    "records": c.n_records,
                    **_fields(c.fields),
                }
                for c in report.costs
            ],
        },
    }
