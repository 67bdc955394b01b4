"""Judging one look of a capacity search with intervals that allow for queueing.

Near capacity, requests queue behind one another and their latencies are strongly
autocorrelated; order-statistic and Wilson intervals assume independent requests and are then
too narrow (a seeded M/M/1 simulation reported capacities above the truth in most runs with
them). So every objective on requests is judged as a share with a batch-means interval
(:func:`assay.stats.batch_means_interval`, consecutive requests in send order):

* ``METRIC_pQ<=T``: the q-quantile is at most T exactly when the share of requests at or
  below T is at least q; a failed request is never at or below T.
* ``attainment>=S``: the share meeting every per-request objective, failures as misses.
* ``error_rate<=E``: the share of failed requests.

Objectives on rates (requests/s, output tokens/s, goodput) keep the block bootstrap over time
windows of :func:`~assay.runners.load.summarise_load`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import replace

from assay.errors import ConfigError
from assay.runners.load._slo import PER_REQUEST, Objective
from assay.runners.load._summary import LoadSummary, request_meets
from assay.runners.load._timing import RequestTiming
from assay.runners.load._verdict import ObjectiveResult
from assay.stats import batch_means_interval

__all__ = ["judge_look"]


def _indicator(t: RequestTiming, o: Objective, objectives: Sequence[Objective]) -> float:
    if o.percentile is not None:
        attr = PER_REQUEST[o.metric]
        v = t.client_lag_s if o.metric == "client_lag" else getattr(t, attr)
        return float(t.ok and v is not None and v <= o.threshold)
    if o.metric == "attainment":
        return float(t.ok and all(request_meets(t, r) for r in objectives if r.kind == "request"))
    return float(not t.ok)  # error_rate


def _worsening(share: Sequence[float], n_batches: int, higher_is_good: bool) -> bool:
    """Whether the second half of the look is worse than the first (one-sided Welch t on the
    batch means of each half, at the 10% level: sensitive, since a miss costs only a
    longer look)."""
    half = len(share) // 2
    if half < n_batches:
        return False
    first = batch_means_interval(share[:half], n_batches=n_batches // 2 or 2, confidence=0.8)
    second = batch_means_interval(share[half:], n_batches=n_batches // 2 or 2, confidence=0.8)
    se = math.hypot(first.se or 0.0, second.se or 0.0)
    drop = (first.estimate - second.estimate) * (1 if higher_is_good else -1)
    return drop > 0 and (se == 0.0 or drop / se > 1.2816)


def judge_look(
    summary: LoadSummary,
    timings: Sequence[RequestTiming],
    objectives: Sequence[Objective],
    *,
    confidence: float,
    n_batches: int = 10,
) -> tuple[str, list[ObjectiveResult]]:
    """met / missed / inconclusive for one look, objective by objective."""
    done = sorted((t for t in timings if not t.cancelled), key=lambda t: t.scheduled_s)
    results = []
    for o in objectives:
        if o.metric in summary.unmeasured:
            raise ConfigError(
                f"The objective {o.text!r} is on {o.metric}, which this run did not measure "
                "(TTFT, TPOT and inter-token gaps need a streamed endpoint)"
            )
        if o.kind == "request":
            continue
        if o.kind == "percentile" or o.metric in ("attainment", "error_rate"):
            assert o.percentile is not None or o.metric in ("attainment", "error_rate")
            share = [_indicator(t, o, objectives) for t in done]
            est = batch_means_interval(share, n_batches=n_batches, confidence=confidence)
            # a share lies in [0, 1]: the t interval is cut there
            est = replace(est, low=max(est.low, 0.0), high=min(est.high, 1.0))
            target = o.percentile if o.percentile is not None else o.threshold
            higher_is_good = o.metric != "error_rate"
        else:
            share = []
            if o.metric not in summary.metrics:
                raise ConfigError(
                    f"The objective {o.text!r} is on {o.metric}, which was not measured"
                )
            est = summary.metrics[o.metric]
            target, higher_is_good = o.threshold, o.op == ">="
        what = (
            f"share at or below {o.threshold * 1e3:g} ms" if o.percentile is not None else o.metric
        )
        if (est.low >= target) if higher_is_good else (est.high <= target):
            outcome, reason = "met", f"whole interval of the {what} meets {o.text}"
        elif (est.high < target) if higher_is_good else (est.low > target):
            outcome, reason = "missed", f"whole interval of the {what} misses {o.text}"
        else:
            outcome, reason = "inconclusive", f"the interval of the {what} straddles {o.text}"
        if not math.isfinite(est.low + est.high):
            outcome = "inconclusive"
        if outcome == "met" and o.kind != "run" and _worsening(share, n_batches, higher_is_good):
            outcome = "inconclusive"
            reason = (
                f"the {what} got worse from the first half of the look to the second (no "
                "steady state yet: the queue was still growing)"
            )
        results.append(ObjectiveResult(o.text, outcome, est, reason))
    outcomes = {r.outcome for r in results}
    if "missed" in outcomes:
        return "missed", results
    if "inconclusive" in outcomes or not summary.valid:
        return "inconclusive", results
    return "met", results
