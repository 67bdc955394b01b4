"""The looks of a planned early stop: the sequence, the decision, and replaying a run's stop."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from assay.errors import DataError, ParameterError
from assay.stats.sequential._confidence import (
    ConfidenceSequence,
    empirical_bernstein_confidence_sequence,
    paired_empirical_bernstein_confidence_sequence,
)
from assay.stats.sequential._early_stop_types import (
    METHOD,
    TRUNCATION,
    EarlyStop,
    EarlyStopDecision,
    EarlyStopResult,
    Goal,
    check_values,
    early_stop_decision,
    plan_parameters,
)
from assay.stats.sequential._running import RunningBernstein

__all__ = ["Tracker", "evaluation_order", "replay_early_stop", "sequential_decision"]


def evaluation_order(seed: int, example_ids: Sequence[str]) -> npt.NDArray[np.intp]:
    """Row positions of a suite's examples in the seeded order a planned stop evaluates them.

    A seeded permutation of the examples sorted by id, so the order does not depend on the
    examples table's row order (which a suite's digest ignores).
    """
    by_id = np.argsort(np.asarray(example_ids, dtype=object), kind="stable")
    permuted: npt.NDArray[np.intp] = by_id[np.random.default_rng(seed).permutation(by_id.size)]
    return permuted


class Tracker:
    """The looks of a planned stop: observations so far, the interval and the decision.

    The sequence is carried as a running state (:class:`RunningBernstein`) fed only the
    observations since the last interval, so a look costs O(its batch), and its interval is
    the last element of the sequence recomputed on every observation so far.
    """

    def __init__(self, plan: EarlyStop, goal: Goal, n_total: int) -> None:
        self.plan, self.goal, self.n_total = plan, goal, n_total
        self.base_by_id = plan.baseline if isinstance(plan.baseline, Mapping) else None
        lo, hi = plan.bounds
        span = hi - lo
        bounds = (lo, hi) if self.base_by_id is None else (-span, span)
        self.running = RunningBernstein(plan.confidence, bounds, TRUNCATION)
        self.pending_cand: list[float] = []
        self.pending_base: list[float] = []
        self.observations = 0
        self.used = 0
        self.decision = EarlyStopDecision.UNDECIDED
        self.interval: tuple[float, float, float] = (math.nan, -math.inf, math.inf)

    def look(self, ids: Sequence[str], scores: npt.NDArray[Any]) -> bool:
        """Add one batch of evaluated examples; whether the sequence has decided."""
        plan, base_by_id = self.plan, self.base_by_id
        for eid, score in zip(ids, scores, strict=True):
            b = float(base_by_id.get(eid, math.nan)) if base_by_id is not None else math.nan
            if math.isfinite(score) and (base_by_id is None or math.isfinite(b)):
                self.pending_cand.append(float(score))
                self.pending_base.append(b)
        self.used += len(ids)
        seen = self.observations + len(self.pending_cand)
        if seen and (self.used >= plan.min_examples or self.used >= self.n_total):
            if self.pending_cand:
                self.interval = self._advance()
            if self.used >= plan.min_examples:
                low, high = self.interval[1], self.interval[2]
                self.decision = early_stop_decision(low, high, plan.margin, self.goal)
        return self.decision is not EarlyStopDecision.UNDECIDED

    def _advance(self) -> tuple[float, float, float]:
        """Feed the pending observations; (estimate, low, high) of candidate − baseline."""
        plan, offset = self.plan, self.observations
        cand = np.asarray(self.pending_cand, dtype=np.float64)
        lo, hi = plan.bounds
        if self.base_by_id is None:
            _check_scores(cand, "values", offset, lo, hi, _FIXED)
            x, shift = cand, float(plan.baseline)  # type: ignore[arg-type]
        else:
            base = np.asarray(self.pending_base, dtype=np.float64)
            _check_scores(base, "baseline", offset, lo, hi, _PAIRED)
            _check_scores(cand, "candidate", offset, lo, hi, _PAIRED)
            x, shift = cand - base, 0.0
        estimate, low, high = self.running.update(x)
        self.observations += cand.size
        self.pending_cand, self.pending_base = [], []
        return estimate - shift, low - shift, high - shift

    def result(self) -> EarlyStopResult:
        """How the stop ended, for the run's provenance."""
        return _result(
            self.plan,
            self.goal,
            self.decision,
            (self.used, self.n_total, self.observations + len(self.pending_cand)),
            self.interval,
        )


_FIXED = "empirical_bernstein_confidence_sequence"
_PAIRED = "paired_empirical_bernstein_confidence_sequence"


def _check_scores(
    x: npt.NDArray[np.float64], name: str, offset: int, lo: float, hi: float, function: str
) -> None:
    """A score outside the plan's bounds, named as the sequence function names it."""
    bad = (x < lo) | (x > hi)
    if bad.any():
        i = offset + int(np.argmax(bad))
        raise DataError(
            f"{function}: {name}[{i}] is outside the bounds",
            row=i,
            expected=f"a value in [{lo:g}, {hi:g}]",
            found=str(x[i - offset]),
        )


def _result(
    plan: EarlyStop,
    goal: Goal,
    decision: EarlyStopDecision,
    counts: tuple[int, int, int],
    interval: tuple[float, float, float],
) -> EarlyStopResult:
    used, n_total, n_observations = counts
    return EarlyStopResult(
        decision=decision,
        metric=plan.metric,
        goal=goal,
        n_used=used,
        n_total=n_total,
        n_observations=n_observations,
        estimate=interval[0],
        low=interval[1],
        high=interval[2],
        confidence=plan.confidence,
        margin=plan.margin,
        comparison="paired" if isinstance(plan.baseline, Mapping) else "fixed",
        method=METHOD,
        parameters=plan_parameters(plan),
    )


def replay_early_stop(
    plan: EarlyStop,
    example_ids: Sequence[str],
    candidate: Mapping[str, float],
    goal: Goal = "higher",
) -> tuple[EarlyStopResult, list[str]]:
    """The stop ``plan`` makes on recorded scores, and the examples it evaluates, in order.

    ``example_ids`` is the suite's example ids (in any row order: :func:`evaluation_order`
    sorts them before the seeded permutation); ``candidate`` the candidate's
    score per example (NaN or absent for an errored record). The looks, the sequence and the
    decision are the runner's, so a run's recorded stop can be checked against its records.
    """
    check_values(plan)
    n_total = len(example_ids)
    ids = [example_ids[i] for i in evaluation_order(plan.seed, example_ids)]
    base_by_id = plan.baseline if isinstance(plan.baseline, Mapping) else None
    c = np.array([candidate.get(i, math.nan) for i in ids], dtype=np.float64)
    enters = np.isfinite(c)
    b = None
    if base_by_id is not None:
        b = np.array([base_by_id.get(i, math.nan) for i in ids], dtype=np.float64)
        enters &= np.isfinite(b)
    # the sequence is predictable, so its value after k observations is the same whether it
    # is computed on those k alone (as the runner does at each look) or on all of them
    cs = _sequence(plan, c[enters], None if b is None else b[enters]) if enters.any() else None
    shift = 0.0 if b is not None else float(plan.baseline)  # type: ignore[arg-type]
    observed = np.concatenate([[0], np.cumsum(enters)])
    decision = EarlyStopDecision.UNDECIDED
    interval: tuple[float, float, float] = (math.nan, -math.inf, math.inf)
    used = 0
    for start in range(0, n_total, plan.check_every):
        used = min(start + plan.check_every, n_total)
        k = int(observed[used])
        if cs is not None and k and (used >= plan.min_examples or used >= n_total):
            at = k - 1
            interval = (
                float(cs.estimate[at]) - shift,
                float(cs.low[at]) - shift,
                float(cs.high[at]) - shift,
            )
            if used >= plan.min_examples:
                decision = early_stop_decision(interval[1], interval[2], plan.margin, goal)
        if decision is not EarlyStopDecision.UNDECIDED:
            break
    counts = (used, n_total, int(observed[used]))
    return _result(plan, goal, decision, counts, interval), ids[:used]


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
            candidate, confidence=plan.confidence, bounds=plan.bounds, truncation=TRUNCATION
        )
    return paired_empirical_bernstein_confidence_sequence(
        baseline, candidate, confidence=plan.confidence, bounds=plan.bounds, truncation=TRUNCATION
    )
