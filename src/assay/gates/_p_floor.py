"""The smallest p-value a result's test can give, and the slices a multiplicity-adjusted
rule could not fail whatever the data.

A bootstrap p-value is ``(c + 1) / (B + 1)``: on one side it cannot fall below 1/(B + 1), and
over clusters that share is read through the expansion for G clusters
(:func:`assay.stats.expanded_p_value`), which raises it (about 0.021 one-sided with 5 clusters
and 2,000 resamples). Tests with a continuous reference (t, z) have no such floor here.
"""

from __future__ import annotations

from assay.core import MetricComparison
from assay.stats import expanded_p_value

__all__ = ["regression_p_floor", "unreachable"]


def regression_p_floor(result: MetricComparison) -> float | None:
    """The smallest one-sided p-value for a worsening that ``result``'s test can give:
    half the smallest two-sided bootstrap p-value, 2/(B + 1), expanded for its clusters;
    ``None`` where the test is not a bootstrap."""
    test = (result.test or "").lower()
    if result.resamples is None or "bootstrap" not in test:
        return None
    two_sided = min(1.0, 2.0 / (result.resamples + 1.0))
    if result.n_clusters is not None and result.n_clusters >= 2:
        two_sided = float(expanded_p_value(two_sided, "two-sided", result.n_clusters))
    return two_sided / 2.0


def unreachable(
    judged: list[MetricComparison], level: float, holm: bool
) -> tuple[bool, list[tuple[MetricComparison, float]]]:
    """Whether no judged slice could fail (every test has a floor, and Holm's first step, k
    times the smallest floor, or the smallest floor itself for Benjamini–Hochberg, is at or
    above ``level``); and the slices whose own floor is at or above ``level``."""
    floors = [regression_p_floor(r) for r in judged]
    alone = [(r, f) for r, f in zip(judged, floors, strict=True) if f is not None and f >= level]
    known = [f for f in floors if f is not None]
    if len(known) < len(judged) or not known:
        return False, alone
    best = min(known) * (len(judged) if holm else 1)
    return best >= level, alone
