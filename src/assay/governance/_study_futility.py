"""Futility: whether a study's evidence can still show the effect that matters.

A look reads one candidate run against the baseline on the primary metric. Within a look the
improvement (candidate − baseline, signed so that positive is better) is judged on a confidence
sequence over the paired units in evaluation order, valid at every n: reading a run while it
is evaluated, or any prefix of it, spends nothing more. Each look is another candidate run and
so another sequence; the study's error rate is spent across the stopping rule's registered
``max_looks`` = K by Bonferroni: each look's sequence is at confidence 1 − α/K (α = 1 −
the registered confidence). The chance that any of the K looks, at any n, stops a candidate
whose true improvement is the effect that matters is then at most α (the stop is one-sided,
so in fact at most α/2). Looks beyond K are a deviation, and the bound no longer holds.

The unit is the example, or the cluster when the suite has clusters (the project's unit of
analysis): each cluster's mean score, clusters weighted equally, in the order of their first
example. The sequence is the predictable plug-in empirical-Bernstein one (Waudby-Smith &
Ramdas 2023) when every unit's score is in [0, 1] (valid at every n for independent units),
else the normal mixture with estimated σ (asymptotically valid), tuned for the registered
planned n, which is fixed before any data is seen.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from assay._util import (
    check_choice,
    check_int,
    check_number,
    check_probability,
    decimals,
    effect_size,
    format_number,
)
from assay.errors import ParameterError
from assay.stats.sequential import (
    paired_empirical_bernstein_confidence_sequence,
    paired_normal_mixture_confidence_sequence,
)

__all__ = ["Futility", "futility"]


@dataclass(frozen=True)
class Futility:
    """The anytime-valid reading of a study's evidence against its minimum effect."""

    outcome: Literal["stop", "effect shown", "continue"]
    """``stop``: the upper bound is below the minimum effect; ``effect shown``: the lower
    bound is at or above it; ``continue``: the sequence still contains it."""
    estimate: float
    """Mean improvement per unit (positive: the candidate is better)."""
    low: float
    """Lower bound of this look's confidence sequence at the last unit."""
    high: float
    """Upper bound of this look's confidence sequence at the last unit."""
    n: int
    """Paired examples read."""
    units: int
    """Units of the sequence: examples, or clusters when the suite has clusters."""
    unit: Literal["example", "cluster"]
    """What one unit is."""
    confidence: float
    """The study's confidence, over all its looks."""
    looks: int
    """The looks the stopping rule registered (K): the error rate is spent across them."""
    look_confidence: float
    """This look's sequence's confidence: 1 − (1 − confidence) / looks."""
    method: str
    """The confidence sequence, in words."""
    minimum_effect: float
    """The registered effect that matters."""
    scale: str = ""
    """``pts`` when every unit's score is in [0, 1] (the improvement is in percentage points,
    as the message writes it), else ``""`` (the metric's units)."""

    @property
    def message(self) -> str:
        """The reading in words, numbers by :mod:`assay._util`'s formatter (``[+1.1, +2.6]
        points``, ``+1.0 point``)."""
        k = 100.0 if self.scale == "pts" else 1.0
        places = decimals(self.scale, self)
        low, high = (format_number(v * k, places, signed=True) for v in (self.low, self.high))
        bounds = f"[{low}, {high}]" + (" points" if self.scale == "pts" else "")
        effect = effect_size(self.minimum_effect, self.scale)
        level = f"{100 * self.confidence:g}% confidence sequence ({self.method})"
        if self.outcome == "stop":
            return (
                f"even the upper bound of the {level} of the improvement, {bounds}, is below "
                f"the effect that matters ({effect}): stop"
            )
        if self.outcome == "effect shown":
            return (
                f"the lower bound of the {level} of the improvement, {bounds}, reaches the "
                f"effect that matters ({effect}): effect shown"
            )
        return (
            f"the {level} of the improvement, {bounds}, still contains the effect that "
            f"matters ({effect}): continue"
        )

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON types, with the message."""
        return {**self.__dict__, "message": self.message}


def _cluster_means(
    baseline: Any, candidate: Any, clusters: Sequence[object]
) -> tuple[np.ndarray, np.ndarray]:
    """Each cluster's mean score in both runs, clusters in the order of their first pair; a
    pair without a cluster label (``None``) is a cluster of its own."""
    base = np.asarray(baseline, dtype=np.float64)
    cand = np.asarray(candidate, dtype=np.float64)
    if len(clusters) != base.size:
        raise ParameterError(
            "clusters", "futility", f"one label per pair ({base.size})", len(clusters)
        )
    index: dict[object, int] = {}
    codes = np.array(
        [
            index.setdefault(("cluster", c) if c is not None else ("pair", i), len(index))
            for i, c in enumerate(clusters)
        ],
        dtype=np.int64,
    )
    counts = np.bincount(codes)
    return np.bincount(codes, base) / counts, np.bincount(codes, cand) / counts


def futility(
    baseline: Any,
    candidate: Any,
    *,
    minimum_effect: float,
    goal: Literal["higher", "lower"] = "higher",
    confidence: float = 0.95,
    looks: int = 1,
    tuned_for_n: int | None = None,
    clusters: Sequence[object] | None = None,
) -> Futility:
    """Judge one look: the per-example scores of both runs (paired, in evaluation order) on a
    confidence sequence at confidence 1 − (1 − ``confidence``) / ``looks`` (Bonferroni over
    the registered looks). With ``clusters`` (one label per pair), the units are cluster
    means. The empirical-Bernstein sequence when every unit is in [0, 1], else the normal
    mixture with estimated σ tuned for ``tuned_for_n`` (the registered planned n; the stats
    default when ``None``)."""
    effect = check_number(minimum_effect, "minimum_effect", "futility", low=0.0, low_open=True)
    check_choice(goal, "goal", "futility", ("higher", "lower"))
    check_probability(confidence, "confidence", "futility")
    k = check_int(looks, "looks", "futility", minimum=1)
    tuned = (
        None
        if tuned_for_n is None
        else check_int(tuned_for_n, "tuned_for_n", "futility", minimum=2)
    )
    base = np.asarray(baseline, dtype=np.float64)
    cand = np.asarray(candidate, dtype=np.float64)
    if base.ndim != 1 or base.shape != cand.shape or base.size == 0:
        raise ParameterError(
            "candidate", "futility", f"{base.size} scores paired with the baseline's", cand.size
        )
    n = int(base.size)
    grouped = clusters is not None and any(c is not None for c in clusters)
    if clusters is not None and grouped:
        base, cand = _cluster_means(base, cand, clusters)
    look_confidence = 1.0 - (1.0 - confidence) / k
    unit = bool(np.all((base >= 0) & (base <= 1) & (cand >= 0) & (cand <= 1)))
    bounds = (0.0, 1.0)
    if goal == "lower":  # improvement is a decrease: flip both so that higher is better
        base, cand, bounds = -base, -cand, (-1.0, 0.0)
    if unit:
        cs = paired_empirical_bernstein_confidence_sequence(
            base, cand, confidence=look_confidence, bounds=bounds
        )
    else:
        cs = paired_normal_mixture_confidence_sequence(
            base, cand, confidence=look_confidence, tuned_for_n=tuned
        )
    method = cs.method
    if not unit:
        method += f", tuned for n = {cs.tuned_for_n:,}"
    if grouped:
        method += f", over {base.size:,} cluster means"
    if k > 1:
        method += f"; Bonferroni over {k} looks: {100 * look_confidence:.4g}% each"
    final = cs.final
    outcome: Literal["stop", "effect shown", "continue"] = "continue"
    if final.high < effect:
        outcome = "stop"
    elif final.low >= effect:
        outcome = "effect shown"
    return Futility(
        outcome=outcome,
        estimate=final.estimate,
        low=final.low,
        high=final.high,
        n=n,
        units=int(base.size),
        unit="cluster" if grouped else "example",
        confidence=float(confidence),
        looks=k,
        look_confidence=look_confidence,
        method=method,
        minimum_effect=effect,
        scale="pts" if unit else "",
    )
