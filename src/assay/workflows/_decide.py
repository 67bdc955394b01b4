"""Decide: gate two stored runs, write the report and memo, and record the decision in the
ledger (attached to its study, with the study's deviations flagged)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from assay._util import check_instance, renamed_parameters
from assay.core import Comparison, Decision, VerdictResult
from assay.storage import Store
from assay.workflows._decision_entry import assemble_decision, decision_id_of, put_reports
from assay.workflows._gate import check_runs, gate_runs, write_reports
from assay.workflows._store import resolve_store

if TYPE_CHECKING:
    import numpy as np

    from assay.gates import Policy

__all__ = ["DecisionRecord", "decide"]


@dataclass(frozen=True)
class DecisionRecord:
    """Everything a decision produced."""

    comparison: Comparison
    """The paired comparison."""
    verdict: VerdictResult
    """The policy's verdict."""
    decision: Decision
    """The stored decision."""
    created: bool
    """False when the same decision (same runs, policy and verdict) was already recorded."""
    files: dict[str, Path]
    """Report and memo files written."""


@renamed_parameters({"out_dir": "output", "seed": "rng"})
def decide(
    baseline: str,
    candidate: str,
    *,
    policy: Policy | str | Path | None = None,
    output: str | Path = "assay-reports",
    shared_only: bool = False,
    rng: int | np.random.Generator = 0,
    max_flips: int | None = 50,
    store: Store | None = None,
    study: str | None = None,
    show_unsafe_text: bool = False,
) -> DecisionRecord:
    """Compare (at the policy's confidence), gate, write the report and memo to ``output``,
    and record the decision in the ledger (:func:`gate_runs`, then the ledger).

    The decision's id is derived from the runs, the policy and the verdict, so deciding the
    same thing twice records it once. With ``study`` (or when the candidate run is attached to
    a study), every deviation from the study's registered plan is flagged in the verdict and
    the memo, and the decision (with its runs) is attached to the study. On a red-team suite
    the report withholds example and output text unless ``show_unsafe_text``.
    """
    from assay.workflows._study_decide import link_study

    check_runs(baseline, candidate, "decide")
    check_instance(output, "output", "decide", (str, Path), "a folder path (str or Path)")
    if study is not None:
        check_instance(study, "study", "decide", str, "a study name or None")
    st = resolve_store(store)
    gated = gate_runs(
        baseline,
        candidate,
        policy=policy,
        shared_only=shared_only,
        rng=rng,
        max_flips=max_flips,
        store=st,
        show_unsafe_text=show_unsafe_text,
    )
    comparison, verdict, pol = gated.comparison, gated.verdict, gated.policy
    linked = link_study(study, comparison, verdict, (pol.name, pol.digest), st)
    if linked is not None:
        verdict = linked.flag(verdict)
    files = write_reports(comparison, verdict, output, pol)
    decision_id = decision_id_of(comparison, verdict, pol)
    try:
        existing = st.decisions.get(decision_id)
    except LookupError:
        existing = None
    if existing is not None:
        if linked is not None:
            linked.attach(comparison, existing.decision_id, st)
        return DecisionRecord(comparison, verdict, existing, False, files)
    reports = put_reports(files, st)
    decision = assemble_decision(
        comparison, verdict, pol, st, decision_id=decision_id, artifacts=reports
    )
    st.decisions.put(decision)
    if linked is not None:
        linked.attach(comparison, decision_id, st)
    return DecisionRecord(comparison, verdict, decision, True, files)
