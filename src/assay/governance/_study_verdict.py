"""A study's deviations in a decision's verdict: each one a reported ``deviation`` rule outcome
(``fail``, never blocking, as an online experiment's deviations are) and one sentence added to
the summary, so whoever reads the verdict, the memo or the ledger sees them beside the evidence.

Flags only report; they never change the verdict. A server that re-gates a decision's runs
recomputes them from the study in its ledger and requires the same flags.
"""

from __future__ import annotations

from collections.abc import Sequence

from assay.core import RuleOutcome, VerdictResult
from assay.governance._study_checks import StudyDeviation

__all__ = ["STUDY_DEVIATION_RULE", "flag_verdict", "study_deviation_outcome"]

STUDY_DEVIATION_RULE = "study_deviation_"
"""The prefix of the rule name of a study deviation's outcome (``study_deviation_policy``)."""


def study_deviation_outcome(study: str, deviation: StudyDeviation) -> RuleOutcome:
    """A study deviation as a reported (non-blocking, failed) rule outcome."""
    d = deviation
    return RuleOutcome(
        rule=f"{STUDY_DEVIATION_RULE}{d.kind}",
        tier="quality",
        kind="deviation",
        metric="plan",
        outcome="fail",
        blocking=False,
        reason=(
            f"deviation from study {study!r}: {d.message} (planned: {d.planned}; "
            f"actual: {d.actual})"
        ),
    )


def _lead(summary: str) -> str:
    return summary.rstrip().rstrip(".") + ". Study "


def flag_verdict(
    verdict: VerdictResult, study: str, deviations: Sequence[StudyDeviation]
) -> VerdictResult:
    """``verdict`` with one ``deviation`` outcome per deviation and its summary naming them
    ("… Study 'NAME': 2 deviations from the registered plan (policy, sample size)."); the
    verdict itself is unchanged."""
    if not deviations:
        said = f"{study!r}: no deviation from the registered plan."
        return verdict.model_copy(update={"summary": _lead(verdict.summary) + said})
    kinds = ", ".join(d.kind.replace("_", " ") for d in deviations)
    many = len(deviations)
    said = (
        f"{study!r}: {many} deviation{'s' if many > 1 else ''} from the registered plan ({kinds})."
    )
    rules = [*verdict.rules, *(study_deviation_outcome(study, d) for d in deviations)]
    return verdict.model_copy(update={"summary": _lead(verdict.summary) + said, "rules": rules})
