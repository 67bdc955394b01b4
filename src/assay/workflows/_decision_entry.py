"""How a decision between two stored runs enters the ledger, whether :func:`assay.decide`, a
load comparison or the testing kit's ``gated_decision`` records it: its id a digest of the
two runs, the policy and the verdict; the comparison, verdict, policy text and reports stored
as artifacts; the runs' stored evidence committed to; signed when a key is configured."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from assay.core import Comparison, Decision, VerdictResult, digest
from assay.storage import Store
from assay.workflows._signing import sign_model

if TYPE_CHECKING:
    from assay.gates import Policy

__all__ = ["assemble_decision", "decision_id_of", "put_policy", "put_reports", "put_results"]

_MEDIA = {"report_html": "text/html", "report_md": "text/markdown", "memo": "text/markdown"}


def decision_id_of(comparison: Comparison, verdict: VerdictResult, policy: Policy) -> str:
    """The decision's id: the same runs, policy and verdict give the same id."""
    return digest(
        {
            "baseline": comparison.baseline_run,
            "candidate": comparison.candidate_run,
            "policy": policy.digest,
            "verdict": verdict.model_dump(mode="json"),
        }
    )[:32]


def put_results(comparison: Comparison, verdict: VerdictResult, store: Store) -> dict[str, str]:
    """Store the comparison and the verdict as artifacts; role -> digest."""
    return {
        "comparison": store.artifacts.put(
            comparison.model_dump_json().encode(), media_type="application/json"
        ),
        "verdict": store.artifacts.put(
            verdict.model_dump_json().encode(), media_type="application/json"
        ),
    }


def put_policy(policy: Policy, store: Store) -> str:
    """Store the policy's text (its digest alone cannot show what the rules were)."""
    from assay.gates import policy_to_yaml

    return store.artifacts.put(
        policy_to_yaml(policy).encode("utf-8"), media_type="application/yaml"
    )


def put_reports(files: dict[str, Path], store: Store) -> dict[str, str]:
    """Store the report and memo files; role -> digest."""
    return {
        key: store.artifacts.put(path.read_bytes(), media_type=_MEDIA[key])
        for key, path in files.items()
    }


def assemble_decision(
    comparison: Comparison,
    verdict: VerdictResult,
    policy: Policy,
    store: Store,
    *,
    decision_id: str | None = None,
    artifacts: dict[str, str] | None = None,
) -> Decision:
    """The decision on a comparison as the ledger records it, not yet stored: the comparison,
    the verdict and the policy's text stored as artifacts (``artifacts``, role -> digest of
    what was stored beside them such as the reports, added last); its id
    :func:`decision_id_of` unless ``decision_id`` is given; committing to the runs' stored
    evidence; signed when a key is configured. ``store.decisions.put`` records it."""
    stored = put_results(comparison, verdict, store)
    stored["policy"] = put_policy(policy, store)
    stored.update(artifacts or {})
    decision_id = (
        decision_id if decision_id is not None else decision_id_of(comparison, verdict, policy)
    )
    run_evidence = store.decisions.evidence(
        comparison.baseline_run, comparison.candidate_run, runs=store.runs
    )
    decision = Decision(
        decision_id=decision_id,
        created_at=datetime.now(UTC),
        title=f"{comparison.candidate_model} vs {comparison.baseline_model} on "
        f"{comparison.suite_name}",
        verdict=verdict.verdict,
        summary=verdict.summary,
        policy=policy.name,
        policy_digest=policy.digest,
        suite_digest=comparison.suite_digest,
        baseline_run=comparison.baseline_run,
        candidate_run=comparison.candidate_run,
        artifacts=stored,
        run_evidence=run_evidence,
    )
    return sign_model(decision, kind="decision", subject=decision_id, name=None)
