"""Compare, gate, report and record: from two stored runs to a verdict and a decision."""

from __future__ import annotations

import re
import warnings
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from assay._util import (
    atomic_write,
    check_choice,
    check_instance,
    check_int,
    check_probability,
    renamed_parameters,
)
from assay.compare import compare_records as _compare_tables
from assay.core import (
    Approval,
    Comparison,
    Decision,
    LedgerEntry,
    VerdictResult,
    diff_manifests,
    digest,
)
from assay.errors import ConfigError, ParameterError, SelfComparisonWarning
from assay.storage import LedgerVerification, Store
from assay.workflows._api import get_run
from assay.workflows._evidence import EvidenceFile, evidence_files
from assay.workflows._planned_stop import attach_planned_stop
from assay.workflows._signing import sign_model
from assay.workflows._store import resolve_store

if TYPE_CHECKING:
    import numpy as np

    # a comparison alone needs neither policies nor reports: the functions that gate or
    # write reports import them
    from assay.gates import Policy

__all__ = [
    "DecisionDetails",
    "DecisionRecord",
    "GateResult",
    "approve",
    "compare_runs",
    "decide",
    "gate",
    "gate_runs",
    "get_decision",
    "list_decisions",
    "resolve_policy",
    "verify_ledger",
    "write_reports",
]

_RUN_REF = "a run id or unique id prefix (str)"


def _check_runs(baseline: object, candidate: object, function: str) -> None:
    check_instance(baseline, "baseline", function, str, _RUN_REF)
    check_instance(candidate, "candidate", function, str, _RUN_REF)


@renamed_parameters({"seed": "rng"})
def compare_runs(
    baseline: str,
    candidate: str,
    *,
    shared_only: bool = False,
    confidence: float = 0.95,
    rng: int | np.random.Generator = 0,
    resamples: int = 2000,
    max_flips: int | None = 50,
    store: Store | None = None,
) -> Comparison:
    """Compare two stored runs by id, paired by example.

    Loads both runs' records from the store and calls :func:`assay.compare.compare_records`
    (which works on record tables); the manifests' differences are included. ``rng`` seeds
    the bootstrap resampling (an int or a numpy ``Generator``). A candidate stopped early by
    plan against this baseline carries its stop, replayed from the records
    (``Comparison.early_stop``; see docs/runners.md, "Early stopping"). ``max_flips`` caps
    the flipped examples listed per metric (``None``: all; ``flip_counts`` counts them all).
    """
    _check_runs(baseline, candidate, "compare_runs")
    check_probability(confidence, "confidence", "compare_runs")
    check_int(resamples, "resamples", "compare_runs")
    st = resolve_store(store)
    base, cand = get_run(baseline, store=st), get_run(candidate, store=st)
    suite = st.suites.get(base.suite_digest)
    base_records, cand_records = st.runs.records(base.run_id), st.runs.records(cand.run_id)
    _warn_if_self(base.run_id, cand.run_id, base_records, cand_records)
    comparison = _compare_tables(
        base,
        base_records,
        cand,
        cand_records,
        suite,
        confidence=confidence,
        shared_only=shared_only,
        rng=rng,
        resamples=resamples,
        max_flips=max_flips,
        manifest_differences=diff_manifests(base.manifest, cand.manifest),
        suite_examples=lambda: st.suites.examples(base.suite_digest),
    )

    def example_ids() -> list[str]:
        table = st.suites.examples(cand.suite_digest)
        return [str(i) for i in table.column("example_id").to_pylist()]

    return attach_planned_stop(
        comparison, base, base_records, cand, cand_records, suite, example_ids
    )


def _warn_if_self(base_id: str, cand_id: str, base_records: object, cand_records: object) -> None:
    """A run gated against itself (or an identical copy) passes every no-regression rule."""
    if base_id == cand_id:
        why = f"the baseline and the candidate are the same run ({base_id[:12]})"
    elif base_records.equals(cand_records):  # type: ignore[attr-defined]
        why = f"runs {base_id[:12]} and {cand_id[:12]} have identical records"
    else:
        return
    warnings.warn(
        f"{why}: every difference is zero, so this comparison is no evidence about a change.",
        SelfComparisonWarning,
        stacklevel=3,
    )


def resolve_policy(policy: Policy | str | Path | None) -> Policy:
    """A policy object, a YAML path, or ``None`` for the shipped default policy."""
    from assay.gates import Policy, default_policy, load_policy

    if isinstance(policy, Policy):
        return policy
    if policy is None:
        return default_policy()
    check_instance(policy, "policy", "resolve_policy", (str, Path), "a Policy, a YAML path or None")
    return load_policy(Path(policy))


def gate(comparison: Comparison, policy: Policy | str | Path | None = None) -> VerdictResult:
    """Judge a comparison with a policy: SHIP, BLOCK or INCONCLUSIVE, rule by rule."""
    from assay.gates import evaluate_policy

    check_instance(comparison, "comparison", "gate", Comparison, "a Comparison")
    return evaluate_policy(resolve_policy(policy), comparison)


_MEDIA = {"report_html": "text/html", "report_md": "text/markdown", "memo": "text/markdown"}


@renamed_parameters({"directory": "output"})
def write_reports(
    comparison: Comparison,
    verdict: VerdictResult | None,
    output: str | Path,
    policy: Policy | None = None,
) -> dict[str, Path]:
    """Write ``report.html``, ``report.md`` and (with a verdict) ``memo.md`` into the folder
    ``output`` (created when missing); each file appears whole or not at all. ``policy``, the
    policy that judged, gives the memo its rollback margins."""
    from assay.reports import render_html, render_markdown, render_memo

    check_instance(comparison, "comparison", "write_reports", Comparison, "a Comparison")
    if verdict is not None:
        check_instance(
            verdict, "verdict", "write_reports", VerdictResult, "a VerdictResult or None"
        )
    check_instance(output, "output", "write_reports", (str, Path), "a folder path (str or Path)")
    out = Path(output)
    texts = {
        "report_html": ("report.html", render_html(comparison, verdict, policy=policy)),
        "report_md": ("report.md", render_markdown(comparison, verdict, policy=policy)),
    }
    if verdict is not None:
        texts["memo"] = ("memo.md", render_memo(comparison, verdict, policy=policy))
    return {key: atomic_write(out / name, text) for key, (name, text) in texts.items()}


@dataclass(frozen=True)
class GateResult:
    """What gating two stored runs produced."""

    comparison: Comparison
    """The paired comparison, at the policy's confidence."""
    verdict: VerdictResult
    """The policy's verdict."""
    policy: Policy
    """The policy that judged."""
    files: dict[str, Path]
    """Report and memo files written (empty without ``output``)."""


@renamed_parameters({"seed": "rng"})
def gate_runs(
    baseline: str,
    candidate: str,
    *,
    policy: Policy | str | Path | None = None,
    output: str | Path | None = None,
    shared_only: bool = False,
    rng: int | np.random.Generator = 0,
    max_flips: int | None = 50,
    store: Store | None = None,
) -> GateResult:
    """Compare two stored runs at the policy's confidence, gate the comparison, and (with
    ``output``) write the reports and the memo there: ``assay gate`` and ``assay report``.

    Nothing is recorded; :func:`decide` does this and records the decision in the ledger.
    """
    from assay.gates import evaluate_policy

    _check_runs(baseline, candidate, "gate_runs")
    chosen = resolve_policy(policy)
    st = resolve_store(store)
    comparison = compare_runs(
        baseline,
        candidate,
        shared_only=shared_only,
        confidence=chosen.confidence,
        rng=rng,
        max_flips=max_flips,
        store=st,
    )
    # the suite declares the margins of its metrics, which rules without their own use
    verdict = evaluate_policy(chosen, comparison, suite=st.suites.get(comparison.suite_digest))
    files = write_reports(comparison, verdict, output, chosen) if output is not None else {}
    return GateResult(comparison=comparison, verdict=verdict, policy=chosen, files=files)


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
) -> DecisionRecord:
    """Compare (at the policy's confidence), gate, write the report and memo to ``output``,
    and record the decision in the ledger (:func:`gate_runs`, then the ledger).

    The decision's id is derived from the runs, the policy and the verdict, so deciding the
    same thing twice records it once. With ``study`` (or when the candidate run is attached to
    a study), every deviation from the study's registered plan is flagged in the verdict and
    the memo, and the decision (with its runs) is attached to the study.
    """
    from assay.gates import policy_to_yaml
    from assay.workflows._study_decide import link_study

    _check_runs(baseline, candidate, "decide")
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
    )
    comparison, verdict, pol = gated.comparison, gated.verdict, gated.policy
    linked = link_study(study, comparison, verdict, (pol.name, pol.digest), st)
    if linked is not None:
        verdict = linked.flag(verdict)
    files = write_reports(comparison, verdict, output, pol)
    decision_id = digest(
        {
            "baseline": comparison.baseline_run,
            "candidate": comparison.candidate_run,
            "policy": pol.digest,
            "verdict": verdict.model_dump(mode="json"),
        }
    )[:32]
    try:
        existing = st.decisions.get(decision_id)
    except LookupError:
        existing = None
    if existing is not None:
        if linked is not None:
            linked.attach(comparison, existing.decision_id, st)
        return DecisionRecord(comparison, verdict, existing, False, files)
    artifacts = {
        "comparison": st.artifacts.put(
            comparison.model_dump_json().encode(), media_type="application/json"
        ),
        "verdict": st.artifacts.put(
            verdict.model_dump_json().encode(), media_type="application/json"
        ),
    }
    for key, path in files.items():
        artifacts[key] = st.artifacts.put(path.read_bytes(), media_type=_MEDIA[key])
    # The policy's text is evidence too: its digest alone cannot show what the rules were.
    artifacts["policy"] = st.artifacts.put(
        policy_to_yaml(pol).encode("utf-8"), media_type="application/yaml"
    )
    run_evidence = st.decisions.evidence(
        comparison.baseline_run, comparison.candidate_run, runs=st.runs
    )
    decision = Decision(
        decision_id=decision_id,
        created_at=datetime.now(UTC),
        title=f"{comparison.candidate_model} vs {comparison.baseline_model} on {comparison.suite_name}",
        verdict=verdict.verdict,
        summary=verdict.summary,
        policy=pol.name,
        policy_digest=pol.digest,
        suite_digest=comparison.suite_digest,
        baseline_run=comparison.baseline_run,
        candidate_run=comparison.candidate_run,
        artifacts=artifacts,
        run_evidence=run_evidence,
    )
    st.decisions.put(sign_model(decision, kind="decision", subject=decision.decision_id, name=None))
    if linked is not None:
        linked.attach(comparison, decision_id, st)
    return DecisionRecord(comparison, verdict, decision, True, files)


_STATUSES = ("approved", "rejected", "abstained", "override")


def approve(
    decision: str,
    *,
    role: str,
    name: str,
    status: str = "approved",
    note: str = "",
    store: Store | None = None,
) -> LedgerEntry:
    """Append a person's sign-off on a decision to the ledger.

    ``approved`` agrees with a SHIP or INCONCLUSIVE verdict; a BLOCK cannot be approved, only
    overridden: ``status="override"`` (of a BLOCK or an INCONCLUSIVE) with the reason in
    ``note`` (required), a distinct ledger entry. ``rejected`` records an objection. The same person in the same role cannot record
    the same status twice on one decision (:class:`~assay.errors.ConfigError`).
    """
    check_instance(decision, "decision", "approve", str, "a decision id or unique id prefix")
    check_choice(status, "status", "approve", _STATUSES)
    check_instance(note, "note", "approve", str, "a string")
    st = resolve_store(store)
    d = st.decisions.get(decision)
    ref = d.decision_id[:12]
    if status == "approved" and d.verdict.value == "BLOCK":
        raise ConfigError(
            f"Decision {ref} is a BLOCK; approving it would ship against the policy's verdict. "
            f"To ship anyway, record an override with its reason: `assay decisions override "
            f"{ref} --reason TEXT --role ROLE --name NAME`."
        )
    if status == "override":
        if d.verdict.value == "SHIP":
            raise ConfigError(
                f"Decision {ref} is SHIP: there is nothing to override. "
                f"Approve it instead: `assay decisions approve {ref} --role ROLE --name NAME`."
            )
        if not note.strip():
            raise ConfigError(
                f"An override of decision {ref} needs its reason: give --reason TEXT."
            )
    for earlier in st.decisions.approvals(d.decision_id):
        if (earlier.role, earlier.name, earlier.status) == (role, name, status):
            raise ConfigError(
                f"{name!r} as {role!r} already recorded {status!r} on decision {ref} "
                f"(at {earlier.at:%Y-%m-%d %H:%M} UTC); the ledger keeps one such entry per "
                "person and role."
            )
    approval = Approval.model_validate(
        {"role": role, "name": name, "status": status, "note": note, "at": datetime.now(UTC)}
    )
    if st.engine is not None:  # through a server, the server records who signed
        approval = sign_model(approval, kind="approval", subject=d.decision_id, name=name)
    return st.decisions.approve(d.decision_id, approval)


@dataclass(frozen=True)
class DecisionDetails:
    """A recorded decision with its sign-offs."""

    decision: Decision
    """The decision as recorded."""
    approvals: list[Approval]
    """Its approvals, overrides and objections, in the order they were recorded."""
    evidence: list[EvidenceFile]
    """Its evidence files (reports, memo, policy, ...) with their digests and locations."""
    challenges: list[LedgerEntry] = field(default_factory=list)
    """Ledger entries of monitors' alarms that challenge it since it was recorded, oldest
    first (the decision itself never changes)."""


def list_decisions(*, store: Store | None = None) -> list[Decision]:
    """Recorded decisions, newest first."""
    return resolve_store(store).decisions.list()


def get_decision(ref: str, *, store: Store | None = None) -> DecisionDetails:
    """A decision by id or unique id prefix, with its approvals."""
    check_instance(ref, "ref", "get_decision", str, "a decision id or unique id prefix")
    st = resolve_store(store)
    decision = st.decisions.get(ref)
    return DecisionDetails(
        decision=decision,
        approvals=st.decisions.approvals(decision.decision_id),
        evidence=evidence_files(decision, st),
        challenges=challenges_of(decision.decision_id, store=st),
    )


def challenges_of(decision_id: str, *, store: Store | None = None) -> list[LedgerEntry]:
    """The ``challenge`` ledger entries of a decision (full id), oldest first."""
    entries = resolve_store(store).decisions.ledger()
    return [e for e in entries if e.kind == "challenge" and e.decision_id == decision_id]


def verify_ledger(*, head: str | None = None, store: Store | None = None) -> LedgerVerification:
    """Recompute the ledger's hash chain, check that no recorded decision was edited, and
    re-hash the evidence each decision committed to: both runs' metadata, metric rows and
    record files, and its reports, memo and policy.

    ``head`` is a head hash kept from an earlier check (``LedgerVerification.head``); the check
    fails when that entry is no longer in the ledger, i.e. entries were removed from its end.
    """
    if head is not None and not (
        isinstance(head, str) and re.fullmatch(r"[0-9a-fA-F]{64}", head.strip())
    ):
        raise ParameterError("head", "verify_ledger", "a 64-character SHA-256 hex entry hash", head)
    st = resolve_store(store)
    return st.decisions.verify(head=head, runs=st.runs, artifacts=st.artifacts)
