"""The SLO verdict of a load test: SHIP, BLOCK or INCONCLUSIVE, objective by objective."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from assay.errors import ConfigError
from assay.runners.load._slo import PER_REQUEST, Objective
from assay.runners.load._summary import LoadSummary
from assay.runners.load._timing import RequestTiming
from assay.stats import Estimate, percentile_interval, percentile_min_requests

__all__ = ["ObjectiveResult", "judge_objectives"]


@dataclass(frozen=True)
class ObjectiveResult:
    objective: str
    outcome: str
    """``met``, ``missed`` or ``inconclusive``."""
    estimate: Estimate
    """The interval judged (times in ms; a failed request counts as ``inf``)."""
    reason: str


def judge_objectives(
    summary: LoadSummary,
    timings: Sequence[RequestTiming],
    objectives: Sequence[Objective],
    *,
    confidence: float = 0.95,
) -> tuple[str, list[ObjectiveResult]]:
    """Each objective on its interval bounds; the run's verdict (an invalid run is never SHIP)."""
    results = []
    done = [t for t in timings if not t.cancelled]
    for o in objectives:
        if o.metric in summary.unmeasured:
            raise ConfigError(
                f"The objective {o.text!r} is on {o.metric}, which this run did not measure "
                "(TTFT, TPOT and inter-token gaps need a streamed endpoint)"
            )
        if o.kind == "run" and o.metric not in summary.metrics:
            raise ConfigError(
                f"The objective {o.text!r} is on {o.metric}, which this run did not measure "
                "(rates need the send time of every request)"
            )
        if o.kind == "request":
            continue  # judged through attainment
        if o.kind == "percentile":
            assert o.percentile is not None
            values = [_value(t, o) * 1e3 for t in done]  # in ms, like the summary's times
            est = percentile_interval(values, o.percentile, confidence=confidence)
            threshold = o.threshold * 1e3
        else:
            est = summary.metrics[o.metric]
            threshold = o.threshold
        results.append(_judge(o, est, threshold, len(done), confidence))
    if not objectives:
        raise ConfigError("No objective given: a verdict needs at least one --slo")
    if all(o.kind == "request" for o in objectives):
        raise ConfigError("Per-request objectives need 'attainment>=SHARE' to be judged")
    outcomes = {r.outcome for r in results}
    if "missed" in outcomes:
        verdict = "BLOCK"
    elif "inconclusive" in outcomes or not summary.valid:
        verdict = "INCONCLUSIVE"
    else:
        verdict = "SHIP"
    return verdict, results


def _value(t: RequestTiming, o: Objective) -> float:
    if o.metric == "client_lag":
        return t.client_lag_s
    v = getattr(t, PER_REQUEST[o.metric]) if t.ok else None
    return math.inf if v is None else float(v)  # a failed request misses every bound


def _judge(o: Objective, est: Estimate, threshold: float, n: int, conf: float) -> ObjectiveResult:
    low, high = est.low, est.high
    good, bad = (
        (high <= threshold, low > threshold)
        if o.op == "<="
        else (low >= threshold, high < threshold)
    )
    if good:
        return ObjectiveResult(o.text, "met", est, f"whole interval meets {o.text}")
    if bad:
        return ObjectiveResult(o.text, "missed", est, f"whole interval misses {o.text}")
    if o.percentile is not None and math.isinf(est.high):
        need = percentile_min_requests(o.percentile, confidence=conf)
        if n < need:  # an infinite end from too few values, not from failed requests
            pct = f"p{o.percentile * 100:g}"
            reason = f"too few requests for a {pct} objective: {n} < {need}"
            return ObjectiveResult(o.text, "inconclusive", est, reason)
    return ObjectiveResult(o.text, "inconclusive", est, f"the interval straddles {o.text}")
