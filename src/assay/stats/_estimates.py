"""Single-run estimates: means, proportions, per-example averaging of samples, quantiles.

Conventions (see DESIGN.md, "Statistical conventions"):

* A mean of per-example scores gets a t interval, clustered (CR1, t with G-1 degrees of
  freedom) when the examples come in clusters.
* A proportion from few examples gets a Wilson interval; :func:`binary_mean_interval` picks
  between Wilson and the t interval and says which, and why, in the result.
* Repeated samples of one example are averaged per example first (:func:`average_samples`).
* A quantile (p50/p95/p99 latency) gets a distribution-free order-statistic interval.

Degenerate data is reported, not hidden: one unit (or one cluster) gives an unbounded interval
with a note, identical values give an interval collapsed to the point with a note, empty input
and non-finite values raise :class:`~assay.errors.DataError`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from assay._util import check_int
from assay.errors import DataError, ParameterError
from assay.stats._checks import (
    as_float_array,
    check_confidence,
    check_probability,
)
from assay.stats._clustered import (
    ClusterCodes,
    MeanSummary,
    binary_summary,
    encode_clusters,
    plain,
    summarise_mean,
    summary_estimate,
    t_quantile,
    z_quantile,
)
from assay.stats._results import Estimate
from assay.stats._scipy import special, stats

__all__ = [
    "SampleAverages",
    "average_samples",
    "binary_mean_interval",
    "mean_interval",
    "proportion_interval",
    "quantile_interval",
]

ProportionMethod = Literal["wilson", "clopper-pearson", "normal"]
BinaryMethod = Literal["auto", "wilson", "normal"]

SMALL_N = 30
"""Below this many units (clusters when clustered) :func:`binary_mean_interval` uses Wilson."""
MIN_OUTCOME_COUNT = 10
"""With fewer successes or failures than this, :func:`binary_mean_interval` uses Wilson."""


def require_units(x: npt.NDArray[Any], name: str, function: str) -> None:
    """Raise DataError on empty input."""
    if x.shape[0] == 0:
        raise DataError(f"{function}: {name} is empty", expected="at least one value", found="0")


def as_binary_array(values: Any, name: str, function: str) -> npt.NDArray[np.float64]:
    """A 1-D float array of 0/1 outcomes; anything else is a DataError naming the position."""
    try:
        x = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError):
        x = None
    # zeros and ones are finite: only other input needs the finiteness check's message
    if x is not None and x.ndim == 1 and not ((x != 0.0) & (x != 1.0)).any():
        return x
    x = as_float_array(values, name, function)
    bad = (x != 0.0) & (x != 1.0)
    if bad.any():
        row = int(np.flatnonzero(bad)[0])
        raise DataError(
            f"{function}: {name}[{row}] is not a binary outcome",
            row=row,
            expected="0 or 1",
            found=str(x[row]),
        )
    return x


def _encode(clusters: Any, n: int, function: str) -> ClusterCodes | None:
    return None if clusters is None else encode_clusters(clusters, n, function)


def mean_interval(values: Any, *, clusters: Any = None, confidence: float = 0.95) -> Estimate:
    """Mean of per-example scores with a normal-theory (Student t) confidence interval.

    Assumes the examples (or, with ``clusters``, the clusters) are independent and that the
    mean is close to normally distributed (the central limit theorem; fine for bounded scores
    from a few dozen units). With ``clusters`` (one label per example), the standard error is
    cluster-robust (CR1: residuals summed per cluster, scaled by G/(G-1)) and the t reference
    has G-1 degrees of freedom; use it whenever examples share a passage, a user, a template.

    One example (or one cluster) gives an unbounded interval with a note; identical values give
    an interval collapsed to the point with a note (for 0/1 outcomes prefer
    :func:`binary_mean_interval`). Empty input or a non-finite value raises DataError.
    """
    function = "mean_interval"
    conf = check_confidence(confidence, function)
    x = as_float_array(values, "values", function)
    require_units(x, "values", function)
    summary = summarise_mean(x, _encode(clusters, x.shape[0], function))
    return summary_estimate(summary, conf)


def wilson_bounds(p: float, n: float, z: float) -> tuple[float, float]:
    """Wilson score interval for a proportion ``p`` observed on ``n`` (possibly effective) trials."""
    z2n = z * z / n
    centre = (p + z2n / 2.0) / (1.0 + z2n)
    half = z / (1.0 + z2n) * math.sqrt(p * (1.0 - p) / n + z2n / (4.0 * n))
    low = 0.0 if p == 0.0 else max(0.0, min(p, centre - half))
    high = 1.0 if p == 1.0 else min(1.0, max(p, centre + half))
    return low, high


def proportion_interval(
    successes: int,
    n: int,
    *,
    method: ProportionMethod = "wilson",
    confidence: float = 0.95,
) -> Estimate:
    """Confidence interval for a proportion from a count of successes in ``n`` independent trials.

    * ``"wilson"`` (default): the score interval; close to nominal coverage even for small
      ``n`` or proportions near 0 and 1. The right default.
    * ``"clopper-pearson"``: the exact binomial interval; coverage never below nominal, often
      well above (wide). Use when an auditor requires a guaranteed level.
    * ``"normal"``: the Wald interval p ± z·sqrt(p(1-p)/n), clipped to [0, 1]; only for large
      ``n`` with many successes and failures; it collapses to a point at 0 or ``n`` successes.

    ``n`` = 0 raises DataError (no observations).
    """
    function = "proportion_interval"
    conf = check_confidence(confidence, function)
    k = check_int(successes, "successes", function, minimum=0)
    trials = check_int(n, "n", function, minimum=0)
    if trials == 0:
        raise DataError(f"{function}: no observations", expected="n >= 1", found="n = 0")
    if k > trials:
        raise ParameterError("successes", function, f"an integer in [0, {trials}]", successes)
    alpha = 1.0 - conf
    p = k / trials
    notes: tuple[str, ...] = ()
    if method == "wilson":
        low, high = wilson_bounds(p, trials, z_quantile(1.0 - alpha / 2.0))
    elif method == "clopper-pearson":
        low = 0.0 if k == 0 else float(special.betaincinv(k, trials - k + 1, alpha / 2.0))
        high = (
            1.0 if k == trials else float(special.betaincinv(k + 1, trials - k, 1.0 - alpha / 2.0))
        )
    elif method == "normal":
        half = z_quantile(1.0 - alpha / 2.0) * math.sqrt(p * (1.0 - p) / trials)
        low, high = p - half, p + half
        if low < 0.0 or high > 1.0:
            low, high = max(low, 0.0), min(high, 1.0)
            notes = ("normal interval clipped to [0, 1]",)
        if k in (0, trials):
            notes = (*notes, f"{k} of {trials}: the normal interval collapses; prefer wilson")
    else:
        raise ParameterError(
            "method", function, "one of 'wilson', 'clopper-pearson', 'normal'", method
        )
    return Estimate(
        estimate=p,
        low=low,
        high=high,
        confidence=conf,
        method=method,
        n=trials,
        se=math.sqrt(p * (1.0 - p) / trials),
        notes=notes,
    )


def _clustered_wilson(
    p: float, summary: MeanSummary, conf: float
) -> tuple[float, float, tuple[str, ...]]:
    """Wilson on the effective sample size n / design effect (never narrower than iid)."""
    n, g = summary.n, summary.n_clusters or 0
    if g < 2:
        return 0.0, 1.0, ("only one cluster: nothing is known about other clusters; [0, 1]",)
    var_iid = p * (1.0 - p) / n
    if var_iid == 0.0:
        # No variation, so the within-cluster correlation cannot be estimated: assume the
        # worst case, one observation per cluster.
        n_eff = float(g)
        note = (
            "no variation: the design effect cannot be estimated, so each cluster counts as "
            "one observation (conservative)"
        )
    else:
        deff = max(1.0, summary.se**2 / var_iid)
        n_eff = n / deff
        note = f"design effect {deff:.3g}: effective n {n_eff:.1f}"
    # The design effect is itself estimated from G clusters: t with G-1 degrees of freedom in
    # place of z keeps coverage near nominal with few clusters (as in the clustered t).
    low, high = wilson_bounds(p, n_eff, t_quantile((1.0 + conf) / 2.0, g - 1))
    return low, high, (note,)


def binary_mean_interval(
    values: Any,
    *,
    clusters: Any = None,
    confidence: float = 0.95,
    method: BinaryMethod = "auto",
) -> Estimate:
    """Proportion of 0/1 per-example outcomes (accuracy, pass rate, harm rate) with an interval.

    ``method="auto"`` follows the project's convention and says which it chose, and why, in
    the result's ``method`` and ``notes``:

    * Wilson when there are fewer than 30 units (clusters, when clustered) or fewer than 10
      successes or 10 failures, where the normal approximation is poor;
    * otherwise the t interval of :func:`mean_interval` (clustered CR1 when ``clusters`` is
      given).

    With clusters, Wilson is applied to the effective sample size n / design effect, the
    design effect being the CR1 variance over the independent-examples variance (at least 1),
    with a t quantile on G-1 degrees of freedom in place of z (the design effect is estimated
    from G clusters; with about 20 clusters and a strong within-cluster correlation coverage
    is still a point or so under nominal).
    When every outcome is equal the design effect cannot be estimated and each cluster counts
    as one observation. A single cluster gives [0, 1] with a note.
    """
    function = "binary_mean_interval"
    conf = check_confidence(confidence, function)
    if method not in ("auto", "wilson", "normal"):
        raise ParameterError("method", function, "one of 'auto', 'wilson', 'normal'", method)
    x = as_binary_array(values, "values", function)
    require_units(x, "values", function)
    return binary_estimate(x, _encode(clusters, x.shape[0], function), conf, method)


def binary_estimate(
    x: npt.NDArray[np.float64],
    codes: ClusterCodes | None,
    conf: float,
    method: BinaryMethod,
    k: int | None = None,
) -> Estimate:
    """The interval of :func:`binary_mean_interval` on validated 0/1 outcomes (``k``: their
    number of ones, when the caller has counted them)."""
    ones = int(x.sum()) if k is None else k
    summary = binary_summary(x, ones) if codes is None else summarise_mean(x, codes)
    return binary_interval(ones, summary, conf, method)


def binary_interval(k: int, summary: MeanSummary, conf: float, method: BinaryMethod) -> Estimate:
    """The interval of :func:`binary_mean_interval` from ``k`` successes and the summary of the
    0/1 values (its ``se`` is the clustered one when clustered): the one implementation that
    :func:`binary_mean_interval` and :func:`assay.stats.binary_interval_from_counts` share."""
    n = summary.n
    clustered = summary.n_clusters is not None
    units = summary.n_clusters if summary.n_clusters is not None else n
    chosen: str = method
    reason: tuple[str, ...] = ()
    if method == "auto":
        if units < SMALL_N:
            what = "clusters" if clustered else "units"
            chosen, reason = (
                "wilson",
                (f"auto: wilson because there are {units} < {SMALL_N} {what}",),
            )
        elif min(k, n - k) < MIN_OUTCOME_COUNT:
            chosen = "wilson"
            reason = (f"auto: wilson because {min(k, n - k)} < {MIN_OUTCOME_COUNT} of one outcome",)
        else:
            chosen, reason = "normal", ("auto: t interval because n and both outcomes are large",)
    if chosen == "normal":
        est = summary_estimate(summary, conf)
        return replace(est, notes=(*reason, *est.notes))
    p = k / n
    if not clustered:
        low, high = wilson_bounds(p, n, z_quantile((1.0 + conf) / 2.0))
        notes: tuple[str, ...] = ()
        label = "wilson"
    else:
        low, high, notes = _clustered_wilson(p, summary, conf)
        label = "wilson (clustered, effective n)"
    return Estimate(
        estimate=p,
        low=low,
        high=high,
        confidence=conf,
        method=label,
        n=n,
        se=math.sqrt(p * (1.0 - p) / n),
        n_clusters=summary.n_clusters,
        notes=(*reason, *notes),
    )


@dataclass(frozen=True, eq=False)
class SampleAverages:
    """Repeated samples of each example averaged per example, with their spread."""

    example_ids: npt.NDArray[Any]
    """The distinct example ids, sorted."""
    means: npt.NDArray[np.float64]
    """Mean score of each example over its samples (aligned with ``example_ids``)."""
    n_samples: npt.NDArray[np.int64]
    """Number of samples of each example."""
    within_sd: float | None
    """Mean over examples (with two or more samples) of the within-example standard deviation
    (ddof=1): how much one example's score moves between samples. ``None`` if no example has
    two samples."""
    pooled_within_sd: float | None
    """Pooled within-example standard deviation, sqrt(sum of squares / sum of (k_i - 1))."""
    clusters: npt.NDArray[Any] | None = None
    """Cluster label of each example, when clusters were given."""
    notes: tuple[str, ...] = field(default_factory=tuple)
    """Caveats (unequal numbers of samples, single samples)."""

    @property
    def n_examples(self) -> int:
        """Number of distinct examples."""
        return int(self.means.shape[0])


def average_samples(values: Any, example_ids: Any, *, clusters: Any = None) -> SampleAverages:
    """Average repeated samples of each example before any comparison, and report their spread.

    The unit of analysis is the example: treating k samples of one example as k independent
    examples overstates the evidence. Pass the per-sample scores, the example id of each
    sample and, optionally, its cluster (every sample of one example must share one cluster).
    Feed ``means`` (and ``clusters``) to :func:`mean_interval` or the paired tests, and report
    ``within_sd`` beside the result.
    """
    function = "average_samples"
    x = as_float_array(values, "values", function)
    require_units(x, "values", function)
    n = x.shape[0]
    ids = encode_clusters(example_ids, n, function, name="example_ids")
    inverse, n_ex = ids.codes, ids.n_clusters
    counts = np.bincount(inverse, minlength=n_ex).astype(np.int64)
    means = np.bincount(inverse, weights=x, minlength=n_ex) / counts
    resid = x - means[inverse]
    ss = np.bincount(inverse, weights=resid * resid, minlength=n_ex)
    repeated = counts >= 2
    notes: list[str] = []
    if repeated.any():
        sds = np.sqrt(ss[repeated] / (counts[repeated] - 1))
        within_sd: float | None = float(sds.mean())
        pooled: float | None = math.sqrt(float(ss.sum()) / float((counts - 1).sum()))
    else:
        within_sd = pooled = None
        notes.append("every example has a single sample: no within-example spread")
    if counts.min() != counts.max():
        notes.append(f"examples have between {counts.min()} and {counts.max()} samples")
    # A stable sort by example keeps samples in input order, so each group starts at its first.
    order = np.argsort(inverse, kind="stable")
    first = order[np.concatenate(([0], np.cumsum(counts)[:-1]))]
    labels = np.asarray(example_ids)[first]
    per_example_clusters = None
    if clusters is not None:
        codes = encode_clusters(clusters, n, function)
        split = codes.codes != codes.codes[first][inverse]
        if split.any():
            row = int(np.flatnonzero(split)[0])
            raise DataError(
                f"{function}: the samples of example {plain(labels[inverse[row]])!r} are in "
                "different clusters",
                row=row,
                expected="one cluster per example",
                found=repr(plain(np.asarray(clusters)[row])),
            )
        per_example_clusters = np.asarray(clusters)[first]
    return SampleAverages(
        example_ids=labels,
        means=means,
        n_samples=counts,
        within_sd=within_sd,
        pooled_within_sd=pooled,
        clusters=per_example_clusters,
        notes=tuple(notes),
    )


@lru_cache(maxsize=512)
def order_statistic_ranks(n: int, q: float, confidence: float) -> tuple[int, int, float]:
    """1-based ranks (l, u) of the equal-tailed order-statistic interval and its exact coverage.

    The number B of values below the q-quantile is Binomial(n, q), and
    P(x_(l) <= xi_q < x_(u)) = P(l <= B <= u - 1). l is the largest rank with P(B < l) <= alpha/2,
    u the smallest with P(B >= u) <= alpha/2. l = 0 and u = n + 1 mean "beyond the sample".
    """
    half = (1.0 - confidence) / 2.0
    j = int(stats.binom.ppf(half, n, q))
    if stats.binom.cdf(j, n, q) > half * (1.0 + 1e-12):
        j -= 1
    lo = j + 1
    hi = int(stats.binom.ppf(1.0 - half, n, q)) + 1
    coverage = float(stats.binom.cdf(hi - 1, n, q) - (stats.binom.cdf(lo - 1, n, q) if lo else 0.0))
    return lo, min(hi, n + 1), coverage


def quantile_interval(values: Any, q: float, *, confidence: float = 0.95) -> Estimate:
    """A quantile (p50, p95, p99 latency) with a distribution-free order-statistic interval.

    Assumes only independent draws from a continuous distribution: the interval
    [x_(l), x_(u)] between two order statistics covers the true q-quantile with probability at
    least ``confidence``, each tail at most (1 - confidence)/2 (equal-tailed; the exact coverage
    is stated in the notes and approaches the nominal level as n·q·(1-q) grows). The point
    estimate is numpy's default (linear) sample quantile.

    When n is too small for the requested level, a bound is infinite (for example the upper
    bound of p99 from fewer than about 300 values at 95%), with a note: the sample does not
    reach far enough into the tail.
    """
    function = "quantile_interval"
    conf = check_confidence(confidence, function)
    q = check_probability(q, "q", function)
    x = as_float_array(values, "values", function)
    require_units(x, "values", function)
    n = x.shape[0]
    lo, hi, coverage = order_statistic_ranks(n, float(q), conf)
    h = (n - 1) * float(q)
    below = math.floor(h)
    kth = sorted({below, min(below + 1, n - 1), *(r - 1 for r in (lo, hi) if 1 <= r <= n)})
    part = np.partition(x, kth)
    point = float(part[below] + (h - below) * (part[min(below + 1, n - 1)] - part[below]))
    notes = [f"exact coverage {coverage:.4f} (order statistics {lo} and {hi} of {n})"]
    if lo == 0:
        notes.append("too few values for a finite lower bound at this confidence")
    if hi == n + 1:
        notes.append("too few values for a finite upper bound at this confidence")
    return Estimate(
        estimate=point,
        low=float(part[lo - 1]) if lo >= 1 else -math.inf,
        high=float(part[hi - 1]) if hi <= n else math.inf,
        confidence=conf,
        method="order statistics (binomial)",
        n=n,
        notes=tuple(notes),
    )
