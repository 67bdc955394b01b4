"""The methods section of a comparison: every statistical method used, in words."""

from __future__ import annotations

from collections.abc import Sequence

from assay.compare._groups import Layout
from assay.compare._results import POWER, MetricOutcome
from assay.stats import MCNEMAR_EXACT_BELOW

__all__ = ["LATENCY_METRICS", "describe_methods"]

LATENCY_METRICS = frozenset({"latency_p50", "latency_p95"})
EXPANDED = (
    "expanded for G clusters (Hesterberg's expanded percentile: each tail α/2 becomes "
    "Φ(√(G/(G−1))·t⁻¹(α/2; G−1)) before the percentile or BCa levels)"
)
QUANTILE_OVER_CLUSTERS = (
    "BCa's bias correction and acceleration are unreliable for a quantile over clusters: "
    "in simulation BCa covered 86% to 89% at a stated 95%"
)


def _names(outcomes: Sequence[MetricOutcome]) -> str:
    return ", ".join(o.name for o in outcomes)


def _mean_methods(outcomes: Sequence[MetricOutcome], clustered: bool) -> list[str]:
    lines = []
    binary = [o for o in outcomes if o.kind == "binary"]
    means = [o for o in outcomes if o.kind == "mean"]
    if binary and clustered:
        lines.append(
            f"0/1 metrics ({_names(binary)}): difference of paired proportions by the clustered "
            "paired t interval and test (McNemar's test assumes independent pairs); each run's "
            "proportion by Wilson on the effective sample size (n / design effect) with fewer "
            "than 30 clusters or fewer than 10 of either outcome, else the clustered t interval."
        )
    elif binary:
        lines.append(
            f"0/1 metrics ({_names(binary)}): difference of paired proportions by McNemar's "
            f"test with an interval that agrees with it: when fewer than {MCNEMAR_EXACT_BELOW} "
            "pairs are discordant, the exact binomial test and the exact conditional interval "
            "(Clopper-Pearson on the discordant pairs, scaled by the discordant share); "
            "otherwise the asymptotic (uncorrected) test and Newcombe's hybrid score interval "
            "(1998, method 10); each run's proportion by Wilson when n < 30 or either outcome "
            "has fewer than 10 examples, else the t interval."
        )
    if means:
        t = "clustered paired t (CR1, G-1 degrees of freedom)" if clustered else "paired t"
        lines.append(
            f"Means of per-example scores ({_names(means)}): {t} test and interval on the "
            "per-example differences; each run's mean with its t interval."
        )
    return lines


def _resampled_methods(
    outcomes: Sequence[MetricOutcome],
    seed: int,
    resamples: int,
    resampling: str,
    clustered: bool = False,
) -> list[str]:
    lines = []
    sums = [o for o in outcomes if o.kind == "bootstrap" and o.name not in LATENCY_METRICS]
    custom = [o for o in outcomes if o.kind == "custom"]
    latency = [o for o in outcomes if o.name in LATENCY_METRICS and o.kind == "bootstrap"]
    draw = f"{resamples} resamples seeded with {seed}"
    if sums:
        kind = (
            "Poisson bootstrap (independent Poisson(1) weights)"
            if resampling == "poisson"
            else "bootstrap"
        )
        lines.append(
            f"Metrics that are not means ({_names(sums)}): paired {kind} recomputing each "
            f"metric from resampled per-example sufficient statistics, {draw}, one set of "
            "resample weights shared by these metrics (drawn as category counts once per slice "
            "attribute when the statistics take few values); BCa intervals (scipy's "
            "definition); p-values (c + 1) / (B + 1)."
        )
    if custom:
        over_clusters = (
            f" (percentile for a quantile over clusters: {QUANTILE_OVER_CLUSTERS})"
            if clustered
            else ""
        )
        lines.append(
            f"Metrics with their own resampling ({_names(custom)}): paired bootstrap of the "
            f"metric, {draw}, drawn separately for the overall result and each slice; BCa "
            f"intervals{over_clusters}; p-values (c + 1) / (B + 1)."
        )
    if latency:
        grouped = any(
            r is not None and r.difference.n_clusters is not None
            for o in latency
            for family in o.groups
            for r in family
        )
        units = (
            "resampled clusters (the suite's clusters and examples timed together)"
            if grouped
            else "resampled examples"
        )
        intervals = f"percentile intervals {EXPANDED} ({QUANTILE_OVER_CLUSTERS})"
        lines.append(
            f"Latency ({_names(latency)}): per-example mean latency over samples; paired "
            "bootstrap of the difference of quantiles (numpy's linear quantile) on the same "
            f"{units}, {draw}, {intervals if grouped else 'BCa intervals'}; all examples only, "
            "not by slice."
        )
    return lines


def describe_methods(
    outcomes: Sequence[MetricOutcome],
    layout: Layout,
    paired: tuple[int, int],
    confidence: float,
    seed: int,
    resamples: int,
    min_slice_size: int,
    unscored: Sequence[str],
    not_compared: Sequence[str] = (),
    resampling: str = "multinomial",
    reading: str | None = None,
) -> list[str]:
    """Every method the comparison used, one sentence each.

    ``paired``: the number of paired examples and the most samples any of them has;
    ``resampling``: the kind of bootstrap weights; ``reading``: how the records were read,
    when that is worth saying (a streaming comparison)."""
    n_paired, max_samples = paired
    clustered = layout.clusters is not None
    lines = [] if reading is None else [reading]
    lines += [
        f"Pairing: the runs are paired by example_id on {n_paired} shared examples; each "
        "metric uses the examples scored in both runs (records that errored or have no score "
        "are left out for that metric and counted)."
    ]
    if max_samples > 1:
        lines.append(
            "Repeated samples of an example are averaged per example before comparing; the "
            "mean within-example standard deviation is reported with each overall result."
        )
    if clustered:
        lines.append(
            f"Clusters: {layout.n_clusters} clusters are the independent units: standard errors "
            "are cluster-robust (CR1) with G-1 degrees of freedom; resampling draws whole "
            f"clusters, and its intervals are {EXPANDED}, G being the clusters in each slice, "
            "with p-values through the same map."
        )
    lines += _mean_methods(outcomes, clustered)
    lines += _resampled_methods(outcomes, seed, resamples, resampling, clustered)
    if any(o.name == "cost_per_example" for o in outcomes):
        lines.append("Cost per example: mean of per-example cost over all records, paired t.")
    alpha = 1.0 - confidence
    lines.append(f"Intervals are two-sided at {confidence:.4g} confidence.")
    lines.append(
        f"Minimum detectable effect: the difference a two-sided test at alpha = {alpha:.4g} "
        f"detects with {POWER:.0%} power on this sample: Connor's (1987) McNemar formula from "
        "the observed discordance for unclustered 0/1 metrics, otherwise the noncentral t "
        "with the difference's standard error (the bootstrap standard error for resampled "
        "metrics)."
    )
    if len(layout.families) > 1:
        lines.append(
            "Multiplicity: each metric's slice results are adjusted by Benjamini-Hochberg over "
            "all of that metric's slice values (false discovery rate); overall results are not "
            "adjusted here, a policy adjusts its gated family by Holm."
        )
        lines.append(
            f"Slices with fewer than {min_slice_size} paired examples are reported with their "
            "interval width, not flagged."
        )
    if unscored:
        lines.append(f"Not compared (no example scored in both runs): {', '.join(unscored)}.")
    lines.extend(f"Not compared: {reason}." for reason in not_compared)
    return lines
