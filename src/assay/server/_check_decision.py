"""A decision made elsewhere is stored only if the server reaches the same verdict: the
policy in its evidence, applied to the stored runs with the resampling seed the decision's
comparison used, must give the verdict it claims, and the study flags the server computes from
the study in its ledger must be the ones it claims.

The comparison comes from the server's cache of comparisons (keyed by the runs' content, the
options and the seed), so a decision about a comparison already shown costs no new one."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from assay.core import Comparison, Decision, VerdictResult
from assay.errors import AssayError
from assay.governance import STUDY_DEVIATION_RULE
from assay.server._api_body import quiet
from assay.server._cache import cached_comparison
from assay.server._errors import http_error
from assay.server._state import AppState

if TYPE_CHECKING:
    from assay.gates import Policy
    from assay.storage import Store

__all__ = ["check_decision", "decision_seed"]

_NEEDED = ("policy", "verdict")
_STUDY = re.compile(r"\. Study '([A-Za-z0-9._-]+)': [^']*\Z")


def _refuse(decision: Decision, why: str) -> Exception:
    return http_error(
        422,
        "GateError",
        f"Decision {decision.decision_id[:12]} was not stored: {why}",
    )


def _policy(store: Store, decision: Decision) -> Policy:
    from assay._util import load_yaml
    from assay.errors import ConfigError
    from assay.gates import load_policy

    text = store.artifacts.get(decision.artifacts["policy"])
    try:
        parsed = load_yaml(text, source="the decision's policy artifact")
        if not isinstance(parsed, dict):
            raise _refuse(decision, "its policy artifact is not a YAML mapping of a policy.")
        policy = load_policy(parsed)
    except ConfigError as exc:
        raise _refuse(decision, f"its policy artifact is not a policy ({exc}).") from exc
    if policy.digest != decision.policy_digest:
        raise _refuse(decision, "its policy artifact is not the policy its policy_digest names.")
    return policy


def _claimed(store: Store, decision: Decision) -> VerdictResult:
    import pydantic

    try:
        claimed = VerdictResult.model_validate_json(
            store.artifacts.get(decision.artifacts["verdict"])
        )
    except pydantic.ValidationError as exc:
        raise _refuse(decision, "its verdict artifact is not a verdict.") from exc
    if (claimed.verdict, claimed.summary) != (decision.verdict, decision.summary):
        raise _refuse(decision, "its verdict and summary differ from its verdict artifact's.")
    if claimed.policy_digest != decision.policy_digest:
        raise _refuse(decision, "its verdict artifact was reached under another policy.")
    return claimed


def _shape(verdict: VerdictResult) -> tuple[object, ...]:
    """What must agree: the words and each rule's outcome, never the floats bit for bit; a
    study deviation's words too (they hold counts and names, no floats)."""
    rules = tuple(
        (r.rule, r.metric, r.slice, r.outcome, r.blocking, r.kind)
        + ((r.reason,) if r.rule.startswith(STUDY_DEVIATION_RULE) else ())
        for r in verdict.rules
    )
    return verdict.verdict, verdict.summary, rules


def _flagged(
    store: Store,
    decision: Decision,
    claimed: VerdictResult,
    verdict: VerdictResult,
    comparison: Comparison,
    policy: Policy,
) -> VerdictResult:
    """The server's own verdict with the study flags that deciding would add: for the study
    the claimed summary names, else the study the runs are attached to."""
    from assay.workflows import flag_study_deviations

    named = _STUDY.search(claimed.summary)
    try:
        return flag_study_deviations(
            verdict,
            comparison,
            (policy.name, policy.digest),
            study=named.group(1) if named else None,
            store=store,
        )
    except AssayError as exc:
        raise _refuse(decision, f"its study cannot take it ({exc})") from exc


def decision_seed(store: Store, decision: Decision) -> int:
    """The seed of the resampling behind ``decision``: the one its comparison artifact
    records (``gate --record --seed N``; a comparison drawn from a generator records the
    integer it drew). 0, the default, for a decision without a comparison artifact or one
    whose comparison resampled nothing."""
    import pydantic

    digest = decision.artifacts.get("comparison")
    if digest is None:
        return 0
    try:
        comparison = Comparison.model_validate_json(store.artifacts.get(digest))
    except pydantic.ValidationError as exc:
        raise _refuse(decision, "its comparison artifact is not a comparison.") from exc
    seeds = {r.seed for r in comparison.results if r.seed is not None}
    if len(seeds) > 1:
        raise _refuse(decision, "its comparison artifact names several resampling seeds.")
    return seeds.pop() if seeds else 0


def check_decision(state: AppState, decision: Decision) -> None:
    """Raise a 422 unless gating the decision's stored runs with the policy in its evidence
    (and the seed of its comparison) gives the verdict, summary and rule outcomes the
    decision and its verdict artifact claim (on all examples, or on the shared ones, as
    ``assay gate --shared-only`` does). A study's deviation outcomes and summary sentence
    (:func:`assay.governance.flag_verdict`) are recomputed from the study in the ledger, as
    deciding computes them, and must match."""
    from assay.gates import evaluate_policy

    store = state.store
    store.runs.get(decision.baseline_run)  # 404 for a run that is not stored
    store.runs.get(decision.candidate_run)
    missing = [key for key in _NEEDED if key not in decision.artifacts]
    if missing:
        raise _refuse(
            decision, f"it has no {' or '.join(missing)} artifact to check its verdict against."
        )
    policy = _policy(store, decision)
    claimed = _claimed(store, decision)
    seed = decision_seed(store, decision)
    for shared_only in (False, True):
        with quiet():
            comparison = cached_comparison(
                state,
                decision.baseline_run,
                decision.candidate_run,
                confidence=policy.confidence,
                shared_only=shared_only,
                seed=seed,
            )
            same_runs = (comparison.baseline_run, comparison.candidate_run) == (
                decision.baseline_run,
                decision.candidate_run,
            )
            if not same_runs or comparison.suite_digest != decision.suite_digest:
                raise _refuse(decision, "its runs or suite are not the stored ones it names.")
            # as gate_runs judges: the suite declares the margins of rules without their own
            suite = store.suites.get(comparison.suite_digest)
            verdict = evaluate_policy(policy, comparison, suite=suite)
        expected = _flagged(store, decision, claimed, verdict, comparison, policy)
        if _shape(expected) == _shape(claimed):
            return
    if expected.verdict == claimed.verdict:
        raise _refuse(
            decision,
            "its summary or rule outcomes are not the server's for these runs, this policy "
            f"and their study: {expected.summary!r}.",
        )
    raise _refuse(
        decision,
        f"the server's verdict on these runs under this policy is {verdict.verdict.value}, "
        f"not the {decision.verdict.value} it claims.",
    )
