"""Single-run estimates: reference values, coverage by simulation, properties, degenerate data."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
import statsmodels.api as sm
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats
from statsmodels.stats.proportion import proportion_confint

from assay.errors import DataError, ParameterError
from assay.stats import (
    average_samples,
    binary_mean_interval,
    mean_interval,
    proportion_interval,
    quantile_interval,
)

GOLDEN = json.loads((Path(__file__).parents[1] / "golden" / "stats_a_reference.json").read_text())
TOL = 0.015  # coverage tolerance, in probability (1.5 percentage points)
R = 4000  # simulated datasets per coverage check


# --- reference values ----------------------------------------------------------------------


def test_mean_interval_matches_scipy_t_interval() -> None:
    x = np.random.default_rng(1).normal(3.0, 2.0, size=37)
    est = mean_interval(x, confidence=0.9)
    low, high = stats.t.interval(0.9, 36, loc=x.mean(), scale=stats.sem(x))
    assert est.estimate == pytest.approx(x.mean())
    assert (est.low, est.high) == pytest.approx((low, high), rel=1e-12)
    assert est.se == pytest.approx(stats.sem(x))
    assert (est.method, est.n, est.n_clusters, est.confidence) == ("t", 37, None, 0.9)


def test_standard_error_of_a_long_sample_is_the_pairwise_sum_on_every_machine() -> None:
    """The squared residuals are summed by numpy (pairwise), not by a BLAS dot product whose
    last bits depend on its thread count: the same bits as the plain formula, and within
    rounding of scipy's and of an exactly rounded sum."""
    x = np.random.default_rng(4).normal(3.0, 2.0, size=400_000)
    est = mean_interval(x)
    resid = x - x.mean()
    n = x.size
    assert est.se == math.sqrt(float(np.sum(resid * resid)) / (n - 1) / n)
    assert est.se == pytest.approx(math.sqrt(math.fsum(resid * resid) / (n - 1) / n), rel=1e-14)
    assert est.se == pytest.approx(stats.sem(x), rel=1e-12)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_clustered_mean_interval_matches_statsmodels_cluster_robust(seed: int) -> None:
    rng = np.random.default_rng(seed)
    clusters = rng.integers(0, 9, size=60)
    x = rng.normal(size=9)[clusters] + rng.normal(size=60)
    est = mean_interval(x, clusters=[f"c{c}" for c in clusters])
    fit = sm.OLS(x, np.ones_like(x)).fit(
        cov_type="cluster", cov_kwds={"groups": clusters}, use_t=True
    )
    g = len(np.unique(clusters))
    assert est.n_clusters == g
    assert est.se == pytest.approx(fit.bse[0], rel=1e-10)
    assert (est.low, est.high) == pytest.approx(tuple(fit.conf_int()[0]), rel=1e-10)
    # statsmodels' reference distribution is t with G - 1 degrees of freedom, like ours.
    half = stats.t.ppf(0.975, g - 1) * fit.bse[0]
    assert est.high - est.estimate == pytest.approx(half, rel=1e-10)
    assert est.method == "clustered t (CR1)"


def test_singleton_clusters_give_the_unclustered_interval() -> None:
    x = np.random.default_rng(3).normal(size=25)
    plain, clustered = mean_interval(x), mean_interval(x, clusters=np.arange(25))
    assert (clustered.low, clustered.high) == pytest.approx((plain.low, plain.high), rel=1e-12)


@pytest.mark.parametrize(
    ("ours", "theirs"), [("wilson", "wilson"), ("clopper-pearson", "beta"), ("normal", "normal")]
)
@pytest.mark.parametrize(("k", "n"), [(0, 12), (3, 12), (7, 30), (29, 30), (450, 1000)])
def test_proportion_interval_matches_statsmodels(ours: str, theirs: str, k: int, n: int) -> None:
    est = proportion_interval(k, n, method=ours, confidence=0.95)  # type: ignore[arg-type]
    low, high = proportion_confint(k, n, alpha=0.05, method=theirs)
    # statsmodels does not clip the normal interval to [0, 1]; we do.
    assert est.low == pytest.approx(max(low, 0.0), abs=1e-10)
    assert est.high == pytest.approx(min(high, 1.0), abs=1e-10)
    assert est.estimate == k / n and est.method == ours


@pytest.mark.parametrize("case", GOLDEN["clopper_pearson_95"])
def test_clopper_pearson_matches_published_values(case: dict[str, float]) -> None:
    est = proportion_interval(int(case["successes"]), int(case["n"]), method="clopper-pearson")
    assert (round(est.low, 4), round(est.high, 4)) == (case["low"], case["high"])


def test_binary_mean_interval_chooses_and_says_why() -> None:
    small = binary_mean_interval([1, 0, 1, 1, 0, 1])
    assert small.method == "wilson"
    assert "6 < 30 units" in small.notes[0]
    assert (small.low, small.high) == pytest.approx(
        proportion_confint(4, 6, method="wilson"), abs=1e-12
    )
    rare = binary_mean_interval(np.r_[np.ones(4), np.zeros(396)])
    assert rare.method == "wilson" and "4 < 10 of one outcome" in rare.notes[0]
    large = binary_mean_interval(np.r_[np.ones(120), np.zeros(280)])
    assert large.method == "t" and large.notes[0].startswith("auto: t interval")
    ref = mean_interval(np.r_[np.ones(120), np.zeros(280)])
    assert (large.low, large.high) == (ref.low, ref.high)
    clustered = binary_mean_interval(
        np.r_[np.ones(120), np.zeros(280)], clusters=np.arange(400) % 8
    )
    assert clustered.method == "wilson (clustered, effective n)" and clustered.n_clusters == 8
    assert "8 < 30 clusters" in clustered.notes[0]


def test_clustered_wilson_widens_with_the_design_effect() -> None:
    # 20 clusters of 10 whose members agree: a design effect of about 10.
    y = np.repeat(np.r_[np.ones(6), np.zeros(14)], 10)
    clusters = np.repeat(np.arange(20), 10)
    plain = binary_mean_interval(y, method="wilson")
    clustered = binary_mean_interval(y, clusters=clusters, method="wilson")
    assert clustered.width > 2.5 * plain.width
    assert "design effect" in clustered.notes[-1]


def test_quantile_interval_uses_the_binomial_order_statistics() -> None:
    x = np.random.default_rng(5).lognormal(size=400)
    q, conf = 0.95, 0.95
    est = quantile_interval(x, q, confidence=conf)
    # Independent construction: scan all ranks for the equal-tailed choice.
    cdf = stats.binom.cdf(np.arange(-1, 401), 400, q)  # cdf[j] = P(B <= j - 1)
    lo = int(np.flatnonzero(cdf[:401] <= (1 - conf) / 2)[-1])
    hi = int(np.flatnonzero(1 - cdf[1:] <= (1 - conf) / 2)[0]) + 1
    xs = np.sort(x)
    assert (est.low, est.high) == (xs[lo - 1], xs[hi - 1])
    assert est.estimate == pytest.approx(np.quantile(x, q))
    assert f"exact coverage {cdf[hi] - cdf[lo]:.4f}" in est.notes[0]


def test_average_samples_means_and_spread() -> None:
    values = [1.0, 3.0, 5.0, 10.0, 0.0, 2.0]
    ids = ["b", "b", "a", "c", "a", "b"]
    avg = average_samples(values, ids, clusters=["x", "x", "y", "y", "y", "x"])
    assert list(avg.example_ids) == ["a", "b", "c"]
    assert list(avg.means) == [2.5, 2.0, 10.0]
    assert list(avg.n_samples) == [2, 3, 1]
    assert list(avg.clusters) == ["y", "x", "y"]  # type: ignore[arg-type]
    sd_a, sd_b = np.std([5.0, 0.0], ddof=1), np.std([1.0, 3.0, 2.0], ddof=1)
    assert avg.within_sd == pytest.approx((sd_a + sd_b) / 2)
    assert avg.pooled_within_sd == pytest.approx(math.sqrt((12.5 + 2.0) / 3))
    assert avg.n_examples == 3 and "between 1 and 3 samples" in avg.notes[0]


def test_average_samples_refuses_an_example_split_across_clusters() -> None:
    with pytest.raises(DataError, match="example 'a'") as info:
        average_samples([1.0, 2.0, 3.0], ["a", "b", "a"], clusters=[0, 1, 1])
    assert info.value.row == 2


def test_average_samples_with_single_samples_has_no_spread() -> None:
    avg = average_samples([1.0, 2.0], [7, 8])
    assert avg.within_sd is None and avg.pooled_within_sd is None
    assert "single sample" in avg.notes[0]


# --- coverage by simulation (vectorised data, one call per dataset) -------------------------


def test_mean_interval_coverage() -> None:
    x = np.random.default_rng(11).normal(0.3, 1.0, size=(R, 20))
    coverage = np.mean([mean_interval(row).contains(0.3) for row in x])
    assert abs(coverage - 0.95) < TOL


def test_clustered_mean_interval_coverage_with_correlated_clusters() -> None:
    rng = np.random.default_rng(12)
    sizes = rng.integers(2, 9, size=40)
    clusters = np.repeat(np.arange(40), sizes)
    x = rng.normal(size=(R, 40))[:, clusters] + rng.normal(size=(R, clusters.size))
    clustered = np.mean([mean_interval(row, clusters=clusters).contains(0.0) for row in x])
    naive = np.mean([mean_interval(row).contains(0.0) for row in x])
    assert abs(clustered - 0.95) < TOL
    assert naive < 0.85  # ignoring the clusters is badly overconfident: the test can tell


def test_wilson_coverage_averaged_over_proportions() -> None:
    # Wilson's coverage oscillates with p; averaged over p it is close to nominal.
    rng = np.random.default_rng(13)
    p = rng.uniform(0.05, 0.95, size=R)
    k = rng.binomial(50, p)
    coverage = np.mean(
        [proportion_interval(int(ki), 50).contains(pi) for ki, pi in zip(k, p, strict=True)]
    )
    assert abs(coverage - 0.95) < TOL


def test_clustered_binary_interval_coverage() -> None:
    rng = np.random.default_rng(14)
    p, icc, g, m = 0.3, 0.2, 20, 10
    a, b = p * (1 - icc) / icc, (1 - p) * (1 - icc) / icc
    y = rng.random((R, g, m)) < rng.beta(a, b, size=(R, g, 1))
    clusters = np.repeat(np.arange(g), m)
    rows = y.reshape(R, -1).astype(float)
    coverage = np.mean([binary_mean_interval(r, clusters=clusters).contains(p) for r in rows])
    assert abs(coverage - 0.95) < TOL


@pytest.mark.parametrize(("q", "n"), [(0.5, 1000), (0.9, 1000)])
def test_quantile_interval_coverage(q: float, n: int) -> None:
    x = np.random.default_rng(15).exponential(size=(R, n))
    truth = -math.log(1 - q)
    ests = [quantile_interval(row, q) for row in x]
    coverage = np.mean([e.contains(truth) for e in ests])
    above = np.mean([e.low > truth for e in ests])
    assert abs(coverage - 0.95) < TOL
    assert above < 0.025 + 0.01  # equal-tailed: neither side misses more than alpha / 2


# --- properties ----------------------------------------------------------------------------


@settings(max_examples=40, deadline=None)
@given(st.lists(st.floats(-1e3, 1e3), min_size=3, max_size=30))
def test_mean_interval_ignores_order(values: list[float]) -> None:
    clusters = [i % 3 for i in range(len(values))]
    order = np.random.default_rng(len(values)).permutation(len(values))
    a = mean_interval(values, clusters=clusters)
    b = mean_interval(np.asarray(values)[order], clusters=np.asarray(clusters)[order])
    assert a.estimate == pytest.approx(b.estimate, abs=1e-9)
    assert a.width == pytest.approx(b.width, rel=1e-9, abs=1e-9)


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 500).flatmap(lambda n: st.tuples(st.integers(0, n), st.just(n))))
def test_proportion_intervals_contain_the_estimate_within_0_1(kn: tuple[int, int]) -> None:
    k, n = kn
    for method in ("wilson", "clopper-pearson", "normal"):
        est = proportion_interval(k, n, method=method)  # type: ignore[arg-type]
        assert 0.0 <= est.low <= est.estimate <= est.high <= 1.0
    wilson = proportion_interval(k, n)
    mirrored = proportion_interval(n - k, n)
    assert wilson.low == pytest.approx(1 - mirrored.high, abs=1e-12)


def test_wider_confidence_gives_wider_intervals() -> None:
    x = np.random.default_rng(2).normal(size=50)
    assert mean_interval(x, confidence=0.99).width > mean_interval(x, confidence=0.9).width
    assert quantile_interval(x, 0.5, confidence=0.99).width >= quantile_interval(x, 0.5).width


# --- degenerate inputs ---------------------------------------------------------------------


def test_one_value_gives_an_unbounded_interval_with_a_note() -> None:
    est = mean_interval([4.2])
    assert est.estimate == 4.2 and (est.low, est.high) == (-math.inf, math.inf)
    assert est.se is None and "only one unit" in est.notes[0]


def test_identical_values_collapse_the_interval_with_a_note() -> None:
    est = mean_interval([0.1] * 7)
    assert est.estimate == est.low == est.high == 0.1
    assert est.se == 0.0 and "identical" in est.notes[0]


def test_single_cluster_cannot_give_a_clustered_interval() -> None:
    est = mean_interval([1.0, 2.0, 3.0], clusters=["a", "a", "a"])
    assert (est.low, est.high) == (-math.inf, math.inf) and est.n_clusters == 1
    assert "only one cluster" in est.notes[0]
    binary = binary_mean_interval([1, 0, 1], clusters=["a", "a", "a"])
    assert (binary.low, binary.high) == (0.0, 1.0) and "one cluster" in binary.notes[-1]


def test_all_equal_binary_outcomes_in_clusters_count_each_cluster_once() -> None:
    est = binary_mean_interval(np.zeros(200), clusters=np.arange(200) // 10)
    assert est.low == 0.0
    assert est.high == pytest.approx(
        binary_mean_interval(np.zeros(20), method="wilson").high, rel=0.2
    )
    assert "each cluster counts as one observation" in est.notes[-1]


@pytest.mark.parametrize(
    "call",
    [
        lambda: mean_interval([]),
        lambda: binary_mean_interval([]),
        lambda: quantile_interval([], 0.5),
        lambda: average_samples([], []),
        lambda: proportion_interval(0, 0),
    ],
)
def test_empty_input_is_a_data_error(call: object) -> None:
    with pytest.raises(DataError):
        call()  # type: ignore[operator]


def test_nan_is_a_data_error_naming_the_index() -> None:
    with pytest.raises(DataError, match=r"values\[3\]") as info:
        mean_interval([1.0, 2.0, 3.0, float("nan"), 5.0])
    assert info.value.row == 3
    with pytest.raises(DataError, match=r"clusters\[1\]"):
        mean_interval([1.0, 2.0, 3.0], clusters=["a", None, "b"])
    with pytest.raises(DataError, match=r"values\[2\] is not a binary outcome"):
        binary_mean_interval([0, 1, 0.5])


def test_misaligned_clusters_are_a_data_error() -> None:
    with pytest.raises(DataError, match="one label per unit"):
        mean_interval([1.0, 2.0, 3.0], clusters=[0, 1])


def test_bad_parameters_use_the_one_message_shape() -> None:
    with pytest.raises(ParameterError) as info:
        mean_interval([1.0, 2.0], confidence=1.5)
    assert str(info.value) == (
        "The 'confidence' parameter of mean_interval must be a float in (0, 1). Got 1.5."
    )
    with pytest.raises(ParameterError, match="'successes' parameter of proportion_interval"):
        proportion_interval(5, 4)
    with pytest.raises(ParameterError, match="'method'"):
        proportion_interval(1, 4, method="exact")  # type: ignore[arg-type]
    with pytest.raises(ParameterError, match="'q'"):
        quantile_interval([1.0, 2.0], 1.0)


def test_too_few_values_for_a_tail_quantile_leave_the_bound_open() -> None:
    est = quantile_interval(np.arange(50.0), 0.99)
    assert est.high == math.inf and est.low > 40
    assert any("finite upper bound" in note for note in est.notes)
    single = quantile_interval([3.0], 0.5)
    assert (single.low, single.high) == (-math.inf, math.inf) and single.estimate == 3.0
