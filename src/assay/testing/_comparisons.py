"""Builders of comparison results: by hand (intervals given) or from paired scores via assay.stats."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Literal

import numpy as np

from assay.core import Comparison, Coverage, Interval, MetricComparison, RunErrors
from assay.stats import PairedResult, paired_binary_difference, paired_mean_difference

__all__ = [
    "binary_result",
    "comparison_of",
    "given_interval",
    "mean_result",
    "metric_result",
    "result_from_paired",
]

Goal = Literal["higher", "lower"]


def given_interval(estimate: float, low: float, high: float, confidence: float = 0.95) -> Interval:
    """An interval given by hand."""
    return Interval(estimate=estimate, low=low, high=high, confidence=confidence, method="given")


def metric_result(
    diff: tuple[float, float, float] = (0.0, -0.01, 0.01),
    *,
    metric: str = "accuracy",
    goal: Goal = "higher",
    slice: str | None = None,
    n: int = 1000,
    p_value: float = 0.5,
    baseline: tuple[float, float, float] = (0.80, 0.78, 0.82),
    candidate: tuple[float, float, float] | None = None,
    test: str = "paired t",
) -> MetricComparison:
    """A result with a hand-made difference interval (and runs' intervals)."""
    attribute, value = slice.split("=", 1) if slice else (None, None)
    if candidate is None:
        candidate = tuple(b + diff[0] for b in baseline)  # type: ignore[assignment]
    assert candidate is not None
    return MetricComparison(
        metric=metric,
        goal=goal,
        slice_attribute=attribute,
        slice_value=value,
        n=n,
        baseline=given_interval(*baseline),
        candidate=given_interval(*candidate),
        difference=given_interval(*diff),
        test=test,
        p_value=p_value,
    )


def _interval(e: object) -> Interval:
    return Interval(
        estimate=e.estimate,  # type: ignore[attr-defined]
        low=e.low,  # type: ignore[attr-defined]
        high=e.high,  # type: ignore[attr-defined]
        confidence=e.confidence,  # type: ignore[attr-defined]
        method=e.method,  # type: ignore[attr-defined]
    )


def result_from_paired(
    paired: PairedResult, *, metric: str, goal: Goal = "higher", slice: str | None = None
) -> MetricComparison:
    """A result from an assay.stats paired computation."""
    attribute, value = slice.split("=", 1) if slice else (None, None)
    return MetricComparison(
        metric=metric,
        goal=goal,
        slice_attribute=attribute,
        slice_value=value,
        n=paired.difference.n,
        baseline=_interval(paired.baseline),
        candidate=_interval(paired.candidate),
        difference=_interval(paired.difference),
        test=paired.test.method,
        p_value=paired.test.p_value,
    )


def binary_result(
    baseline: np.ndarray,
    candidate: np.ndarray,
    *,
    metric: str = "accuracy",
    slice: str | None = None,
) -> MetricComparison:
    """Paired 0/1 scores: Newcombe interval and McNemar's test."""
    return result_from_paired(
        paired_binary_difference(baseline, candidate), metric=metric, slice=slice
    )


def mean_result(
    baseline: np.ndarray,
    candidate: np.ndarray,
    *,
    metric: str = "score",
    goal: Goal = "higher",
    slice: str | None = None,
) -> MetricComparison:
    """Paired continuous scores: t interval and paired t test."""
    paired = paired_mean_difference(baseline, candidate)
    return result_from_paired(paired, metric=metric, goal=goal, slice=slice)


def comparison_of(
    results: Sequence[MetricComparison],
    *,
    errors: tuple[int, int] | None = (0, 1000),
    confidence: float = 0.95,
) -> Comparison:
    """A comparison of the given results; ``errors`` = (errored, records) of the candidate."""
    n = max((r.n for r in results), default=0)
    errs = {}
    if errors is not None:
        errs = {
            "baseline": RunErrors(records=errors[1], errors=0),
            "candidate": RunErrors(records=errors[1], errors=errors[0]),
        }
    return Comparison(
        baseline_run="run-baseline",
        candidate_run="run-candidate",
        baseline_model="base@1",
        candidate_model="cand@2",
        suite_name="synthetic",
        suite_digest="0" * 64,
        confidence=confidence,
        coverage=Coverage(shared=n, baseline_only=0, candidate_only=0, suite_examples=n),
        results=list(results),
        errors=errs,
        created_at=datetime(2025, 1, 1, tzinfo=UTC),
    )
