"""Each deviation an offline study can take from its registered plan, one fact at a time, and
the states a study's events put it in."""

from __future__ import annotations

from datetime import date

import pytest
from adult_runs import STUDY

from assay.governance import (
    StudyRegistration,
    load_study_file,
    offline_deviations,
    overdue,
    plan_sample_size,
    study_state,
)

SUITE, POLICY = "a" * 64, "b" * 64


def _registration(stopping: str = "fixed") -> StudyRegistration:
    text = STUDY.format(
        name="s",
        deadline="2027-01-31",
        policy="default",
        stated="  n: 1000\n",
        stopping=stopping,
        looks="" if stopping == "fixed" else "  max_looks: 2\n",
    )
    plan = load_study_file(text.encode(), name="s.yaml")
    return StudyRegistration(
        plan=plan,
        suite_digests={"adult-income": SUITE},
        policy_name="default",
        policy_digest=POLICY,
        sample_size=plan_sample_size(plan),
    )


def _kinds(**facts: object) -> list[str]:
    return [d.kind for d in offline_deviations(_registration(), **facts)]  # type: ignore[arg-type]


def test_a_decision_as_planned_has_no_deviation():
    facts = {
        "run_suites": [("r1", SUITE), ("r2", SUITE)],
        "n": 1000,
        "looks": 1,
        "metrics": ["accuracy"],
        "policy": ("default", POLICY),
        "decided_on": date(2027, 1, 31),
    }
    assert _kinds(**facts) == []


@pytest.mark.parametrize(
    ("facts", "kind", "words"),
    [
        ({"run_suites": [("r2", "c" * 64)]}, "suite", "suite version cccccccccccc"),
        ({"metrics": ["f1"]}, "primary_metric", "did not judge the registered primary metric"),
        ({"policy": ("strict", "d" * 64)}, "policy", "used policy 'strict'"),
        ({"n": 400, "looks": 1}, "sample_size", "400 paired examples read, 40% of the planned"),
        ({"looks": 2}, "looks", "the fixed stopping rule allows 1"),
        ({"decided_on": date(2027, 2, 1)}, "deadline", "after the registered deadline"),
    ],
)
def test_each_deviation_is_named_with_what_was_planned(facts, kind, words):
    (found,) = offline_deviations(_registration(), **facts)
    assert found.kind == kind and words in found.message
    assert found.planned and found.actual


def test_a_sequential_study_may_look_more_often_but_not_beyond_its_looks():
    sequential = _registration("sequential")
    assert offline_deviations(sequential, looks=2) == []
    (found,) = offline_deviations(sequential, looks=3)
    assert found.kind == "looks" and "sequential stopping rule allows 2" in found.message


def test_states_and_overdue():
    assert study_state([]) == "planned"
    assert study_state([{"event": "attach", "run": "r"}]) == "running"
    assert (
        study_state([{"event": "attach", "run": "r"}, {"event": "attach", "decision": "d"}])
        == "decided"
    )
    assert (
        study_state([{"event": "attach", "decision": "d"}, {"event": "kill", "reason": "x"}])
        == "killed"
    )
    registration = _registration()
    assert overdue(registration, "running", date(2027, 2, 1))
    assert not overdue(registration, "decided", date(2027, 2, 1))
    assert not overdue(registration, "planned", date(2027, 1, 31))


def test_flags_only_report():
    from assay.core import RuleOutcome, Verdict, VerdictResult
    from assay.governance import StudyDeviation, flag_verdict

    rule = RuleOutcome(
        rule="ni",
        tier="quality",
        kind="non_inferiority",
        metric="accuracy",
        outcome="pass",
        blocking=True,
        reason="accuracy within the margin",
    )
    plain = VerdictResult(
        verdict=Verdict.SHIP,
        policy="p",
        policy_digest="d",
        summary="SHIP: all rules pass",
        rules=[rule],
    )
    late = StudyDeviation("deadline", "2027-01-31", "2027-02-01", "decided after the deadline")
    flagged = flag_verdict(plain, "s", [late])
    assert flagged.verdict == Verdict.SHIP
    assert flagged.summary == (
        "SHIP: all rules pass. Study 's': 1 deviation from the registered plan (deadline)."
    )
    assert [r.rule for r in flagged.rules] == ["ni", "study_deviation_deadline"]
