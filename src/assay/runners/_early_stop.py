"""Planned early stopping: evaluate in a random order until a confidence sequence decides.

The examples are evaluated in a seeded random order, ``check_every`` at a time. After each
batch (once ``min_examples`` have been evaluated) an anytime-valid confidence sequence for
the mean of candidate − baseline on the stop metric is updated, and the evaluation stops as
soon as its interval lies wholly on one side of −margin (in the metric's "better" direction):

* ``not_worse``: the whole interval is above −margin (with margin 0: the candidate is better);
* ``worse``: the whole interval is below −margin;
* ``undecided``: the suite ran out first.

The sequence is the predictable plug-in empirical-Bernstein sequence of Waudby-Smith & Ramdas
(2023) (:func:`assay.stats.empirical_bernstein_confidence_sequence` against a fixed baseline
value, :func:`assay.stats.paired_empirical_bernstein_confidence_sequence` against a baseline
run's per-example scores). It holds at every n at once, so looking after every batch does not
inflate the error rate: the probability that the stop decides the wrong way is at most
1 − confidence. It assumes the suite's examples are independent draws from the population the
decision is about (the random order makes every evaluated prefix such a sample) and scores
within the stated ``bounds``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
import pyarrow as pa

from assay.data import SuiteData
from assay.errors import DataError, ParameterError
from assay.runners._adapters import ModelAdapter
from assay.runners._async_runner import AsyncModelAdapter
from assay.runners._local import evaluate_suite
from assay.runners._scoring import ProgressCallback, Scorer
from assay.stats import (
    ConfidenceSequence,
    empirical_bernstein_confidence_sequence,
    paired_empirical_bernstein_confidence_sequence,
)

__all__ = [
    "EarlyStop",
    "EarlyStopDecision",
    "EarlyStopResult",
    "early_stop_decision",
    "evaluate_suite_early_stop",
    "sequential_decision",
]

_TRUNCATION = 0.5
_METHOD = "predictable plug-in empirical bernstein confidence sequence (Waudby-Smith & Ramdas 2023)"

Goal = Literal["higher", "lower"]


class EarlyStopDecision(StrEnum):
    """How a planned early stop ended."""

    NOT_WORSE = "not_worse"
    """The whole interval for the improvement is above −margin."""
    WORSE = "worse"
    """The whole interval for the improvement is below −margin."""
    UNDECIDED = "undecided"
    """The suite ran out before the interval left −margin."""


@dataclass(frozen=True)
class EarlyStop:
    """The plan of an early-stopped evaluation; fixed before any example is evaluated."""

    metric: str
    """The suite metric the decision is about; its per-example scores must lie in ``bounds``."""
    baseline: float | Mapping[str, float]
    """A fixed reference value to beat, or a baseline run's per-example scores by example_id
    (a paired comparison; examples without a baseline score do not enter the sequence)."""
    margin: float = 0.0
    """Non-inferiority margin, in the metric's units (0: a superiority/inferiority decision)."""
    confidence: float = 0.95
    """Time-uniform confidence of the sequence; 1 − confidence bounds a wrong decision."""
    min_examples: int = 100
    """No decision before this many examples have been evaluated."""
    check_every: int = 50
    """Examples evaluated between two looks at the sequence."""
    seed: int = 0
    """Seed of the random evaluation order."""
    bounds: tuple[float, float] = (0.0, 1.0)
    """The range one per-example score is known to lie in."""
    baseline_run: str | None = None
    """The stored run the baseline scores came from (:func:`assay.early_stop_plan` sets it)."""


@dataclass(frozen=True)
class EarlyStopResult:
    """How an early-stopped evaluation ended; goes into the run's provenance."""

    decision: EarlyStopDecision
    """``not_worse``, ``worse`` or ``undecided``."""
    metric: str
    """The metric decided on."""
    goal: Goal
    """Whether higher or lower values of the metric are better."""
    n_used: int
    """Examples evaluated."""
    n_total: int
    """Examples in the suite."""
    n_observations: int
    """Examples that entered the sequence (evaluated, no error, with a baseline score)."""
    estimate: float
    """Mean of candidate − baseline over those examples (NaN when there were none)."""
    low: float
    """Lower bound of the final interval for candidate − baseline."""
    high: float
    """Upper bound of the final interval for candidate − baseline."""
    confidence: float
    """Time-uniform confidence of the interval."""
    margin: float
    """The non-inferiority margin."""
    comparison: Literal["fixed", "paired"]
    """Against a fixed baseline value, or paired with a baseline run's per-example scores."""
    method: str
    """The confidence sequence, in words."""
    parameters: dict[str, Any]
    """The plan's parameters (seed, min_examples, check_every, bounds, truncation)."""
    planned: bool = True
    """The stop followed a plan fixed in advance (not a look at a fixed-n interval)."""

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready, for ``provenance["early_stop"]``."""

        def num(x: float) -> float | None:
            return x if math.isfinite(x) else None

        return {
            "decision": self.decision.value,
            "metric": self.metric,
            "goal": self.goal,
            "n_used": self.n_used,
            "n_total": self.n_total,
            "n_observations": self.n_observations,
            "estimate": num(self.estimate),
            "low": num(self.low),
            "high": num(self.high),
            "confidence": self.confidence,
            "margin": self.margin,
            "comparison": self.comparison,
            "method": self.method,
            "parameters": dict(self.parameters),
            "planned": self.planned,
        }


def early_stop_decision(low: float, high: float, margin: float, goal: Goal) -> EarlyStopDecision:
    """Classify an interval for candidate − baseline against −margin in the ``goal`` direction."""
    better_low, better_high = (low, high) if goal == "higher" else (-high, -low)
    if better_low > -margin:
        return EarlyStopDecision.NOT_WORSE
    if better_high < -margin:
        return EarlyStopDecision.WORSE
    return EarlyStopDecision.UNDECIDED


def _check_plan(plan: EarlyStop, data: SuiteData) -> Goal:
    fn = "evaluate_suite_early_stop"
    goals = {m.name: m.goal for m in data.suite.metrics}
    if plan.metric not in goals:
        raise ParameterError("metric", fn, f"a metric of the suite ({sorted(goals)})", plan.metric)
    lo, hi = plan.bounds
    for name, value, ok in (
        ("margin", plan.margin, math.isfinite(plan.margin) and plan.margin >= 0),
        ("confidence", plan.confidence, 0.0 < plan.confidence < 1.0),
        ("min_examples", plan.min_examples, plan.min_examples >= 1),
        ("check_every", plan.check_every, plan.check_every >= 1),
        ("bounds", plan.bounds, math.isfinite(lo) and math.isfinite(hi) and lo < hi),
    ):
        if not ok:
            expected = {
                "margin": "a finite float >= 0",
                "confidence": "a float in (0, 1)",
                "min_examples": "an integer >= 1",
                "check_every": "an integer >= 1",
                "bounds": "a pair (low, high) of finite floats with low < high",
            }[name]
            raise ParameterError(name, "EarlyStop", expected, value)
    if not isinstance(plan.baseline, Mapping) and not lo <= float(plan.baseline) <= hi:
        raise ParameterError("baseline", "EarlyStop", f"a value in [{lo:g}, {hi:g}]", plan.baseline)
    return goals[plan.metric]


def evaluate_suite_early_stop(
    data: SuiteData,
    adapter: ModelAdapter | AsyncModelAdapter,
    plan: EarlyStop,
    *,
    scorers: Mapping[str, Scorer] | None = None,
    batch_size: int = 512,
    on_progress: ProgressCallback | None = None,
    cache_dir: str | Path | None = None,
) -> tuple[pa.Table, EarlyStopResult]:
    """Evaluate ``adapter`` in a seeded random order until ``plan``'s sequence decides.

    Each batch of ``plan.check_every`` examples goes through :func:`evaluate_suite` (so errors,
    retries and scoring are the same as a full run; one sample per example). Records with an
    error or without a baseline score are kept but do not enter the sequence. Returns the
    records of the evaluated examples only, in evaluation order, and the
    :class:`EarlyStopResult` for the run's provenance (``provenance["early_stop"] =
    result.to_dict()``). Unevaluated examples are absent; a comparison pairs shared examples.
    """
    goal = _check_plan(plan, data)
    n_total = data.examples.num_rows
    order = np.random.default_rng(plan.seed).permutation(n_total)
    base_by_id = plan.baseline if isinstance(plan.baseline, Mapping) else None
    tables: list[pa.Table] = []
    cand: list[float] = []
    base: list[float] = []
    decision = EarlyStopDecision.UNDECIDED
    interval: tuple[float, float, float] = (math.nan, -math.inf, math.inf)
    used = 0
    for start in range(0, n_total, plan.check_every):
        part = SuiteData(
            suite=data.suite, examples=data.examples.take(order[start : start + plan.check_every])
        )
        records = evaluate_suite(
            part, adapter, scorers=scorers, batch_size=batch_size, cache_dir=cache_dir
        )
        tables.append(records)
        used += part.examples.num_rows
        ids = records.column("example_id").to_pylist()
        scores = records.column(plan.metric).to_numpy(zero_copy_only=False)
        for eid, score in zip(ids, scores, strict=True):
            b = float(base_by_id.get(eid, math.nan)) if base_by_id is not None else math.nan
            if math.isfinite(score) and (base_by_id is None or math.isfinite(b)):
                cand.append(float(score))
                base.append(b)
        if on_progress is not None:
            on_progress(used, n_total)
        last = start + plan.check_every >= n_total
        if cand and (used >= plan.min_examples or last):
            paired = None if base_by_id is None else np.asarray(base)
            interval = _interval(plan, np.asarray(cand), paired)
            if used >= plan.min_examples:
                decision = early_stop_decision(interval[1], interval[2], plan.margin, goal)
            if decision is not EarlyStopDecision.UNDECIDED:
                break
    result = EarlyStopResult(
        decision=decision,
        metric=plan.metric,
        goal=goal,
        n_used=used,
        n_total=n_total,
        n_observations=len(cand),
        estimate=interval[0],
        low=interval[1],
        high=interval[2],
        confidence=plan.confidence,
        margin=plan.margin,
        comparison="fixed" if base_by_id is None else "paired",
        method=_METHOD,
        parameters=_parameters(plan),
    )
    if not tables:
        raise DataError(
            "evaluate_suite_early_stop: the suite has no examples",
            expected="at least 1 example",
            found="0",
        )
    return pa.concat_tables(tables), result


def sequential_decision(
    plan: EarlyStop,
    candidate: Any,
    baseline: Any = None,
    *,
    goal: Goal = "higher",
) -> tuple[EarlyStopDecision, int]:
    """The decision and the n at which ``plan`` stops on scores already in evaluation order.

    The same looks as :func:`evaluate_suite_early_stop` when every example scores: after every
    ``check_every`` observations from ``min_examples`` on, and at the end. ``baseline`` is the
    paired baseline scores (same order), or ``None`` to compare with ``plan.baseline`` as a
    fixed value. For simulating a plan's error rates and expected savings.
    """
    c = np.asarray(candidate, dtype=np.float64)
    b = None if baseline is None else np.asarray(baseline, dtype=np.float64)
    if b is None and isinstance(plan.baseline, Mapping):
        raise ParameterError(
            "baseline", "sequential_decision", "paired scores for a paired plan", baseline
        )
    cs = _sequence(plan, c, b)
    shift = 0.0 if b is not None else float(plan.baseline)  # type: ignore[arg-type]
    n = c.size
    looks = [k for k in range(plan.check_every, n, plan.check_every) if k >= plan.min_examples]
    for k in [*looks, n]:
        if k < plan.min_examples:
            continue
        decision = early_stop_decision(
            float(cs.low[k - 1]) - shift, float(cs.high[k - 1]) - shift, plan.margin, goal
        )
        if decision is not EarlyStopDecision.UNDECIDED:
            return decision, k
    return EarlyStopDecision.UNDECIDED, n


def _sequence(
    plan: EarlyStop, candidate: npt.NDArray[np.float64], baseline: npt.NDArray[np.float64] | None
) -> ConfidenceSequence:
    if baseline is None:
        return empirical_bernstein_confidence_sequence(
            candidate, confidence=plan.confidence, bounds=plan.bounds, truncation=_TRUNCATION
        )
    return paired_empirical_bernstein_confidence_sequence(
        baseline, candidate, confidence=plan.confidence, bounds=plan.bounds, truncation=_TRUNCATION
    )


def _interval(
    plan: EarlyStop, candidate: npt.NDArray[np.float64], baseline: npt.NDArray[np.float64] | None
) -> tuple[float, float, float]:
    """(estimate, low, high) of candidate − baseline after all observations so far."""
    final = _sequence(plan, candidate, baseline).final
    shift = 0.0 if baseline is not None else float(plan.baseline)  # type: ignore[arg-type]
    return final.estimate - shift, final.low - shift, final.high - shift


def _parameters(plan: EarlyStop) -> dict[str, Any]:
    return {
        "seed": plan.seed,
        "min_examples": plan.min_examples,
        "check_every": plan.check_every,
        "bounds": list(plan.bounds),
        "truncation": _TRUNCATION,
        "baseline": None if isinstance(plan.baseline, Mapping) else float(plan.baseline),
        "baseline_run": plan.baseline_run,
    }
