"""Compare, gate, report and record: from two stored runs to a verdict and a decision."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from assay.compare import compare_runs as _compare_tables
from assay.core import (
    Approval,
    Comparison,
    Decision,
    LedgerEntry,
    VerdictResult,
    diff_manifests,
    digest,
)
from assay.gates import Policy, default_policy, evaluate_policy, load_policy
from assay.reports import (
    comparison_html_table,
    render_html,
    render_markdown,
    render_memo,
    verdict_html_table,
)
from assay.storage import Store
from assay.workflows._api import _store, get_run
from assay.workflows._planned_stop import attach_planned_stop

# Notebooks show comparisons and verdicts as tables; core cannot import reports (layers).
Comparison._repr_html_ = comparison_html_table  # type: ignore[attr-defined]
VerdictResult._repr_html_ = verdict_html_table  # type: ignore[attr-defined]

__all__ = [
    "DecisionRecord",
    "approve",
    "compare_runs",
    "decide",
    "gate",
    "resolve_policy",
    "write_reports",
]


def compare_runs(
    baseline: str,
    candidate: str,
    *,
    store: Store | None = None,
    shared_only: bool = False,
    confidence: float = 0.95,
    seed: int = 0,
    resamples: int = 2000,
) -> Comparison:
    """Compare two stored runs by id, paired by example.

    Loads both runs' records from the store and calls :func:`assay.compare.compare_runs`
    (which works on record tables); the manifests' differences are included. A candidate
    stopped early by plan against this baseline carries its stop, replayed from the records
    (``Comparison.early_stop``; see docs/runners.md, "Early stopping").
    """
    st = _store(store)
    base, cand = get_run(baseline, store=st), get_run(candidate, store=st)
    suite = st.suites.get(base.suite_digest)
    base_records, cand_records = st.runs.records(base.run_id), st.runs.records(cand.run_id)
    comparison = _compare_tables(
        base,
        base_records,
        cand,
        cand_records,
        suite,
        confidence=confidence,
        shared_only=shared_only,
        rng=seed,
        resamples=resamples,
        manifest_differences=diff_manifests(base.manifest, cand.manifest),
    )

    def example_ids() -> list[str]:
        table = st.suites.examples(cand.suite_digest)
        return [str(i) for i in table.column("example_id").to_pylist()]

    return attach_planned_stop(
        comparison, base, base_records, cand, cand_records, suite, example_ids
    )


def resolve_policy(policy: Policy | str | Path | None) -> Policy:
    """A policy object, a YAML path, or ``None`` for the shipped default policy."""
    if isinstance(policy, Policy):
        return policy
    if policy is None:
        return default_policy()
    return load_policy(Path(policy))


def gate(comparison: Comparison, policy: Policy | str | Path | None = None) -> VerdictResult:
    """Judge a comparison with a policy: SHIP, BLOCK or INCONCLUSIVE, rule by rule."""
    return evaluate_policy(resolve_policy(policy), comparison)


def write_reports(
    comparison: Comparison, verdict: VerdictResult | None, directory: str | Path
) -> dict[str, Path]:
    """Write ``report.html``, ``report.md`` and (with a verdict) ``memo.md`` into ``directory``."""
    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    files = {"report_html": out / "report.html", "report_md": out / "report.md"}
    texts = {
        "report_html": render_html(comparison, verdict),
        "report_md": render_markdown(comparison, verdict),
    }
    if verdict is not None:
        files["memo"] = out / "memo.md"
        texts["memo"] = render_memo(comparison, verdict)
    for key, path in files.items():
        tmp = path.with_name(path.name + ".partial")
        try:
            tmp.write_text(texts[key], encoding="utf-8")
            tmp.replace(path)
        finally:
            tmp.unlink(missing_ok=True)
    return files


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


def decide(
    baseline: str,
    candidate: str,
    *,
    policy: Policy | str | Path | None = None,
    store: Store | None = None,
    out_dir: str | Path = "assay-reports",
    shared_only: bool = False,
    seed: int = 0,
) -> DecisionRecord:
    """Compare (at the policy's confidence), gate, write the report and memo, and record the
    decision in the ledger.

    The decision's id is derived from the runs, the policy and the verdict, so deciding the
    same thing twice records it once.
    """
    st = _store(store)
    pol = resolve_policy(policy)
    comparison = compare_runs(
        baseline,
        candidate,
        store=st,
        shared_only=shared_only,
        seed=seed,
        confidence=pol.confidence,
    )
    verdict = evaluate_policy(pol, comparison)
    files = write_reports(comparison, verdict, out_dir)
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
        return DecisionRecord(comparison, verdict, existing, False, files)
    except LookupError:
        pass
    artifacts = {
        "comparison": st.artifacts.put(
            comparison.model_dump_json().encode(), media_type="application/json"
        ),
        "verdict": st.artifacts.put(
            verdict.model_dump_json().encode(), media_type="application/json"
        ),
    }
    media = {"report_html": "text/html", "report_md": "text/markdown", "memo": "text/markdown"}
    for key, path in files.items():
        artifacts[key] = st.artifacts.put(path.read_bytes(), media_type=media[key])
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
    )
    st.decisions.put(decision)
    return DecisionRecord(comparison, verdict, decision, True, files)


def approve(
    decision: str,
    *,
    role: str,
    name: str,
    status: str = "approved",
    note: str = "",
    store: Store | None = None,
) -> LedgerEntry:
    """Append a person's sign-off on a decision to the ledger."""
    st = _store(store)
    d = st.decisions.get(decision)
    approval = Approval.model_validate(
        {"role": role, "name": name, "status": status, "note": note, "at": datetime.now(UTC)}
    )
    return st.decisions.approve(d.decision_id, approval)
