"""Coverage and false-positive rate of bootstrap intervals and p-values, by simulation.

Each test simulates 2,000 datasets at once. The bootstrap of a statistic of categorical
outcomes is the category-count fast path (one multinomial draw of the counts per resample),
so all datasets × resamples are one array; intervals and p-values come from the public
vectorised functions (``bootstrap_interval``, ``bootstrap_p_value``).
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from assay.stats import (
    bootstrap_interval,
    bootstrap_p_value,
    paired_bootstrap,
    paired_quantiles_table,
)

DATASETS = 2000
TOLERANCE = 0.015


def _f1(tp: np.ndarray, fp: np.ndarray, fn: np.ndarray) -> np.ndarray:
    return 2 * tp / (2 * tp + fp + fn)


def _binary_f1_replicates(rng: np.random.Generator, n: int, p: np.ndarray, b: int):
    counts = rng.multinomial(n, p, size=DATASETS)  # (D, 4): TP, FP, FN, TN
    reps = rng.multinomial(n, counts / n, size=(b, DATASETS)).transpose(1, 0, 2)
    est = _f1(counts[:, 0], counts[:, 1], counts[:, 2]).astype(float)
    rep_f1 = _f1(reps[..., 0], reps[..., 1], reps[..., 2]).astype(float)
    # jackknife over categories: leaving out one example of each kind, weighted by its count
    eye = np.eye(4)
    jack = np.stack([_f1(*(counts - eye[j])[:, :3].T) for j in range(4)], axis=1)
    return est, rep_f1, jack, counts


@pytest.mark.parametrize("method", ["percentile", "bca"])
def test_f1_interval_covers_at_the_nominal_rate(method: str) -> None:
    rng = np.random.default_rng(2024)
    p = np.array([0.34, 0.09, 0.06, 0.51])
    truth = _f1(p[0], p[1], p[2])
    est, reps, jack, counts = _binary_f1_replicates(rng, 400, p, 1000)
    low, high, _ = bootstrap_interval(
        est, reps, confidence=0.95, method=method, jackknife=jack, jackknife_weights=counts
    )
    coverage = np.mean((low <= truth) & (truth <= high))
    assert abs(coverage - 0.95) < TOLERANCE, coverage


def test_paired_p_value_false_positive_rate_under_the_null() -> None:
    rng = np.random.default_rng(7)
    n, b = 300, 999
    # (y, a correct, b correct) with the same accuracy for both models: no difference in F1
    py = np.array([0.4, 0.6])
    acc = 0.8
    cells = []
    for y in (1, 0):
        for ca in (1, 0):
            for cb in (1, 0):
                cells.append(py[1 - y] * (acc if ca else 1 - acc) * (acc if cb else 1 - acc))
    p = np.array(cells)
    counts = rng.multinomial(n, p, size=DATASETS)
    reps = rng.multinomial(n, counts / n, size=(b, DATASETS)).transpose(1, 0, 2)

    def f1_pair(c: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        # cells: y=1: (a ok, b ok), (a ok, b wrong), (a wrong, b ok), (a wrong, b wrong); y=0 same
        tp_a = c[..., 0] + c[..., 1]
        fn_a = c[..., 2] + c[..., 3]
        fp_a = c[..., 6] + c[..., 7]
        tp_b = c[..., 0] + c[..., 2]
        fn_b = c[..., 1] + c[..., 3]
        fp_b = c[..., 5] + c[..., 7]
        return _f1(tp_a, fp_a, fn_a), _f1(tp_b, fp_b, fn_b)

    fa, fb = f1_pair(reps)
    pvals = bootstrap_p_value(fb - fa)
    rate = np.mean(pvals <= 0.05)
    assert abs(rate - 0.05) < TOLERANCE, rate
    ea, eb = f1_pair(counts)
    low, high, _ = bootstrap_interval(eb - ea, fb - fa, confidence=0.95, method="percentile")
    coverage = np.mean((low <= 0) & (high >= 0))
    assert abs(coverage - 0.95) < TOLERANCE, coverage


def test_cluster_bootstrap_covers_where_resampling_examples_does_not() -> None:
    rng = np.random.default_rng(11)
    g, m, b = 200, 8, 500
    p_cluster = rng.beta(2, 3, size=(DATASETS, g))  # strong within-cluster correlation
    cluster_sum = rng.binomial(m, p_cluster)
    truth = 2 / 5
    est = cluster_sum.mean(axis=1) / m
    # clusters with the same sum are interchangeable: resample the counts of each sum value
    counts = np.stack([(cluster_sum == v).sum(axis=1) for v in range(m + 1)], axis=1)
    reps = rng.multinomial(g, counts / g, size=(b, DATASETS)).transpose(1, 0, 2)
    cluster_reps = reps @ np.arange(m + 1) / (g * m)
    low, high, _ = bootstrap_interval(est, cluster_reps, confidence=0.95, method="percentile")
    cluster_cov = np.mean((low <= truth) & (truth <= high))
    naive_reps = rng.binomial(g * m, est[:, None], size=(DATASETS, b)) / (g * m)
    low, high, _ = bootstrap_interval(est, naive_reps, confidence=0.95, method="percentile")
    naive_cov = np.mean((low <= truth) & (truth <= high))
    assert abs(cluster_cov - 0.95) < TOLERANCE, cluster_cov
    assert naive_cov < 0.85, naive_cov


def _few_clusters(g: int, rep: int) -> tuple[np.ndarray, ...]:
    """One dataset of ``g`` clusters of 20 to 50 examples: skewed latencies of both models
    sharing a cluster effect (the candidate's shifted by exactly 0.2), and 0/1 correctness
    from a latent normal with shared and per-model cluster effects."""
    rng = np.random.default_rng([g, rep, 20261207])
    cl = np.repeat(np.arange(g), rng.integers(20, 51, size=g))
    n = cl.size
    u = rng.normal(0, 0.5, g)[cl]
    lat_b = np.exp(u + rng.normal(0, 0.3, g)[cl] + rng.normal(0, 0.5, n))
    lat_c = 0.2 + np.exp(u + rng.normal(0, 0.3, g)[cl] + rng.normal(0, 0.5, n))
    ok_b = 0.3 + u + rng.normal(0, 0.3, g)[cl] + rng.normal(0, 0.5, n) > 0
    ok_c = 0.5 + u + rng.normal(0, 0.3, g)[cl] + rng.normal(0, 0.5, n) > 0
    return cl, lat_b, lat_c, ok_b.astype(float), ok_c.astype(float)


@pytest.mark.slow
@pytest.mark.parametrize("g", [8, 12])
def test_cluster_bootstrap_with_few_clusters_covers_at_the_nominal_rate(g: int) -> None:
    """Paired cluster bootstrap of a median difference and of an accuracy difference (a ratio
    of sums) over 8 or 12 clusters, 300 datasets. Before the intervals were expanded for the
    number of clusters they covered 0.86 to 0.92 here (BCa 0.86 to 0.89); expanded, 0.93 to
    0.96."""
    scale = np.sqrt(0.5**2 + 0.3**2 + 0.5**2)
    acc_truth = stats.norm.cdf(0.5 / scale) - stats.norm.cdf(0.3 / scale)
    acc = lambda s: s[..., 0] / s[..., 1]  # noqa: E731
    reps, hits = 300, {}
    for rep in range(reps):
        cl, lat_b, lat_c, ok_b, ok_c = _few_clusters(g, rep)
        ones = np.ones(cl.size)
        for method in ("bca", "percentile"):
            kw = {"rng": 1000 + rep, "resamples": 500, "clusters": cl, "method": method}
            p50 = paired_quantiles_table(lat_b, lat_c, (0.5,), **kw)[0]["all"].difference
            a = paired_bootstrap(
                np.column_stack([ok_b, ones]), np.column_stack([ok_c, ones]), acc, **kw
            ).difference
            for name, d, truth in (("p50", p50, 0.2), ("accuracy", a, acc_truth)):
                key = f"{name}/{method}"
                hits[key] = hits.get(key, 0) + int(d.low <= truth <= d.high)
    coverage = {k: v / reps for k, v in hits.items()}
    assert all(0.92 <= c <= 0.99 for c in coverage.values()), coverage
