"""From statistical results to comparison rows: intervals, MDE, small slices, BH within a metric."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Literal

from assay.compare._flips import FlipCandidate
from assay.compare._groups import Layout
from assay.compare._means import GroupResults
from assay.core import FlipCount, Interval, MetricComparison
from assay.stats import (
    Estimate,
    McNemarResult,
    PairedResult,
    adjust_pvalues,
    mcnemar_mde,
    minimum_detectable_effect,
)

__all__ = ["POWER", "Collected", "Kind", "MetricOutcome", "metric_rows", "minimum_effect"]

POWER = 0.8
"""Power at which the minimum detectable effect is computed."""

Kind = Literal["binary", "mean", "bootstrap", "custom"]


@dataclass
class MetricOutcome:
    """One metric's paired results on every group, before they become comparison rows."""

    name: str
    goal: Literal["higher", "lower"]
    kind: Kind
    groups: GroupResults
    notes: list[str] = field(default_factory=list)
    """Notes for the overall row (sample spread, empty slices)."""


@dataclass
class Collected:
    """What the metrics of one comparison produce, gathered as they are computed."""

    outcomes: list[MetricOutcome] = field(default_factory=list)
    flips: list[FlipCandidate] = field(default_factory=list)
    flip_counts: list[FlipCount] = field(default_factory=list)
    """True counts of changed examples per metric, in both directions."""
    missing: dict[str, dict[str, int]] = field(
        default_factory=lambda: {"baseline": {}, "candidate": {}}
    )
    """Records left out of each metric, per run."""
    unscored: list[str] = field(default_factory=list)
    """Metrics with no example scored in both runs."""
    not_compared: list[str] = field(default_factory=list)
    """Metrics left out for another reason, each with its reason in words."""


def _interval(e: Estimate) -> Interval:
    return Interval(
        estimate=e.estimate, low=e.low, high=e.high, confidence=e.confidence, method=e.method
    )


_EXACT_DF = 64


@lru_cache(maxsize=512)
def _noncentrality_exact(df: int, alpha: float) -> float:
    n = df + 1
    return minimum_detectable_effect(n, math.sqrt(n), alpha=alpha, power=POWER)


def _noncentrality(df: int, alpha: float) -> float:
    """Shift, in standard errors, that a two-sided t test on ``df`` degrees of freedom detects
    with 80% power: :func:`assay.stats.minimum_detectable_effect` with a standard error of 1.

    Exact up to 64 degrees of freedom; above, linear in 1/df between powers of two (relative
    error below 1e-4), so a comparison solves the noncentral t a few dozen times, not once
    per slice.
    """
    if df <= _EXACT_DF:
        return _noncentrality_exact(df, alpha)
    low = 1 << (df.bit_length() - 1)
    if low == df:
        return _noncentrality_exact(df, alpha)
    high = 2 * low
    k_low, k_high = _noncentrality_exact(low, alpha), _noncentrality_exact(high, alpha)
    w = (1.0 / df - 1.0 / high) / (1.0 / low - 1.0 / high)
    return k_high + w * (k_low - k_high)


def minimum_effect(result: PairedResult, alpha: float) -> float | None:
    """The difference this sample detects with 80% power at ``alpha`` (two-sided).

    McNemar planning (Connor 1987) from the observed discordance for the unclustered 0/1
    test; otherwise the noncentral t with the difference's standard error and degrees of
    freedom (for the bootstrap, its standard error in place of the t test's).
    """
    test = result.test
    if isinstance(test, McNemarResult):
        discordant = test.baseline_only + test.candidate_only
        if discordant == 0:
            return None
        value = mcnemar_mde(test.n, discordant / test.n, alpha=alpha, power=POWER)
    else:
        d = result.difference
        units = d.n_clusters if d.n_clusters is not None else d.n
        if d.se is None or not math.isfinite(d.se) or d.se <= 0.0 or units < 2:
            return None
        value = _noncentrality(units - 1, alpha) * d.se
    return value if math.isfinite(value) else None


def _notes(result: PairedResult) -> list[str]:
    out: list[str] = []
    for note in (*result.difference.notes, *result.test.notes):
        if note not in out:
            out.append(note)
    return out


def metric_rows(
    outcome: MetricOutcome, layout: Layout, confidence: float, min_slice_size: int
) -> list[MetricComparison]:
    """Overall row then slice rows of one metric; BH over its slice rows."""
    alpha = 1.0 - confidence
    rows: list[dict[str, Any]] = []
    small = empty = 0
    for f, family in enumerate(layout.families):
        for v, value in enumerate(family.values):
            groups = outcome.groups[f] if f < len(outcome.groups) else []
            r = groups[v] if v < len(groups) else None
            if r is None:
                # a value without pairs is missing only where the metric is sliced at all
                # (latency quantiles are compared overall only)
                empty += family.attribute is not None and any(g is not None for g in groups)
                continue
            notes = _notes(r)
            d = r.difference
            if family.attribute is not None and d.n < min_slice_size:
                small += 1
                notes.append(
                    f"small slice: {d.n} paired examples (fewer than {min_slice_size}); "
                    f"interval width {d.high - d.low:.3g}"
                )
            rows.append(
                {
                    "metric": outcome.name,
                    "goal": outcome.goal,
                    "slice_attribute": family.attribute,
                    "slice_value": value,
                    "n": d.n,
                    "n_clusters": d.n_clusters,
                    "baseline": _interval(r.baseline),
                    "candidate": _interval(r.candidate),
                    "difference": _interval(d),
                    "test": r.test.method,
                    "p_value": r.test.p_value,
                    "mde": minimum_effect(r, alpha),
                    "resamples": d.resamples,
                    "seed": d.seed,
                    "notes": notes,
                }
            )
    sliced = [row for row in rows if row["slice_attribute"] is not None]
    if sliced:
        adjusted = adjust_pvalues([row["p_value"] for row in sliced], method="bh")
        label = f"benjamini-hochberg over {len(sliced)} slice results"
        for row, p in zip(sliced, adjusted.adjusted, strict=True):
            row["p_adjusted"], row["adjustment"] = p, label
    overall = [row for row in rows if row["slice_attribute"] is None]
    for row in overall:
        row["notes"] = [*row["notes"], *outcome.notes]
        if small:
            row["notes"].append(
                f"{small} of {len(sliced)} slice results have fewer than {min_slice_size} "
                "paired examples; they are reported with their interval width, not flagged"
            )
        if empty:
            row["notes"].append(f"{empty} slice values have no example scored in both runs")
    return [MetricComparison(**row) for row in rows]
