"""A study's progress (``assay study status``) and the roadmap of every study (``assay studies``).

Evidence is read the way a decision reads it: the first run attached is the baseline, the
newest one the candidate, compared by :func:`~assay.workflows.compare_runs` at the stopping
rule's confidence; each later run is one look. Futility is judged on the anytime-valid
confidence sequence of the per-example improvement on the primary metric
(:func:`assay.governance.futility`), so it may be read at every look.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from assay._util import scale_of
from assay.core import RuleOutcome
from assay.governance import (
    HYPOTHESIS_WORDS,
    StudyDeviation,
    StudyState,
    overdue,
    study_state,
)
from assay.storage import Store
from assay.workflows._store import resolve_store
from assay.workflows._study import LoadedStudy, load_study
from assay.workflows._study_evidence import offline_evidence, online_evidence

__all__ = ["StudyStatus", "list_studies", "study_status"]


@dataclass(frozen=True)
class StudyStatus:
    """Where a study stands: its plan, evidence so far, futility, deviations and outcome."""

    name: str
    """The study's name."""
    kind: str
    """``offline`` or ``online``."""
    state: StudyState
    """planned, running, decided or killed."""
    owner: str
    """Who answers for it."""
    deadline: date
    """The registered deadline."""
    overdue: bool
    """Open (planned or running) and past its deadline."""
    version: int
    """Registration version."""
    digest: str
    """The registration's digest."""
    registered_at: datetime
    """When the registration was recorded."""
    hypothesis: str
    """The registered hypothesis."""
    primary_metric: str
    """The registered primary metric."""
    minimum_effect: float
    """The effect that matters, in the metric's units."""
    policy: str
    """The registered decision policy."""
    sample_size: dict[str, Any]
    """The power calculation: required, planned, stated n, method, underpowered."""
    runs: list[str] = field(default_factory=list)
    """Attached runs (the first is the baseline)."""
    decisions: list[str] = field(default_factory=list)
    """Attached decisions."""
    evidence: dict[str, Any] | None = None
    """The paired comparison on the primary metric: difference, interval, method, n."""
    futility: dict[str, Any] | None = None
    """The confidence-sequence reading (:class:`assay.governance.Futility`)."""
    hypothesis_result: dict[str, str] | None = None
    """The study's verdict on its hypothesis from the evidence's interval on the primary
    metric (:func:`assay.governance.hypothesis_outcome`): ``outcome`` (``supported``, ``not
    supported``, ``not settled``) and ``reason`` (the metric, interval, method and minimum
    effect); ``None`` without evidence."""
    deviations: list[StudyDeviation] = field(default_factory=list)
    """Deviations from the registered plan so far."""
    outcome: str = "continue"
    """``continue``, ``stop``, ``effect shown`` (the futility reading's outcome),
    ``killed: REASON`` or the decision's verdict."""
    problems: list[str] = field(default_factory=list)
    """Why the registration no longer verifies (empty when it does)."""
    scale: str = ""
    """How the primary metric's numbers read (:func:`assay._util.scale_of`): ``pts`` for a
    proportion (effects in percentage points), ``ms`` for a latency, ``""`` otherwise; from
    the evidence, else from the suite's definition of the metric."""

    @property
    def progress(self) -> float | None:
        """Paired examples read as a share of the planned n."""
        if self.evidence is None:
            return None
        return float(self.evidence["n"]) / float(self.sample_size["planned"])

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON types."""
        out = asdict(self)
        out["deadline"] = self.deadline.isoformat()
        out["registered_at"] = self.registered_at.isoformat()
        out["progress"] = self.progress
        return out


def _outcome(state: StudyState, study: LoadedStudy, st: Store, found: dict[str, Any]) -> str:
    if state == "killed":
        reason = next(
            e.payload.get("reason") for e in study.events if e.payload.get("event") == "kill"
        )
        return f"killed: {reason}"
    if state == "decided":
        return str(st.decisions.get(study.attached("decision")[-1]).verdict.value)
    fut = found.get("futility")
    return str(fut["outcome"]) if fut is not None else "continue"  # as the futility reading says


def _hypothesis(outcome: RuleOutcome | None) -> dict[str, str] | None:
    if outcome is None:
        return None
    return {"outcome": HYPOTHESIS_WORDS[outcome.outcome], "reason": outcome.reason}


def _status(study: LoadedStudy, st: Store, *, rng: int, today: date) -> StudyStatus:
    reg, plan = study.registration, study.registration.plan
    state = study_state([e.payload for e in study.events])
    found = (
        offline_evidence(study, st, rng) if plan.kind == "offline" else online_evidence(study, st)
    )
    size = reg.sample_size
    return StudyStatus(
        name=plan.name,
        kind=plan.kind,
        state=state,
        owner=plan.owner,
        deadline=plan.deadline,
        overdue=overdue(reg, state, today),
        version=reg.version,
        digest=str(study.entry.payload.get("digest")),
        registered_at=study.entry.recorded_at,
        hypothesis=plan.hypothesis,
        primary_metric=plan.primary_metric,
        minimum_effect=plan.minimum_effect,
        policy=reg.policy_name,
        sample_size={
            **size.model_dump(),
            "planned": size.planned,
            "underpowered": size.underpowered,
        },
        runs=study.attached("run"),
        decisions=study.attached("decision"),
        evidence=found["evidence"],
        futility=found["futility"],
        hypothesis_result=_hypothesis(found.get("hypothesis")),
        deviations=[*study.superseded(), *found["deviations"]],
        outcome=_outcome(state, study, st, found),
        problems=study.problems,
        scale=found.get("scale") or _planned_scale(study, st),
    )


def _planned_scale(study: LoadedStudy, st: Store) -> str:
    """The primary metric's scale before any evidence: a proportion by the suite's definition
    of it (:func:`assay.gates.is_proportion`), a latency by its name."""
    from assay.gates import is_proportion

    metric = study.registration.plan.primary_metric
    if scale_of(metric, []) == "ms":
        return "ms"
    for digest in study.registration.suite_digests.values():
        try:
            specs = st.suites.get(digest).metrics
        except LookupError:
            continue
        if any(m.name == metric and is_proportion(m, zero_one=False) for m in specs):
            return "pts"
    return ""


def study_status(
    name: str, *, rng: int = 0, today: date | None = None, store: Store | None = None
) -> StudyStatus:
    """Evidence so far, progress against the planned n, futility on the confidence sequence,
    and deviations: ``assay study status``. A study whose registration no longer verifies is
    refused (:class:`~assay.errors.StorageError`)."""
    st = resolve_store(store)
    study = load_study(name, store=st)
    return _status(study, st, rng=rng, today=today or datetime.now(UTC).date())


def list_studies(
    *, state: str | None = None, today: date | None = None, store: Store | None = None
) -> list[StudyStatus]:
    """Every registered study with its state, owner, deadline, evidence and outcome, by
    deadline: ``assay studies``. A study whose registration no longer verifies is listed with
    its ``problems``. ``state`` keeps one state."""
    from assay._util import check_choice
    from assay.governance import STUDY_STATES

    if state is not None:
        check_choice(state, "state", "list_studies", STUDY_STATES)
    st = resolve_store(store)
    day = today or datetime.now(UTC).date()
    names = dict.fromkeys(
        e.decision_id.removeprefix("study:") for e in st.decisions.entries(kind="study")
    )
    verified = st.decisions.verify() if names else None  # once for every study listed
    out = [
        _status(load_study(n, store=st, strict=False, verification=verified), st, rng=0, today=day)
        for n in names
    ]
    out = [s for s in out if state is None or s.state == state]
    return sorted(out, key=lambda s: (s.deadline, s.name))
