"""Verdicts: SHIP, BLOCK or INCONCLUSIVE, with the rule-by-rule reasons."""

from __future__ import annotations

from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from assay.core._html import html_for

__all__ = ["RuleOutcome", "Verdict", "VerdictResult"]

_CONFIG = ConfigDict(
    frozen=True, extra="forbid", use_attribute_docstrings=True, ser_json_inf_nan="constants"
)


class Verdict(StrEnum):
    """The three possible answers of a release gate."""

    SHIP = "SHIP"
    BLOCK = "BLOCK"
    INCONCLUSIVE = "INCONCLUSIVE"


class RuleOutcome(BaseModel):
    """How one rule of a policy judged the evidence."""

    model_config = _CONFIG

    rule: str
    """The rule's name."""
    tier: Literal["safety", "quality", "cost"]
    """Which gate it belongs to; tiers are judged in this order."""
    kind: str
    """The rule kind (threshold, non_inferiority, superiority, no_regression, budget, max_error_rate)."""
    metric: str
    """The metric judged."""
    slice: str | None = None
    """``attribute=value``, ``every slice of attribute``, or ``None`` for all examples."""
    outcome: Literal["pass", "fail", "inconclusive"]
    """Judged on interval bounds."""
    blocking: bool
    """Whether a failure blocks shipping (otherwise it is reported only)."""
    reason: str
    """In plain words, with the numbers: ``accuracy on age_band=60+: −2.1 points [−3.4, −0.8], below the −1.0 margin``."""
    to_settle: str | None = None
    """For an inconclusive outcome: what evidence would settle it."""
    evidence: list[str] = Field(default_factory=list)
    """Labels of the comparison results the rule used."""
    margins: dict[str, float] = Field(default_factory=dict)
    """For a non-inferiority rule: the margin each judged result was held to, by result
    label, in the metric's units (the rule's, the suite's, or the metric's default)."""


class VerdictResult(BaseModel):
    """A policy's verdict on a comparison."""

    model_config = _CONFIG

    verdict: Verdict
    """SHIP, BLOCK or INCONCLUSIVE."""
    policy: str
    """The policy's name."""
    policy_digest: str
    """Digest of the policy's definition."""
    summary: str
    """One sentence: the verdict and the evidence that decided it, with its numbers."""
    rules: list[RuleOutcome]
    """Every rule's outcome, in policy order."""

    def _repr_html_(self) -> str | None:
        """A table in notebooks, by the renderer :mod:`assay.reports` registers."""
        return html_for(self)
