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

Objectives on rates (requests/s, output tokens/s, goodput) keep the batch means over time
windows of :func:`~assay.runners.load.summarise_load`.

Batch means need a stationary look, and near capacity a look is often not one: the queue
started empty and is still filling, or its memory is longer than a batch. Looks of 400
requests after 200 of warm-up at 95% utilisation of an M/M/8 queue were judged met with
shares above 0.9 in their whole interval when the steady-state share is 0.70. So, on the end-to-end latency from the scheduled
send (the series in which queueing shows first, before any request misses), a look is:

* truncated where MSER-5 says its warm-up ends (:func:`assay.stats.mser_truncation`), and
  judged on the rest; a truncation past half the look means it never settled;
* tested for an upward trend (slope of 10 batch means, :func:`assay.stats.batch_means_trend`)
  and for batches shorter than the latency's memory (von Neumann's test of 20 batch means,
  :func:`assay.stats.batch_means_independence`), each one-sided at 5%.

A look that fails a check cannot be met (it is inconclusive, so repeated with twice the
requests). The checks only ever withhold "met", so a false alarm costs requests and power,
never a false claim; a level too strict lets unsettled looks through. The 5% levels were
chosen by seeded simulation (``benchmarks/sim_capacity_guards.py``: 400 searches on M/M/8
queues of known capacity per pair of levels): of the pairs whose false claims stayed at or
below 3 in 200 at both objectives, the most powerful with both checks on (claims of at least
80% of the truth: 85.5%, against 71.5% at the former 10% levels).
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
from assay.stats import (
    batch_means_independence,
    batch_means_interval,
    batch_means_trend,
    mser_truncation,
)

__all__ = ["INDEPENDENCE_LEVEL", "TREND_LEVEL", "judge_look"]


def _indicator(t: RequestTiming, o: Objective, objectives: Sequence[Objective]) -> float:
    if o.percentile is not None:
        attr = PER_REQUEST[o.metric]
        v = t.client_lag_s if o.metric == "client_lag" else getattr(t, attr)
        return float(t.ok and v is not None and v <= o.threshold)
    if o.metric == "attainment":
        return float(t.ok and all(request_meets(t, r) for r in objectives if r.kind == "request"))
    return float(not t.ok)  # error_rate


TREND_LEVEL = 0.05
"""One-sided level of the test for an upward trend (0: not tested)."""
INDEPENDENCE_LEVEL = 0.05
"""One-sided level of von Neumann's test of the batch means (0: not tested)."""


def _steady_part(
    done: Sequence[RequestTiming], n_batches: int, trend_level: float, independence_level: float
) -> tuple[int, str | None]:
    """Where the look's steady state begins (MSER-5 on the end-to-end latency from the
    scheduled send, failures as the slowest request), and why it is not steady, if it is not."""
    lat = [t.e2e_from_scheduled_s for t in done]
    worst = max((v for v in lat if v is not None), default=0.0)
    # to the microsecond: a clock's rounding is not a trend
    series = [round(worst if v is None else v, 6) for v in lat]
    cut = mser_truncation(series)
    if cut > len(series) // 2:
        return (
            cut,
            "the latency never settled (MSER-5 put the end of the warm-up past half the look)",
        )
    if trend_level > 0:
        trend = batch_means_trend(series[cut:], n_batches=n_batches, confidence=1 - 2 * trend_level)
        if trend.low > 0:
            return cut, (
                "the latency rose across the look (slope of its batch means above 0 at the "
                f"one-sided {trend_level:.0%} level): the queue was still filling"
            )
    fine = batch_means_independence(series[cut:], n_batches=max(8, 2 * n_batches))
    if fine.p_value < independence_level:
        return cut, (
            f"the latency is correlated over longer than a batch (von Neumann test of "
            f"{fine.n} batch means, C = {fine.statistic:.2f}, one-sided p = {fine.p_value:.3f}): "
            "the look is too short for its batch means"
        )
    return cut, None


def judge_look(
    summary: LoadSummary,
    timings: Sequence[RequestTiming],
    objectives: Sequence[Objective],
    *,
    confidence: float,
    n_batches: int = 10,
    trend_level: float = TREND_LEVEL,
    independence_level: float = INDEPENDENCE_LEVEL,
) -> tuple[str, list[ObjectiveResult]]:
    """met / missed / inconclusive for one look, objective by objective."""
    done = sorted((t for t in timings if not t.cancelled), key=lambda t: t.scheduled_s)
    cut, unsteady = _steady_part(done, n_batches, trend_level, independence_level)
    steady = (
        f"met only if the latency has no trend ({trend_level:.0%} test) and uncorrelated "
        f"batches ({independence_level:.0%} test)"
    )
    kept = done[cut:]
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
            share = [_indicator(t, o, objectives) for t in kept]
            est = batch_means_interval(share, n_batches=n_batches, confidence=confidence)
            # a share lies in [0, 1]: the t interval is cut there
            est = replace(
                est,
                low=max(est.low, 0.0),
                high=min(est.high, 1.0),
                method=f"{est.method} after MSER-5 warm-up truncation; {steady}",
                notes=(f"the first {cut} requests dropped as warm-up (MSER-5)", *est.notes),
            )
            target = o.percentile if o.percentile is not None else o.threshold
            higher_is_good = o.metric != "error_rate"
        else:
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
        if outcome == "met" and unsteady is not None:
            outcome, reason = "inconclusive", f"not a steady state: {unsteady}"
        results.append(ObjectiveResult(o.text, outcome, est, reason))
    outcomes = {r.outcome for r in results}
    if "missed" in outcomes:
        return "missed", results
    if "inconclusive" in outcomes or not summary.valid:
        return "inconclusive", results
    return "met", results
