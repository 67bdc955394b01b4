"""What a study's evidence says against its registered plan: deviations, futility and state.

A deviation is a fact about how the study was run, not a judgement of its data: the runs were
evaluated on another suite version than registered, the decision used another policy or did
not judge the primary metric, fewer examples than planned were read, more looks were taken
than the stopping rule allows, or the decision came after the deadline. Online studies take
their deviations from :func:`assay.online.check_deviations` instead (the workflow converts
them); nothing here repeats that machinery.

Futility is judged in :mod:`assay.governance._study_futility`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

from assay.governance._study import StudyRegistration

__all__ = [
    "STUDY_STATES",
    "StudyDeviation",
    "StudyState",
    "offline_deviations",
    "overdue",
    "study_state",
    "supersede_deviations",
]

StudyState = Literal["planned", "running", "decided", "killed"]
STUDY_STATES: tuple[StudyState, ...] = ("planned", "running", "decided", "killed")
"""A study's states: registered only, runs attached, a decision attached, killed."""


@dataclass(frozen=True)
class StudyDeviation:
    """One difference between a study's registered plan and what was done."""

    kind: str
    """``primary_metric``, ``policy``, ``suite``, ``sample_size``, ``looks``, ``deadline``,
    ``superseded_after_runs``, ``superseded_after_decision``;
    for an online study, the kind :func:`assay.online.check_deviations` reported."""
    planned: str
    """What the plan said."""
    actual: str
    """What was done."""
    message: str
    """The deviation in words."""
    decision: str | None = None
    """The decision that took it (``None`` for one in the evidence itself)."""


def offline_deviations(
    registration: StudyRegistration,
    *,
    run_suites: Sequence[tuple[str, str]] = (),
    n: int | None = None,
    looks: int = 0,
    metrics: Sequence[str] | None = None,
    policy: tuple[str, str] | None = None,
    decided_on: date | None = None,
) -> list[StudyDeviation]:
    """Every deviation of an offline study's evidence from its registration.

    ``run_suites``: (run id, suite digest) of each run used; ``n``: paired examples read for
    the primary metric; ``looks``: candidate runs read against the baseline; ``metrics``: the
    metrics the decision judged (``None`` before a decision); ``policy``: (name, digest) of the
    decision's policy; ``decided_on``: the decision's day. A study not decided by its deadline
    is flagged by :func:`overdue`, not here.
    """
    plan, out = registration.plan, []

    def add(kind: str, planned: str, actual: str, message: str) -> None:
        out.append(StudyDeviation(kind, planned, actual, message))

    registered = set(registration.suite_digests.values())
    for run_id, suite in run_suites:
        if suite not in registered:
            add(
                "suite",
                ", ".join(d[:12] for d in sorted(registered)),
                suite[:12],
                f"run {run_id[:12]} was evaluated on suite version {suite[:12]}, not a "
                "registered one; its evidence is not the planned evidence",
            )
    if metrics is not None and plan.primary_metric not in metrics:
        add(
            "primary_metric",
            plan.primary_metric,
            ", ".join(metrics) or "none",
            f"the decision did not judge the registered primary metric {plan.primary_metric!r}",
        )
    if policy is not None and policy[1] != registration.policy_digest:
        add(
            "policy",
            f"{registration.policy_name} ({registration.policy_digest[:12]})",
            f"{policy[0]} ({policy[1][:12]})",
            f"the decision used policy {policy[0]!r}, not the registered "
            f"{registration.policy_name!r} (or the registered policy was changed)",
        )
    planned_n = registration.sample_size.planned
    if n is not None and n < planned_n and (metrics is not None or looks > 0):
        add(
            "sample_size",
            f"{planned_n:,} examples",
            f"{n:,} examples",
            f"{n:,} paired examples read, {100 * n / planned_n:.3g}% of the planned "
            f"{planned_n:,}"
            + (
                "; a fixed-n study read early"
                if plan.stopping_rule.kind == "fixed"
                else "; allowed by the sequential stopping rule only with anytime-valid bounds"
            ),
        )
    allowed = plan.stopping_rule.max_looks
    if looks > allowed:
        add(
            "looks",
            f"at most {allowed} look{'s' if allowed > 1 else ''}",
            f"{looks} looks",
            f"{looks} candidate runs were read against the baseline; the "
            f"{plan.stopping_rule.kind} stopping rule allows {allowed}",
        )
    if decided_on is not None and decided_on > plan.deadline:
        add(
            "deadline",
            plan.deadline.isoformat(),
            decided_on.isoformat(),
            f"decided on {decided_on.isoformat()}, after the registered deadline "
            f"{plan.deadline.isoformat()}",
        )
    return out


def study_state(events: Sequence[dict[str, Any]]) -> StudyState:
    """The state that a study's ``study_event`` payloads (oldest first) put it in."""
    if any(e.get("event") == "kill" for e in events):
        return "killed"
    if any(e.get("event") == "attach" and "decision" in e for e in events):
        return "decided"
    if any(e.get("event") == "attach" and "run" in e for e in events):
        return "running"
    return "planned"


def overdue(registration: StudyRegistration, state: StudyState, today: date) -> bool:
    """Whether a study still open (planned or running) is past its deadline."""
    return state in ("planned", "running") and today > registration.plan.deadline


def supersede_deviations(
    versions: Sequence[tuple[int, int]], events: Sequence[tuple[int, dict[str, Any]]]
) -> list[StudyDeviation]:
    """A new version of the plan registered after evidence was attached: the plan was changed
    once results could have been seen (``superseded_after_runs``) or once the study was
    decided (``superseded_after_decision``). Read from the ledger's order alone, so a version
    recorded by any route is flagged the same way.

    ``versions``: (ledger sequence, version) of each valid registration, oldest first;
    ``events``: (ledger sequence, payload) of the study's ``study_event`` entries."""
    out = []
    for sequence, version in versions[1:]:
        before = [p for seq, p in events if seq < sequence and p.get("event") == "attach"]
        decisions = list(dict.fromkeys(str(p["decision"]) for p in before if "decision" in p))
        runs = list(dict.fromkeys(str(p["run"]) for p in before if "run" in p))
        if decisions:
            named = ", ".join(d[:12] for d in decisions)
            many = len(decisions) > 1
            out.append(
                StudyDeviation(
                    "superseded_after_decision",
                    f"version {version - 1}, frozen until the study was decided",
                    f"version {version}, registered after decision{'s' if many else ''} {named}",
                    f"the plan was replaced by version {version} after the study was decided "
                    f"(decision{'s' if many else ''} {named}): the new plan was written "
                    "knowing the outcome",
                )
            )
        elif runs:
            out.append(
                StudyDeviation(
                    "superseded_after_runs",
                    f"version {version - 1}, frozen before any run was attached",
                    f"version {version}, registered after {len(runs)} attached "
                    f"run{'s' if len(runs) > 1 else ''}",
                    f"the plan was replaced by version {version} after {len(runs)} "
                    f"run{'s were' if len(runs) > 1 else ' was'} attached: the new plan may "
                    "have been written knowing results",
                )
            )
    return out
