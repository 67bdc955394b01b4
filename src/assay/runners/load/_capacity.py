"""Capacity under an SLO: the highest request rate at which the SLO is met with confidence.

A noise-aware search, not a bisection on single noisy runs. Every *look* runs a fresh probe
at one rate and judges the objectives on their intervals (:func:`judge_objectives`): *met*
when every interval is on the right side, *missed* when one is wholly on the wrong side,
*inconclusive* otherwise. An inconclusive look is repeated with twice the requests (up to
``max_requests``); still inconclusive, the rate counts as not met. The search steps the rate
up by ``factor`` while it is met, down while it is not, then narrows the bracket between the
highest met and the lowest not-met rate by geometric halving until their ratio is within
``resolution``. The capacity is the highest rate judged met.

A rate above the true capacity is reported only if some look there was wrongly judged met.
Each look is judged at confidence 1 − (1 − confidence) / max_looks (Bonferroni over every look
the search may take), so that happens with probability at most 1 − confidence, as long as
each look's intervals hold at their level and latency does not fall as the rate rises. The
intervals hold only on a look in steady state, so a look is met only when it passes the
steady-state checks of :func:`~assay.runners.load._capacity_judge.judge_look` (MSER-5
warm-up truncation, no latency trend, batches longer than the latency's memory).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from assay._util import check_int, check_number
from assay.errors import ConfigError, ParameterError
from assay.runners.load._capacity_judge import judge_look
from assay.runners.load._slo import Objective
from assay.runners.load._summary import LoadSummary, summarise_load
from assay.runners.load._timing import RequestTiming
from assay.runners.load._verdict import ObjectiveResult
from assay.stats import percentile_min_requests

__all__ = ["CapacityProbe", "CapacityResult", "search_capacity"]

Probe = Callable[[float, int], Sequence[RequestTiming]]
"""``probe(rate, requests)``: the measured requests of a fresh run at ``rate``."""


@dataclass(frozen=True)
class CapacityProbe:
    """One look: a run at one rate and what its intervals said."""

    rate: float
    requests: int
    outcome: str
    """``met``, ``missed`` or ``inconclusive``."""
    objectives: tuple[ObjectiveResult, ...]
    summary: LoadSummary


@dataclass(frozen=True)
class CapacityResult:
    """The highest rate judged met (``None`` if none was) and every look."""

    capacity: float | None
    lowest_not_met: float | None
    """The lowest rate judged not met (the bracket's top), when one was."""
    probes: tuple[CapacityProbe, ...]
    confidence: float
    look_confidence: float
    """The confidence each look was judged at (Bonferroni over ``max_looks``)."""
    stopped: str
    """Why the search ended, in words."""


def _first_requests(objectives: Sequence[Objective], confidence: float, given: int) -> int:
    need = [
        percentile_min_requests(o.percentile, confidence=confidence)
        for o in objectives
        if o.percentile is not None
    ]
    return max([given, *need])


def search_capacity(
    probe: Probe,
    objectives: Sequence[Objective],
    *,
    start_rate: float,
    factor: float = 2.0,
    resolution: float = 0.1,
    min_rate: float | None = None,
    max_rate: float | None = None,
    requests: int = 200,
    max_requests: int = 3200,
    max_looks: int = 16,
    n_batches: int = 10,
    confirm: int = 2,
    confidence: float = 0.95,
    rng: int = 0,
) -> CapacityResult:
    """Search the highest rate at which every objective is met (see the module docstring).

    ``requests`` is the first size of a look, raised to the fewest that can give a finite
    bound on every percentile objective at the look's confidence.
    """
    function = "search_capacity"
    rate = check_number(start_rate, "start_rate", function, low=0, low_open=True)
    step = check_number(factor, "factor", function, low=1, low_open=True)
    res = check_number(resolution, "resolution", function, low=0, low_open=True)
    looks = check_int(max_looks, "max_looks", function, minimum=2)
    confirm = check_int(confirm, "confirm", function)
    first = check_int(requests, "requests", function, minimum=2)
    most = check_int(max_requests, "max_requests", function, minimum=2)
    conf = check_number(
        confidence, "confidence", function, low=0, high=1, low_open=True, high_open=True
    )
    lowest = min_rate if min_rate is not None else rate / step**4
    highest = max_rate if max_rate is not None else rate * step**6
    if not objectives:
        raise ParameterError("objectives", function, "one objective or more", objectives)
    if all(o.kind == "request" for o in objectives):
        raise ConfigError("Per-request objectives need 'attainment>=SHARE' to define capacity")
    look_conf = 1.0 - (1.0 - conf) / looks
    first = max(first, 10 * n_batches)
    if first > most:
        raise ConfigError(
            f"The objectives need {first} requests per look at {look_conf:.4f} confidence "
            f"(Bonferroni over {looks} looks); raise max_requests to at least {first}"
        )
    probes: list[CapacityProbe] = []
    met: float | None = None
    not_met: float | None = None
    stopped = ""
    while True:
        for _ in range(confirm):
            outcome, n = "inconclusive", first
            while outcome == "inconclusive" and n <= most and len(probes) < looks:
                timings = list(probe(rate, n))
                summary = summarise_load(
                    timings, objectives=objectives, target_rate=rate, confidence=look_conf, rng=rng
                )
                outcome, judged = judge_look(
                    summary, timings, objectives, confidence=look_conf, n_batches=n_batches
                )
                probes.append(CapacityProbe(rate, len(timings), outcome, tuple(judged), summary))
                n *= 2
            if outcome != "met":
                break
        if outcome == "met":
            met = rate if met is None else max(met, rate)
        else:
            not_met = rate if not_met is None else min(not_met, rate)
        if len(probes) >= looks:
            stopped = f"the {looks} looks were used"
            break
        if not_met is None:
            rate *= step
            if rate > highest:
                stopped = f"met up to the highest rate allowed ({highest:g}/s)"
                break
        elif met is None:
            rate /= step
            if rate < lowest:
                stopped = f"not met down to the lowest rate allowed ({lowest:g}/s)"
                break
        elif not_met / met <= 1.0 + res:
            stopped = f"bracket [{met:g}, {not_met:g}] within {res:.0%}"
            break
        else:
            rate = math.sqrt(met * not_met)
    return CapacityResult(met, not_met, tuple(probes), conf, look_conf, stopped)
