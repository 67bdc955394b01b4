"""A study's progress (``assay study status``) and the roadmap of every study (``assay studies``).

Evidence is read the way a decision reads it: the first run attached is the baseline, the
newest one the candidate, compared by :func:`~assay.workflows.compare_runs` at the stopping
rule's confidence; each later run is one look. Futility is judged on the anytime-valid
confidence sequence of the per-example improvement on the primary metric
(:func:`assay.governance.futility`), so it may be read at every look.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime
from typing import Any

import numpy as np

from assay.governance import (
    StudyDeviation,
    StudyState,
    futility,
    offline_deviations,
    overdue,
    study_state,
)
from assay.storage import Store
from assay.workflows._store import resolve_store
from assay.workflows._study import LoadedStudy, load_study

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
    deviations: list[StudyDeviation] = field(default_factory=list)
    """Deviations from the registered plan so far."""
    outcome: str = "continue"
    """``continue``, ``stop``, ``killed: REASON`` or the decision's verdict."""
    problems: list[str] = field(default_factory=list)
    """Why the registration no longer verifies (empty when it does)."""

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


def _paired_scores(st: Store, base: str, cand: str, metric: str) -> tuple[Any, Any]:
    """Per-example scores of both runs on ``metric`` (means over samples, errored records
    left out), paired by example id in the order of the baseline's records (the evaluation
    order)."""

    def scores(run_id: str) -> tuple[Any, Any]:
        table = st.runs.records(run_id, columns=["example_id", metric])
        ids = np.asarray(table.column("example_id").to_pylist(), dtype=object)
        values = np.asarray(table.column(metric).to_numpy(zero_copy_only=False), dtype=float)
        keep = ~np.isnan(values)
        ids, values = ids[keep], values[keep]
        unique, first, inverse = np.unique(ids, return_index=True, return_inverse=True)
        means = np.bincount(inverse, weights=values) / np.bincount(inverse)
        order = np.argsort(first, kind="stable")
        return unique[order], means[order]

    base_ids, base_values = scores(base)
    cand_ids, cand_values = scores(cand)
    position = {key: i for i, key in enumerate(cand_ids)}
    pairs = [(b, position[k]) for b, k in zip(base_values, base_ids, strict=True) if k in position]
    if not pairs:
        return np.empty(0), np.empty(0)
    return np.array([b for b, _ in pairs]), cand_values[[i for _, i in pairs]]


def _offline(study: LoadedStudy, st: Store, rng: int) -> dict[str, Any]:
    from assay.workflows._decide import compare_runs

    reg, plan = study.registration, study.registration.plan
    runs = study.attached("run")
    infos = [st.runs.get(r) for r in runs]
    found: dict[str, Any] = {"evidence": None, "futility": None}
    looks = max(len(runs) - 1, 0)
    n = None
    if len(runs) >= 2:
        comparison = compare_runs(
            runs[0], runs[-1], confidence=plan.stopping_rule.confidence, rng=rng, store=st
        )
        overall = [
            r
            for r in comparison.results
            if r.metric == plan.primary_metric and r.slice_attribute is None
        ]
        if overall:
            r = overall[0]
            n = r.n
            found["evidence"] = {
                "baseline_run": runs[0],
                "candidate_run": runs[-1],
                "metric": r.metric,
                "difference": r.difference.estimate,
                "low": r.difference.low,
                "high": r.difference.high,
                "confidence": r.difference.confidence,
                "method": f"{r.difference.method}; test: {r.test}",
                "n": r.n,
            }
            base, cand = _paired_scores(st, runs[0], runs[-1], plan.primary_metric)
            if base.size:
                found["futility"] = futility(
                    base,
                    cand,
                    minimum_effect=plan.minimum_effect,
                    goal=plan.goal,
                    confidence=plan.stopping_rule.confidence,
                ).to_dict()
    found["deviations"] = offline_deviations(
        reg,
        run_suites=[(i.run_id, i.suite_digest) for i in infos],
        n=n,
        looks=looks,
        **_decided(study, st),
    )
    return found


def _decided(study: LoadedStudy, st: Store) -> dict[str, Any]:
    """What the newest attached decision did: its policy, the metrics its verdict judged, its
    day (nothing before a decision)."""
    attached = study.attached("decision")
    if not attached:
        return {}
    decision = st.decisions.get(attached[-1])
    verdict = json.loads(st.artifacts.get(decision.artifacts["verdict"]))
    rules = verdict.get("rules", [])
    return {
        "policy": (decision.policy, decision.policy_digest),
        "metrics": sorted({str(r["metric"]) for r in rules if r.get("kind") != "deviation"}),
        "decided_on": decision.created_at.date(),
    }


def _online(study: LoadedStudy, st: Store) -> dict[str, Any]:
    """An online study's evidence: its experiment's newest stored readout."""
    from assay.workflows._experiments_store import experiment_history

    plan = study.registration.experiment_plan or {}
    history = experiment_history(str(plan.get("name")), store=st)
    if not history:
        return {"evidence": None, "futility": None, "deviations": []}
    last = history[-1]
    arms = last.get("arms") or [{}]
    return {
        "evidence": {
            "metric": last.get("metric"),
            "difference": arms[0].get("lift"),
            "low": arms[0].get("low"),
            "high": arms[0].get("high"),
            "confidence": arms[0].get("confidence"),
            "method": last.get("method"),
            "n": min(last.get("n_by_arm", {0: 0}).values()),
            "readouts": len(history),
        },
        "futility": None,
        "deviations": [],
    }


def _outcome(state: StudyState, study: LoadedStudy, st: Store, found: dict[str, Any]) -> str:
    if state == "killed":
        reason = next(
            e.payload.get("reason") for e in study.events if e.payload.get("event") == "kill"
        )
        return f"killed: {reason}"
    if state == "decided":
        return str(st.decisions.get(study.attached("decision")[-1]).verdict.value)
    fut = found.get("futility")
    return "stop" if fut is not None and fut["outcome"] == "stop" else "continue"


def _status(study: LoadedStudy, st: Store, *, rng: int, today: date) -> StudyStatus:
    reg, plan = study.registration, study.registration.plan
    state = study_state([e.payload for e in study.events])
    found = _offline(study, st, rng) if plan.kind == "offline" else _online(study, st)
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
        deviations=found["deviations"],
        outcome=_outcome(state, study, st, found),
        problems=study.problems,
    )


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
    out = [_status(load_study(n, store=st, strict=False), st, rng=0, today=day) for n in names]
    out = [s for s in out if state is None or s.state == state]
    return sorted(out, key=lambda s: (s.deadline, s.name))
