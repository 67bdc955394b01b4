"""A decision between two stored runs as ``assay gate --record`` makes it, for tests that
store decisions themselves (a server stores only decisions whose verdict it reaches too)."""

from __future__ import annotations

import warnings
from datetime import UTC, datetime
from typing import Any

from assay.core import Decision, VerdictResult
from assay.errors import AssayWarning

__all__ = ["gated_decision"]


def gated_decision(
    store: Any,
    baseline: str,
    candidate: str,
    *,
    decision_id: str,
    verdict: VerdictResult | None = None,
    policy_yaml: str | None = None,
) -> Decision:
    """Gate two stored runs (full ids) with the default policy, store the verdict and the
    policy's text as artifacts, and return the decision (not stored). ``verdict`` and
    ``policy_yaml`` replace what is stored as evidence, to forge one."""
    from assay.gates import default_policy, policy_to_yaml
    from assay.workflows import gate_runs

    policy = default_policy()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", AssayWarning)  # small slices of small test runs
        gated = gate_runs(baseline, candidate, policy=policy, store=store)
    claimed = verdict if verdict is not None else gated.verdict
    policy_text = policy_yaml if policy_yaml is not None else policy_to_yaml(policy)
    artifacts = {
        "verdict": store.artifacts.put(
            claimed.model_dump_json().encode(), media_type="application/json"
        ),
        "policy": store.artifacts.put(policy_text.encode(), media_type="application/yaml"),
    }
    comparison = gated.comparison
    return Decision(
        decision_id=decision_id,
        created_at=datetime.now(UTC),
        title=f"{comparison.candidate_model} vs {comparison.baseline_model}",
        verdict=claimed.verdict,
        summary=claimed.summary,
        policy=policy.name,
        policy_digest=policy.digest,
        suite_digest=comparison.suite_digest,
        baseline_run=comparison.baseline_run,
        candidate_run=comparison.candidate_run,
        artifacts=artifacts,
    )
