"""A run's aggregate metrics, each with its interval and the method that produced it."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from assay._util import check_instance, check_probability
from assay._util.arrow import numpy_array
from assay.core import MetricSummary, Suite
from assay.stats import (
    Estimate,
    average_samples,
    binary_mean_interval,
    mean_interval,
    pass_at_k_interval,
)

__all__ = ["SampleSummary", "summarise_records", "summarise_samples"]


@dataclass(frozen=True)
class SampleSummary:
    """What repeated samples of a run say about one metric."""

    metric: str
    """The metric."""
    min_samples: int
    """Fewest scored samples any example has."""
    max_samples: int
    """Most scored samples any example has."""
    within_sd: float | None
    """Mean over examples of the standard deviation between an example's samples."""
    pass_at: dict[int, Estimate]
    """pass@k with its interval for k = 1, 2, 4, ... up to ``min_samples`` (0/1 metrics only)."""


def _clusters(records: pa.Table) -> np.ndarray | None:
    cluster = records.column("cluster")
    if cluster.null_count == len(cluster):
        return None
    # an example without a cluster is a cluster of its own
    filled = pc.coalesce(
        cluster, pc.binary_join_element_wise("\x00id:", records.column("example_id"), "")
    )
    return np.asarray(filled.to_numpy(zero_copy_only=False))


def _check(records: object, suite: object, confidence: object, function: str) -> None:
    check_instance(records, "records", function, pa.Table, "a pyarrow.Table")
    check_instance(suite, "suite", function, Suite, "a Suite")
    check_probability(confidence, "confidence", function)


def summarise_records(
    records: pa.Table, suite: Suite, confidence: float = 0.95
) -> dict[str, MetricSummary]:
    """Estimate every mean metric of ``suite`` from a run's records.

    Records without a score (errored) are left out and counted in ``n_missing``. Repeated
    samples of an example are averaged first. Clusters, when the suite has them, make the
    interval cluster-robust. 0/1 scores use :func:`assay.stats.binary_mean_interval` (Wilson
    for small or extreme samples), other scores :func:`assay.stats.mean_interval`.
    """
    _check(records, suite, confidence, "summarise_records")
    out: dict[str, MetricSummary] = {}
    clusters_all = _clusters(records)
    repeated = pc.max(records.column("sample_index")).as_py() or 0
    for metric in suite.metrics:
        if metric.aggregate != "mean":
            continue
        # float64 scores are read where they lie; nothing is copied unless one is missing
        scores = np.asarray(numpy_array(records.column(metric.name)), dtype=np.float64)
        keep = ~np.isnan(scores)
        n_missing = int(scores.size - np.count_nonzero(keep))
        if n_missing == scores.size:
            continue
        x = scores[keep] if n_missing else scores
        clusters = clusters_all[keep] if clusters_all is not None and n_missing else clusters_all
        if repeated > 0:
            ids = np.asarray(records.column("example_id").to_numpy(zero_copy_only=False))[keep]
            averaged = average_samples(x, ids, clusters=clusters)
            x, clusters = averaged.means, averaged.clusters
        binary = bool(np.all((x == 0.0) | (x == 1.0)))
        est: Estimate = (
            binary_mean_interval(x, clusters=clusters, confidence=confidence)
            if binary
            else mean_interval(x, clusters=clusters, confidence=confidence)
        )
        low, high, method = est.low, est.high, est.method
        if x.min() >= 0.0 and x.max() <= 1.0 and (low < 0.0 or high > 1.0):
            # a mean of scores in [0, 1] cannot leave [0, 1]; say that the bound was cut
            low, high = max(low, 0.0), min(high, 1.0)
            method = f"{method}, clipped to [0, 1]"
        out[metric.name] = MetricSummary(
            estimate=est.estimate,
            low=low,
            high=high,
            confidence=est.confidence,
            method=method,
            n=est.n,
            n_clusters=est.n_clusters,
            n_missing=n_missing,
        )
    return out


def summarise_samples(
    records: pa.Table, suite: Suite, confidence: float = 0.95
) -> list[SampleSummary]:
    """Spread between repeated samples and pass@k, for every mean metric of ``suite``.

    Empty when the run has one sample per example. Errored samples are left out, so an
    example's sample count is its number of scored samples; pass@k is given for k up to the
    fewest any example has (:func:`assay.stats.pass_at_k_interval`: the unbiased estimator of
    Chen et al. 2021 per example, a t interval over examples, cluster-robust with clusters).
    """
    _check(records, suite, confidence, "summarise_samples")
    if (pc.max(records.column("sample_index")).as_py() or 0) == 0:
        return []
    out: list[SampleSummary] = []
    clusters_all = _clusters(records)
    ids_all = np.asarray(records.column("example_id").to_numpy(zero_copy_only=False))
    for metric in suite.metrics:
        if metric.aggregate != "mean":
            continue
        scores = numpy_array(records.column(metric.name)).astype(np.float64)
        keep = ~np.isnan(scores)
        if not keep.any():
            continue
        x, ids = scores[keep], ids_all[keep]
        clusters = None if clusters_all is None else clusters_all[keep]
        averaged = average_samples(x, ids, clusters=clusters)
        lo, hi = int(averaged.n_samples.min()), int(averaged.n_samples.max())
        pass_at: dict[int, Estimate] = {}
        if bool(np.all((x == 0.0) | (x == 1.0))):
            k = 1
            while k <= lo:
                pass_at[k] = pass_at_k_interval(x, ids, k, clusters=clusters, confidence=confidence)
                k *= 2
            if lo not in pass_at and lo > 1:
                pass_at[lo] = pass_at_k_interval(
                    x, ids, lo, clusters=clusters, confidence=confidence
                )
        out.append(SampleSummary(metric.name, lo, hi, averaged.within_sd, pass_at))
    return out
