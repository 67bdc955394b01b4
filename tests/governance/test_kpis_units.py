"""The KPI computation on its own: edge cases a store rarely shows (ISO weeks across a year's
end, studies killed or never decided, nothing to divide by)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from statsmodels.stats.proportion import proportion_confint

from assay.core import LedgerEntry, Verdict
from assay.governance import RunCheck, compute_team_kpis, kpis_to_dict, rate
from assay.testing import make_decision

T = datetime(2024, 12, 27, tzinfo=UTC)  # a Friday of ISO week 2024-W52


def _entry(seq: int, kind: str, subject: str, payload: dict, at: datetime) -> LedgerEntry:
    return LedgerEntry(
        sequence=seq,
        decision_id=subject,
        kind=kind,
        payload=payload,
        previous_hash="0" * 64,
        entry_hash=f"{seq:064x}",
        recorded_at=at,
    )


def _kpis(decisions, **kwargs):
    base = {
        "overrides": {},
        "challenges": [],
        "studies": [],
        "study_events": [],
        "checks": {},
        "costs": [],
    }
    return compute_team_kpis(decisions=decisions, **(base | kwargs))


def test_weeks_cross_the_year_end_and_empty_weeks_are_kept():
    days = [0, 3, 17]  # Fri 2024-12-27 (2024-W52), Mon 2024-12-30 (2025-W01), 2025-01-13 (W03)
    decisions = []
    for i, day in enumerate(days):
        d = make_decision("a", "b", verdict=(Verdict.SHIP, Verdict.BLOCK, Verdict.SHIP)[i])
        decisions.append(d.model_copy(update={"created_at": T + timedelta(days=day)}))
    report = _kpis(decisions)
    assert [(w.week, w.ship, w.block) for w in report.weeks] == [
        ("2024-W52", 1, 0),
        ("2025-W01", 0, 1),
        ("2025-W02", 0, 0),
        ("2025-W03", 1, 0),
    ]


def test_no_studies_and_nothing_checked_give_none_not_zero():
    report = _kpis([make_decision("a", "b", verdict=Verdict.SHIP)])
    assert report.cycle_time.summary() is None and report.cycle_time.n == 0
    assert report.reproducibility is None and report.caught_by_gates is None
    assert report.reproduced[0].status == "not checked"
    assert _kpis([]).empty


def test_study_states_follow_their_events():
    studies = [
        _entry(1, "study", f"study:{name}", {"name": name}, T) for name in ("a", "b", "c", "d")
    ]
    events = [
        _entry(5, "study_event", "study:a", {"event": "attach", "run": "r"}, T + timedelta(days=1)),
        _entry(
            6, "study_event", "study:a", {"event": "attach", "decision": "x"}, T + timedelta(days=2)
        ),
        _entry(
            7,
            "study_event",
            "study:b",
            {"event": "kill", "reason": "futile"},
            T + timedelta(days=3),
        ),
        _entry(
            8, "study_event", "study:c", {"event": "attach", "decision": "y"}, T + timedelta(days=6)
        ),
        _entry(
            9, "study_event", "study:a", {"event": "attach", "decision": "z"}, T + timedelta(days=9)
        ),
    ]
    cycle = _kpis([], studies=studies, study_events=events).cycle_time
    assert [(s.study, s.decision, s.days) for s in cycle.studies] == [
        ("a", "x", 2.0),
        ("c", "y", 6.0),
    ]
    assert cycle.summary() == {"median": 4.0, "min": 2.0, "max": 6.0}
    assert (cycle.open, cycle.killed) == (1, 1)


def test_a_failed_run_fails_its_decision_whatever_the_other_run():
    d = make_decision("a", "b", verdict=Verdict.SHIP)
    checks = {"a": RunCheck("a", "not checked", "http"), "b": RunCheck("b", "failed", "76%")}
    report = _kpis([d], checks=checks)
    assert report.reproduced[0].status == "failed" and len(report.failures()) == 1
    assert (report.reproducibility.numerator, report.reproducibility.denominator) == (0, 1)


def test_rates_are_statsmodels_wilson_intervals():
    for k, n in [(0, 1), (1, 2), (3, 7), (19, 20), (40, 40)]:
        r = rate(k, n, 0.95)
        low, high = proportion_confint(k, n, alpha=0.05, method="wilson")
        assert abs(r.low - low) < 1e-12 and abs(r.high - high) < 1e-12
        assert r.text().endswith(f"({k} of {n})")
    assert rate(0, 0, 0.95) is None


def test_cycle_times_come_from_hashed_payloads_where_they_exist():
    """An attach entry's recorded_at is not hashed: the decision's created_at is used. The
    registration payload's registered_at is used when present, else recorded_at, said so."""
    decision = make_decision("a", "b", verdict=Verdict.SHIP)
    decision = decision.model_copy(update={"created_at": T + timedelta(days=3)})
    stamped = {"name": "a", "registered_at": (T - timedelta(days=1)).isoformat()}
    studies = [
        _entry(1, "study", "study:a", stamped, T),
        _entry(2, "study", "study:b", {"name": "b"}, T),
    ]
    # recorded_at edited to look fast; one attach names a decision the store does not hold
    attach = {"event": "attach", "decision": decision.decision_id}
    events = [
        _entry(3, "study_event", "study:a", attach, T + timedelta(hours=1)),
        _entry(4, "study_event", "study:b", attach, T + timedelta(hours=2)),
    ]
    cycle = _kpis([decision], studies=studies, study_events=events).cycle_time
    a, b = cycle.studies
    assert (a.days, a.registered_hashed, a.decided_hashed) == (4.0, True, True)
    assert (b.days, b.registered_hashed, b.decided_hashed) == (3.0, False, True)
    assert "registered: 1 of 2 from a time in the hashed registration payload" in cycle.times()
    assert "recorded_at of the registration, not hashed" in cycle.times()
    gone = _kpis([], studies=studies, study_events=events[:1]).cycle_time
    assert gone.studies[0].decided_hashed is False and gone.studies[0].days == 1 + 1 / 24
    assert "the rest the attach entry recorded_at, not hashed" in gone.times()
    row = kpis_to_dict(_kpis([decision], studies=studies, study_events=events))
    first = row["cycle_time_days"]["studies"][0]
    assert (first["registered_at_hashed"], first["decided_at_hashed"], first["days"]) == (
        True,
        True,
        4.0,
    )
    assert row["cycle_time_days"]["times"] == cycle.times()
