"""Frozen result types shared by every statistical method.

Every result names the method that produced it and the sample it saw (``n``, clusters,
resamples, seed), so a number can always be traced to how it was computed.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Literal

__all__ = ["Alternative", "Estimate", "PairedResult", "TestResult"]

Alternative = Literal["two-sided", "greater", "less"]


@dataclass(frozen=True)
class Estimate:
    """A point estimate with its confidence interval."""

    estimate: float
    """The point estimate (mean, proportion, quantile, metric value, ...)."""
    low: float
    """Lower bound of the interval (may be ``-inf`` for one-sided intervals)."""
    high: float
    """Upper bound of the interval (may be ``inf`` for one-sided intervals)."""
    confidence: float
    """Confidence level of the interval, e.g. 0.95."""
    method: str
    """The method that produced the interval, in words (e.g. ``"wilson"``, ``"bca bootstrap"``)."""
    n: int
    """Number of independent units the estimate is based on (examples, after averaging samples)."""
    se: float | None = None
    """Standard error, where the method has one."""
    n_clusters: int | None = None
    """Number of clusters when the interval accounts for clustering, else ``None``."""
    resamples: int | None = None
    """Number of bootstrap resamples, for resampling methods."""
    seed: int | None = None
    """Seed of the resampling, when one was given as an integer."""
    notes: tuple[str, ...] = field(default_factory=tuple)
    """Caveats worth showing next to the number (degenerate data, corrections applied)."""

    @property
    def width(self) -> float:
        """Width of the interval."""
        return self.high - self.low

    def contains(self, value: float) -> bool:
        """Whether ``value`` lies in the closed interval."""
        return self.low <= value <= self.high

    def __str__(self) -> str:
        return f"{self.estimate:.4g} [{self.low:.4g}, {self.high:.4g}] ({self.method})"


@dataclass(frozen=True)
class TestResult:
    """A hypothesis test: statistic, p-value and the method."""

    statistic: float
    """The test statistic (``nan`` for tests that have none, such as exact permutation)."""
    p_value: float
    """The p-value under the stated alternative."""
    method: str
    """The test, in words (e.g. ``"mcnemar exact"``, ``"paired t"``)."""
    n: int
    """Number of units the test used."""
    alternative: Alternative = "two-sided"
    """Direction of the alternative hypothesis."""
    df: float | None = None
    """Degrees of freedom, where the reference distribution has them."""
    resamples: int | None = None
    """Number of resamples or permutations, for resampling tests."""
    seed: int | None = None
    """Seed of the resampling, when one was given as an integer."""
    notes: tuple[str, ...] = field(default_factory=tuple)
    """Caveats (ties dropped, exact form used, ...)."""


@dataclass(frozen=True)
class PairedResult:
    """Candidate minus baseline on the same units: the difference, its interval and its test."""

    baseline: Estimate
    """The baseline's own estimate."""
    candidate: Estimate
    """The candidate's own estimate."""
    difference: Estimate
    """Candidate minus baseline, with its interval."""
    test: TestResult
    """The paired test of no difference."""

    @property
    def p_value(self) -> float:
        """The test's p-value."""
        return self.test.p_value

    @property
    def significant(self) -> bool:
        """Whether the difference's interval excludes zero."""
        d = self.difference
        return not (d.low <= 0.0 <= d.high) and not math.isnan(d.low)
