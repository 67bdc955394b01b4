"""A decision on a study's runs: every deviation from the registered plan flagged in its
verdict (and so in its memo, see :func:`assay.governance.flag_verdict`), and the decision
attached to the study."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from assay.core import Comparison, RuleOutcome, VerdictResult
from assay.errors import ConfigError, ImmutableError, SuiteMismatchError
from assay.governance import (
    StudyDeviation,
    flag_verdict,
    hypothesis_outcome,
    in_points,
    offline_deviations,
    policy_floors,
    weak_policy,
)
from assay.storage import Store
from assay.workflows._store import resolve_store
from assay.workflows._study import LoadedStudy, load_study
from assay.workflows._study_events import attach_loaded

__all__ = ["StudyLink", "flag_study_deviations", "link_study"]

_REPORTED = ("deviation", "hypothesis")
"""Kinds of reported outcomes a study adds: not rules of the decision's policy."""


def _study_of_runs(comparison: Comparison, st: Store) -> str | None:
    """The open study the candidate run is attached to, else the baseline run's, or ``None``.

    Runs attached to more than one open study are refused (:class:`~assay.errors.ConfigError`):
    which study the decision belongs to is the user's to say, with ``--study NAME``.
    """
    events = st.decisions.entries(kind="study_event")
    killed = {e.decision_id for e in events if e.payload.get("event") == "kill"}
    for run_id in (comparison.candidate_run, comparison.baseline_run):
        found = dict.fromkeys(
            e.decision_id.removeprefix("study:")
            for e in events
            if e.payload.get("event") == "attach"
            and e.payload.get("run") == run_id
            and e.decision_id not in killed
        )
        if len(found) > 1:
            names = ", ".join(sorted(found))
            raise ConfigError(
                f"Run {run_id} is attached to {len(found)} studies ({names}); name the one "
                "this decision belongs to with --study NAME. Nothing was recorded."
            )
        if found:
            return next(iter(found))
    return None


@dataclass(frozen=True)
class StudyLink:
    """A decision's study, the deviations the decision takes from its plan, and the study's
    verdict on its hypothesis."""

    study: LoadedStudy
    """The study, as registered."""
    deviations: list[StudyDeviation]
    """Deviations of this decision from the plan."""
    hypothesis: RuleOutcome | None = None
    """The study's verdict on its hypothesis (:func:`assay.governance.hypothesis_outcome`)."""

    def flag(self, verdict: VerdictResult) -> VerdictResult:
        """The verdict with one ``deviation`` outcome per deviation and the hypothesis outcome,
        its summary naming them (:func:`assay.governance.flag_verdict`)."""
        return flag_verdict(verdict, self.study.name, self.deviations, self.hypothesis)

    def attach(self, comparison: Comparison, decision_id: str, st: Store) -> None:
        """Attach the decision's runs (when not attached yet) and the decision."""
        for run in (comparison.baseline_run, comparison.candidate_run):
            attach_loaded(self.study, st, run=run)
        attach_loaded(self.study, st, decision=decision_id)


def link_study(
    study: str | None,
    comparison: Comparison,
    verdict: VerdictResult,
    policy: tuple[str, str],
    st: Store,
) -> StudyLink | None:
    """The study a decision on ``comparison`` belongs to: ``study`` when named, else the study
    its candidate (else its baseline) run is attached to (``None`` when there is none), with the deviations.

    A run of another suite version than the study registered is refused here, before anything
    is recorded (:class:`~assay.errors.SuiteMismatchError`), and so is a named study that was
    killed (:class:`~assay.errors.ImmutableError`); a killed study found through the runs is
    left out.
    """
    name = study if study is not None else _study_of_runs(comparison, st)
    if name is None:
        return None
    loaded = load_study(name, store=st)
    if any(e.payload.get("event") == "kill" for e in loaded.events):
        if study is None:  # the runs' study is over: the decision is not part of it
            return None
        raise ImmutableError(f"Study {name!r} was killed; a decision cannot be attached to it.")
    reg, plan = loaded.registration, loaded.registration.plan
    if plan.kind == "online":
        raise ConfigError(
            f"Study {name!r} is an online study: it is decided from its experiment's readout "
            "(`assay ab`), not from two runs."
        )
    registered = set(reg.suite_digests.values())
    if registered and comparison.suite_digest not in registered:
        raise SuiteMismatchError(
            f"The runs were evaluated on suite version {comparison.suite_digest[:12]}; study "
            f"{name!r} is registered on another. Nothing was recorded."
        )
    runs = loaded.attached("run")
    for run in (comparison.baseline_run, comparison.candidate_run):
        if run not in runs:
            runs.append(run)
    looks = len(runs) - 1  # the first attached run is the baseline
    overall = [
        r
        for r in comparison.results
        if r.metric == plan.primary_metric and r.slice_attribute is None
    ]
    deviations = offline_deviations(
        reg,
        run_suites=[(comparison.candidate_run, comparison.suite_digest)],
        n=overall[0].n if overall else 0,
        looks=looks,
        metrics=sorted({r.metric for r in verdict.rules if r.kind not in _REPORTED}),
        policy=policy,
        decided_on=datetime.now(UTC).date(),
    )
    rules = [r.model_dump() for r in verdict.rules]
    weak = weak_policy(
        plan,
        policy[0],
        policy_floors(rules, plan.primary_metric),
        points=bool(overall) and in_points(overall[0]),
    )
    deviations += [weak] if weak is not None else []
    deviations = [*loaded.superseded(), *deviations]
    return StudyLink(loaded, deviations, hypothesis_outcome(plan, overall[0] if overall else None))


def flag_study_deviations(
    verdict: VerdictResult,
    comparison: Comparison,
    policy: tuple[str, str],
    *,
    study: str | None = None,
    store: Store | None = None,
) -> VerdictResult:
    """The verdict as :func:`~assay.workflows.decide` records it for ``comparison`` under
    ``policy`` (name, digest): flagged with every deviation from the plan of ``study`` (else
    of the study its runs are attached to), or unchanged when there is no such study. A team
    server recomputes a decision's study flags with it before storing the decision."""
    linked = link_study(study, comparison, verdict, policy, resolve_store(store))
    return verdict if linked is None else linked.flag(verdict)
