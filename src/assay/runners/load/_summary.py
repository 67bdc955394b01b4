"""Run-level metrics of a load test, each with its interval, and the SLO verdict.

Percentiles over successful requests get order-statistic intervals; rates (requests/s, output
tokens/s, goodput) and means a batch-means t interval over time windows of the measured
span; shares (attainment, error rate) a Wilson or Clopper–Pearson interval. Failed requests
count as misses in attainment and as slower than any bound in percentile objectives;
cancelled requests are counted and left out.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np

from assay.errors import ConfigError, DataError
from assay.runners.load._slo import PER_REQUEST, Objective
from assay.runners.load._timing import RequestTiming
from assay.stats import (
    Estimate,
    mean_interval,
    proportion_interval,
    quantile_interval,
    window_ratio_interval,
    window_totals,
)

__all__ = ["LoadSummary", "Price", "request_meets", "summarise_load"]

PERCENTILES = (0.5, 0.9, 0.95, 0.99)


@dataclass(frozen=True)
class Price:
    """A stated price: per GPU-hour (times ``gpus``) or per million input and output tokens."""

    per_gpu_hour: float | None = None
    gpus: int = 1
    per_million_input: float | None = None
    per_million_output: float | None = None


@dataclass(frozen=True)
class LoadSummary:
    """Metrics of the measured requests (warm-up and cool-down left out)."""

    metrics: dict[str, Estimate]
    """Name → estimate with interval; times in milliseconds."""
    n_requests: int
    n_ok: int
    n_cancelled: int
    errors_by_kind: dict[str, int]
    duration_s: float
    """From the first measured scheduled send to the last measured response end."""
    achieved_rate: float | None
    """Measured requests sent per second (n - 1 over first to last send); the run is invalid
    when it falls short of the schedule's own rate by more than the tolerance."""
    target_rate: float | None
    valid: bool
    """False when the achieved rate is short of the target by more than the tolerance."""
    unmeasured: tuple[str, ...] = ()
    """Per-request metrics no request measured (TTFT without streaming, ...)."""
    notes: tuple[str, ...] = field(default_factory=tuple)


def _ms(e: Estimate) -> Estimate:
    return Estimate(
        e.estimate * 1e3,
        e.low * 1e3,
        e.high * 1e3,
        e.confidence,
        e.method,
        e.n,
        resamples=e.resamples,
        seed=e.seed,
        notes=e.notes,
    )


def summarise_load(
    timings: Sequence[RequestTiming],
    *,
    objectives: Sequence[Objective] = (),
    price: Price | None = None,
    target_rate: float | None = None,
    rate_tolerance: float = 0.05,
    confidence: float = 0.95,
    attainment_method: Literal["wilson", "clopper-pearson"] = "wilson",
    n_windows: int = 20,
    rng: int = 0,
    timeline: bool = True,
) -> LoadSummary:
    """Every metric of docs/load.md over ``timings`` (the measured requests).

    ``timeline=False`` when the send times are unknown (an imported file without them): rates,
    goodput, client lag and a cost per GPU-hour are then not measured, and means get a t
    interval that treats requests as independent (said in its method). Every interval here
    is deterministic: ``rng`` is accepted for callers that pass a seed and changes nothing.
    """
    done = [t for t in timings if not t.cancelled]
    if not done:
        raise DataError("A load summary needs at least one request that was not cancelled")
    ok = [t for t in done if t.ok]
    start = min(t.scheduled_s for t in done)
    stop = max([t.end_s or t.sent_s for t in done] + [t.last_token_s or 0.0 for t in ok])
    stop = max(stop, start + 1e-6)
    metrics: dict[str, Estimate] = {}
    unmeasured = []
    for name, attr in PER_REQUEST.items():
        values = [v for t in ok if (v := getattr(t, attr)) is not None]
        if name == "client_lag":
            values = [t.client_lag_s for t in done] if timeline else []
        if not values:
            unmeasured.append(name)
            continue
        for q in PERCENTILES:
            metrics[f"{name}_p{round(q * 100)}_ms"] = _ms(
                quantile_interval(values, q, confidence=confidence)
            )
        metrics[f"{name}_mean_ms"] = _ms(
            _windowed_mean(
                ok if name != "client_lag" else done, attr, start, stop, n_windows, confidence
            )
            if timeline
            else mean_interval(values, confidence=confidence)
        )
    gaps = [g for t in ok for g in t.itl_gaps_s]
    if gaps:
        for q in PERCENTILES:
            e = _ms(quantile_interval(gaps, q, confidence=confidence))
            note = "gaps pooled over requests are not independent: the interval is optimistic"
            metrics[f"itl_pooled_p{round(q * 100)}_ms"] = Estimate(
                **{**e.__dict__, "notes": (*e.notes, note)}
            )
    met = [all(request_meets(t, o) for o in objectives if o.kind == "request") for t in done]
    ends = [t.last_token_s or stop for t in ok]
    seconds = np.full(n_windows, (stop - start) / n_windows)
    for name, times, weights in (
        ()
        if not timeline
        else (
            ("requests_per_s", ends, [1.0] * len(ok)),
            ("output_tokens_per_s", ends, [float(t.output_tokens) for t in ok]),
            (
                "goodput",
                [t.last_token_s or stop for t, m in zip(done, met, strict=True) if m and t.ok],
                None,
            ),
        )
    ):
        w = weights if weights is not None else [1.0] * len(times)
        totals = window_totals(times, w, start=start, stop=stop * (1 + 1e-12), n_windows=n_windows)
        metrics[name] = window_ratio_interval(totals, seconds, confidence=confidence)
    n = len(done)
    metrics["attainment"] = proportion_interval(
        sum(m and t.ok for t, m in zip(done, met, strict=True)),
        n,
        method=attainment_method,
        confidence=confidence,
    )
    metrics["error_rate"] = proportion_interval(
        n - len(ok), n, method=attainment_method, confidence=confidence
    )
    if price is not None and (timeline or price.per_gpu_hour is None):
        metrics["cost_per_1k_tokens"] = _cost(
            price, ok, metrics["output_tokens_per_s"], stop - start
        )
    achieved = _rate([t.sent_s for t in done])
    scheduled = _rate([t.scheduled_s for t in done])
    valid = True
    notes: list[str] = []
    # the schedule's own rate, not the nominal one, is what the client had to keep up with: a
    # Poisson schedule of 200 requests at 20/s spans 10 s ± 0.7 s by chance alone
    known = target_rate is not None and achieved is not None and scheduled is not None
    if known and achieved < scheduled * (1 - rate_tolerance):  # type: ignore[operator]
        valid = False
        notes.append(
            f"achieved {achieved:.1f} req/s, short of the schedule's {scheduled:.1f} (target {target_rate:g}) by more than {rate_tolerance:.0%}: the run is invalid"
        )
    chunk_counted = sum(t.tokens_from == "chunks" for t in ok)
    if chunk_counted:
        notes.append(
            f"{chunk_counted} responses gave no usage: their output tokens are counted chunks"
        )
    return LoadSummary(
        metrics=metrics,
        n_requests=n,
        n_ok=len(ok),
        n_cancelled=len(timings) - n,
        errors_by_kind=dict(sorted(Counter(t.error for t in done if t.error).items())),
        duration_s=stop - start,
        achieved_rate=achieved,
        target_rate=target_rate,
        valid=valid,
        unmeasured=tuple(unmeasured),
        notes=tuple(notes),
    )


def _rate(times: Sequence[float]) -> float | None:
    ordered = sorted(times)
    span = ordered[-1] - ordered[0] if ordered else 0.0
    return (len(ordered) - 1) / span if span > 0 else None


def request_meets(t: RequestTiming, o: Objective) -> bool:
    """Whether a request met a per-request objective (a failed request never does)."""
    value = getattr(t, PER_REQUEST[o.metric]) if o.metric != "client_lag" else t.client_lag_s
    return t.ok and value is not None and o.met_by(value)


def _windowed_mean(
    ts: Sequence[RequestTiming], attr: str, start: float, stop: float, k: int, conf: float
) -> Estimate:
    pairs = [(t.scheduled_s, v) for t in ts if (v := getattr(t, attr)) is not None]
    times = [p[0] for p in pairs]
    sums = window_totals(times, [p[1] for p in pairs], start=start, stop=stop, n_windows=k)
    counts = window_totals(times, [1.0] * len(times), start=start, stop=stop, n_windows=k)
    return window_ratio_interval(sums, counts, confidence=conf)


def _cost(price: Price, ok: Sequence[RequestTiming], tps: Estimate, span: float) -> Estimate:
    out = sum(t.output_tokens for t in ok)
    if out == 0:
        raise DataError("No output tokens were measured: a cost per 1,000 tokens is undefined")
    if price.per_gpu_hour is not None:
        if not price.per_gpu_hour > 0 or price.gpus < 1:
            raise ConfigError("A price per GPU-hour must be > 0 (omit it to leave cost out)")
        per_s = price.per_gpu_hour * price.gpus / 3600.0
        # cost per 1k tokens = price per second / tokens per second × 1000: the throughput
        # interval, inverted
        low = per_s / tps.high * 1e3 if tps.high > 0 else math.inf
        high = per_s / tps.low * 1e3 if tps.low > 0 else math.inf
        return Estimate(
            per_s / tps.estimate * 1e3,
            low,
            high,
            tps.confidence,
            f"stated price per GPU-hour over {tps.method}",
            tps.n,
            resamples=tps.resamples,
            seed=tps.seed,
        )
    pin, pout = price.per_million_input, price.per_million_output
    if pout is None or not pout > 0 or (pin is not None and pin < 0):
        raise ConfigError(
            "A price per million output tokens must be > 0 (omit it to leave cost out)"
        )
    inp = sum(t.input_tokens or 0 for t in ok)
    value = (inp * (pin or 0.0) + out * pout) / 1e6 / out * 1e3
    return Estimate(
        value,
        value,
        value,
        1.0,
        "stated price per token (exact)",
        len(ok),
        notes=(f"{inp} input and {out} output tokens",),
    )
