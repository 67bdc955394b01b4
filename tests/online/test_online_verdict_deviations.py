"""The pre-registered plan against the analysis run: every deviation, and the early look."""

from __future__ import annotations

import dataclasses
import math
from datetime import date

import pyarrow as pa
import pytest

from assay.core import Verdict
from assay.errors import ParameterError
from assay.online import (
    DEVIATION_KINDS,
    Analysis,
    ExperimentPlan,
    Guardrail,
    check_deviations,
    decide_experiment,
    readout,
)
from assay.reports import render_memo


def plan_for(**changes: object) -> ExperimentPlan:
    base: dict[str, object] = {
        "name": "ranker",
        "hypothesis": "h",
        "primary_metric": "converted",
        "guardrails": (Guardrail("latency_ms", 0.02, higher_is_better=False),),
        "secondary_metrics": ("spend",),
        "family": ("converted",),
        "sample_size_per_arm": 20_000,
        "duration_days": 14,
    }
    return ExperimentPlan(**(base | changes))  # type: ignore[arg-type]


def as_planned(plan: ExperimentPlan) -> Analysis:
    return Analysis(
        primary_metric=plan.primary_metric,
        metrics=plan.metrics(),
        alpha=plan.alpha,
        alternative=plan.alternative,
        family=plan.effective_family(),
        multiplicity=plan.multiplicity,
        cuped=plan.cuped,
        sequential=plan.sequential,
        n_by_arm={"control": 20_000, "treatment": 20_000},
        started=date(2024, 3, 1),
        analysed=date(2024, 3, 15),
    )


CHANGES: dict[str, dict[str, object]] = {
    "primary_metric": {"primary_metric": "spend"},
    "unplanned_metric": {"metrics": ("converted", "latency_ms", "spend", "clicks")},
    "missing_metric": {"metrics": ("converted", "latency_ms")},
    "alpha": {"alpha": 0.1},
    "alternative": {"alternative": "greater"},
    "family": {"family": ("converted", "spend")},
    "multiplicity": {"multiplicity": "bh"},
    "cuped": {"cuped": True},
    "sequential": {"sequential": True, "n_by_arm": {"control": 100, "treatment": 100}},
    "early_look": {"n_by_arm": {"control": 12_000, "treatment": 12_000}},
}


def test_an_analysis_as_planned_has_no_deviation() -> None:
    plan = plan_for()
    assert check_deviations(plan, as_planned(plan)) == []


@pytest.mark.parametrize("kind", DEVIATION_KINDS)
def test_every_kind_of_deviation_is_flagged_alone(kind: str) -> None:
    plan = plan_for()
    analysis = dataclasses.replace(as_planned(plan), **CHANGES[kind])  # type: ignore[arg-type]
    found = check_deviations(plan, analysis)
    assert [d.kind for d in found] == [kind]
    d = found[0]
    assert d.message and d.planned != d.actual
    # The early look, a looser alpha (0.1 > 0.05) and a one-sided test instead of the planned
    # two-sided one would let a SHIP through on a weaker test than planned.
    assert d.blocks_ship == (kind in ("early_look", "alpha", "alternative"))
    assert (d.to_settle is not None) == d.blocks_ship
    if kind == "unplanned_metric":
        assert d.metric == "clicks"
    if kind == "missing_metric":
        assert d.metric == "spend"


def test_a_stricter_test_than_planned_is_reported_only() -> None:
    plan = plan_for(alternative="greater")
    stricter = dataclasses.replace(as_planned(plan), alpha=0.01, alternative="two-sided")
    found = check_deviations(plan, stricter)
    assert [(d.kind, d.blocks_ship) for d in found] == [("alpha", False), ("alternative", False)]


def test_cuped_planned_but_not_used_is_also_a_deviation() -> None:
    plan = plan_for(cuped=True)
    found = check_deviations(plan, dataclasses.replace(as_planned(plan), cuped=False))
    assert [(d.kind, d.planned, d.actual) for d in found] == [("cuped", "yes", "no")]


def test_early_look_by_date_and_by_units() -> None:
    plan = plan_for()
    by_date = dataclasses.replace(as_planned(plan), analysed=date(2024, 3, 8))
    (d,) = check_deviations(plan, by_date)
    assert d.kind == "early_look" and "after 7 of 14 planned days" in d.actual
    # Unequal arms: the average per arm decides, so a small imbalance at the horizon is fine.
    balanced = dataclasses.replace(as_planned(plan), n_by_arm={"a": 19_990, "b": 20_010})
    assert check_deviations(plan, balanced) == []
    # A sequential analysis may look whenever it likes.
    seq_plan = plan_for(sequential=True)
    early_seq = dataclasses.replace(as_planned(seq_plan), analysed=date(2024, 3, 3))
    assert check_deviations(seq_plan, early_seq) == []


def test_analysis_from_readout_reads_the_settings_it_used() -> None:
    t = pa.table(
        {
            "metric": ["converted"] * 2 + ["latency_ms"] * 2 + ["spend"] * 2,
            "arm": ["control", "treatment"] * 3,
            "n": [20_000] * 6,
            "sum": [2000.0, 2400, 4e6, 4e6, 2e5, 2e5],
            "sum_squares": [2000.0, 2400, 8.32e8, 8.32e8, 2.5e6, 2.5e6],
        }
    )
    plan = plan_for()
    r = readout(t, plan=plan)
    a = Analysis.from_readout(r, plan=plan, started=date(2024, 3, 1), analysed=date(2024, 3, 20))
    assert (a.primary_metric, a.metrics, a.alternative, a.family, a.multiplicity) == (
        "converted",
        ("converted", "latency_ms", "spend"),
        "two-sided",
        ("converted",),
        "holm",
    )
    assert (a.cuped, a.sequential, a.n_by_arm) == (
        False,
        False,
        {"control": 20_000, "treatment": 20_000},
    )
    assert math.isclose(a.alpha, 0.05) and a.days == 19
    assert check_deviations(plan, r) == []
    changed = readout(t, plan=plan, multiplicity="bh", cuped=True)
    assert {d.kind for d in check_deviations(plan, changed)} == {"multiplicity", "cuped"}
    with pytest.raises(ParameterError, match="'analysis' parameter of check_deviations"):
        check_deviations(plan, {"alpha": 0.05})  # type: ignore[arg-type]


def _win(n: int) -> pa.Table:
    rows = {
        "metric": ["converted", "converted", "latency_ms", "latency_ms"],
        "arm": ["control", "treatment"] * 2,
        "n": [n] * 4,
        "sum": [0.10 * n, 0.13 * n, 200.0 * n, 200.0 * n],
    }
    sq = (n - 1) * 40.0**2 + n * 200.0**2
    rows["sum_squares"] = [0.10 * n, 0.13 * n, sq, sq]
    return pa.table(rows)


def test_unplanned_early_look_turns_a_ship_into_inconclusive() -> None:
    plan = plan_for(secondary_metrics=(), sample_size_per_arm=40_000)
    r = readout(_win(20_000), plan=plan)
    ev = decide_experiment(r, plan)
    v = ev.best.verdict
    early = next(o for o in v.rules if o.rule == "deviation_early_look")
    assert (early.kind, early.outcome, early.blocking) == ("deviation", "inconclusive", True)
    assert v.verdict is Verdict.INCONCLUSIVE
    assert next(o for o in v.rules if o.rule == "converted_superiority").outcome == "pass"
    assert "20,000 users per arm (average over the arms), 50% of the planned 40,000" in early.reason
    assert "short by more than the 2% tolerance" in early.reason and early.to_settle
    # The same data at the planned horizon ships, and so does an early sequential look.
    at_horizon = plan_for(secondary_metrics=(), sample_size_per_arm=20_000)
    assert decide_experiment(readout(_win(20_000), plan=at_horizon), at_horizon).verdict is (
        Verdict.SHIP
    )
    seq = plan_for(secondary_metrics=(), sample_size_per_arm=40_000, sequential=True)
    ev_seq = decide_experiment(readout(_win(20_000), plan=seq), seq)
    assert ev_seq.deviations == () and ev_seq.verdict is Verdict.SHIP


def test_non_blocking_deviations_are_reported_and_reach_the_memo() -> None:
    plan = plan_for(secondary_metrics=())
    r = readout(_win(20_000), plan=plan, multiplicity="bh")
    ev = decide_experiment(r, plan)
    v = ev.best.verdict
    dev = next(o for o in v.rules if o.kind == "deviation")
    assert (dev.rule, dev.outcome, dev.blocking) == ("deviation_multiplicity", "fail", False)
    assert v.verdict is Verdict.SHIP and "reported only" in v.summary
    memo = render_memo(ev.best.comparison, v)
    assert "multiplicity adjustment changed from holm to bh" in memo


def test_the_plan_judges_at_the_readouts_level_and_a_looser_one_cannot_ship() -> None:
    plan = plan_for(secondary_metrics=())
    v = decide_experiment(readout(_win(20_000), plan=plan, confidence=0.9), plan).best.verdict
    assert v.verdict is Verdict.INCONCLUSIVE
    dev = next(o for o in v.rules if o.rule == "deviation_alpha")
    assert dev.blocking and dev.outcome == "inconclusive"
    assert dev.to_settle == "read the intervals at the planned 0.95"
    assert next(o for o in v.rules if o.rule == "converted_superiority").outcome == "pass"
    strict = decide_experiment(readout(_win(20_000), plan=plan, confidence=0.99), plan)
    assert strict.verdict is Verdict.SHIP and strict.deviations[0].kind == "alpha"


def test_a_changed_primary_metric_is_named_in_the_verdict() -> None:
    plan = plan_for(secondary_metrics=())
    r = readout(_win(20_000), plan=plan)
    analysis = Analysis.from_readout(r, plan=plan, primary_metric="latency_ms")
    v = decide_experiment(r, plan, analysis=analysis).best.verdict
    dev = next(o for o in v.rules if o.rule == "deviation_primary_metric_latency_ms")
    assert "from 'converted' to 'latency_ms'" in dev.reason
