"""Fairness intervals over few clusters: tails expanded for the clusters, as the engine's.

G clusters of 20 to 60 examples, both groups in every cluster, and a cluster effect on the
prediction's logit; the candidate's logit shifted by 0.5 in group B. At a stated 0.95, over
300 datasets, the plain percentile intervals of the selection rates of A and B, the
demographic parity difference and B's paired change covered 0.880, 0.887, 0.897, 0.873 over
8 clusters (0.920, 0.873, 0.910, 0.873 over 12); expanded, 0.940, 0.937, 0.947, 0.937
(0.957, 0.927, 0.930, 0.920).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import integrate, special, stats

from assay.analysis import group_fairness, paired_group_fairness
from assay.reports import fairness_markdown
from assay.stats import bootstrap_weights

_LOGIT = {0: (math.log(0.7 / 0.3), math.log(0.1 / 0.9)), 1: (math.log(0.55 / 0.45), 0.0)}
_SD = 0.8  # the cluster effect on the logit


_SHIFT = 0.5  # the candidate's logit shift in group 1: a true change of its selection rate


def _true_selection(group: int, shift: float = 0.0) -> float:
    """0.4 E[expit(l1 + u)] + 0.6 E[expit(l0 + u)], u ~ N(0, 0.8²), by Gauss-Hermite."""
    x, w = np.polynomial.hermite_e.hermegauss(80)
    w = w / w.sum()
    l1, l0 = _LOGIT[group]
    return float(
        0.4 * (w * special.expit(l1 + shift + _SD * x)).sum()
        + 0.6 * (w * special.expit(l0 + shift + _SD * x)).sum()
    )


def _dataset(g: int, seed: int) -> tuple[np.ndarray, ...]:
    """Truths, baseline and candidate predictions (one uniform per example: strongly
    paired; the candidate's logit shifted by 0.5 in group 1), groups and clusters."""
    rng = np.random.default_rng([g, seed, 31])
    cl = np.repeat(np.arange(g), rng.integers(20, 61, size=g))
    n = cl.size
    group = (rng.random(n) < 0.5).astype(int)
    y = (rng.random(n) < 0.4).astype(int)
    l1 = np.where(group == 0, _LOGIT[0][0], _LOGIT[1][0])
    l0 = np.where(group == 0, _LOGIT[0][1], _LOGIT[1][1])
    logit = np.where(y == 1, l1, l0) + rng.normal(0, _SD, g)[cl]
    u = rng.random(n)
    base = (u < special.expit(logit)).astype(int)
    cand = (u < special.expit(logit + _SHIFT * group)).astype(int)
    return y, base, cand, group, cl


def test_the_true_selection_rates_by_an_independent_integral() -> None:
    for group in (0, 1):
        l1, l0 = _LOGIT[group]

        def rate(u: float, l1: float = l1, l0: float = l0) -> float:
            return float(
                (0.4 * special.expit(l1 + u) + 0.6 * special.expit(l0 + u))
                * stats.norm.pdf(u, 0, _SD)
            )

        assert _true_selection(group) == pytest.approx(integrate.quad(rate, -8, 8)[0], abs=1e-9)


def test_clustered_intervals_are_the_expanded_percentiles_of_the_resampled_rates() -> None:
    """An independent computation: each resample's selection rate of group A from its cluster
    weights, and its percentiles at the expanded tails (scipy's distributions)."""
    y, pred, _, group, cl = _dataset(8, 0)
    clustered = group_fairness(y, pred, group, positive=1, clusters=cl, resamples=400, rng=1)
    row = clustered.groups[0].values["selection_rate"]
    w = bootstrap_weights(8, 400, rng=1).dense()
    a = group == 0
    reps = (w @ np.bincount(cl[a], pred[a], 8)) / (w @ np.bincount(cl[a], minlength=8))
    tail = stats.norm.cdf(math.sqrt(8 / 7) * stats.t.ppf(0.025, 7))
    assert (row.low, row.high) == pytest.approx(tuple(np.quantile(reps, [tail, 1 - tail])))
    assert row.method.endswith("expanded for 8 clusters") and row.confidence == 0.95
    dp = clustered.disparity("demographic_parity_difference")
    assert dp is not None and dp.estimate.method.endswith("expanded for 8 clusters")
    assert dp.estimate.n_clusters == 8
    plain = group_fairness(y, pred, group, positive=1, resamples=400, rng=1)
    unexpanded = plain.disparity("demographic_parity_difference")
    assert unexpanded is not None and "expanded" not in unexpanded.estimate.method
    assert unexpanded.estimate.n_clusters is None


def coverage(g: int, sims: int) -> dict[str, float]:
    """Shares of ``sims`` datasets whose 95% intervals hold the truth: each group's selection
    rate (A, B), the demographic parity difference (dp), group B's paired change (change)."""
    truth = {0: _true_selection(0), 1: _true_selection(1)}
    dp_truth = abs(truth[1] - truth[0])
    change_truth = _true_selection(1, _SHIFT) - truth[1]
    hits = {"A": 0, "B": 0, "dp": 0, "change": 0}
    for seed in range(sims):
        y, base, cand, group, cl = _dataset(g, seed)
        res = group_fairness(y, base, group, positive=1, clusters=cl, resamples=400, rng=seed)
        for key, gi in (("A", 0), ("B", 1)):
            e = res.groups[gi].values["selection_rate"]
            hits[key] += e.low <= truth[gi] <= e.high
        dp = res.disparity("demographic_parity_difference")
        assert dp is not None
        hits["dp"] += dp.estimate.low <= dp_truth <= dp.estimate.high
        paired = paired_group_fairness(
            y, base, cand, group, positive=1, clusters=cl, resamples=400, rng=seed
        )
        change = paired.groups[1].change["selection_rate"]
        hits["change"] += change.low <= change_truth <= change.high
    return {k: v / sims for k, v in hits.items()}


@pytest.mark.slow
@pytest.mark.parametrize("g", [8, 12])
def test_few_cluster_fairness_intervals_cover_at_the_stated_rate(g: int) -> None:
    """300 datasets; binomial tolerance 3 standard errors of a 95% share (0.038)."""
    sims = 300
    found = coverage(g, sims)
    tolerance = 3 * math.sqrt(0.95 * 0.05 / sims)
    assert all(abs(c - 0.95) <= tolerance for c in found.values()), found


def test_the_stated_method_over_clusters_says_the_intervals_are_expanded() -> None:
    """The method a report prints under its tables ("95% intervals: ...") describes the
    intervals in them: over clusters, expanded; without clusters, as before."""
    y, base, cand, group, cl = _dataset(8, 1)
    single = group_fairness(y, base, group, positive=1, clusters=cl, resamples=200, rng=2)
    paired = paired_group_fairness(
        y, base, cand, group, positive=1, clusters=cl, resamples=200, rng=2
    )
    for found in (single, paired):
        assert "expanded for the clusters" in found.method
    assert "expanded for the clusters" in fairness_markdown(single)
    row = single.groups[0].values["selection_rate"]
    assert (
        row.method
        == "percentile bootstrap over 8 clusters, 200 resamples, seed 2, expanded for 8 clusters"
    )
    plain = group_fairness(y, base, group, positive=1, resamples=200, rng=2)
    assert plain.method == f"percentile bootstrap over {y.size} examples, 200 resamples, seed 2"
