"""A decision between two stored runs as ``assay gate --record`` makes it, for tests that
store decisions themselves (a server stores only decisions whose verdict it reaches too).

It is assembled by :func:`assay.workflows.assemble_decision`, the code :func:`assay.decide`
records its decisions with: the same title, artifacts, run evidence and signature."""

from __future__ import annotations

import warnings
from typing import Any

from assay.core import Decision, VerdictResult
from assay.errors import AssayWarning

__all__ = ["gated_decision"]


def gated_decision(
    store: Any,
    baseline: str,
    candidate: str,
    *,
    decision_id: str | None = None,
    verdict: VerdictResult | None = None,
    policy_yaml: str | None = None,
) -> Decision:
    """Gate two stored runs (full ids) with the default policy and return the decision
    :func:`assay.decide` would record (not stored; its id the same as ``decide``'s unless
    ``decision_id`` is given). ``verdict`` and ``policy_yaml`` replace what is stored as
    evidence, to forge one."""
    from assay.gates import default_policy
    from assay.workflows import assemble_decision, gate_runs

    policy = default_policy()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", AssayWarning)  # small slices of small test runs
        gated = gate_runs(baseline, candidate, policy=policy, store=store)
    forged = {}
    if policy_yaml is not None:
        forged["policy"] = store.artifacts.put(policy_yaml.encode(), media_type="application/yaml")
    return assemble_decision(
        gated.comparison,
        verdict if verdict is not None else gated.verdict,
        policy,
        store,
        decision_id=decision_id,
        artifacts=forged,
    )
