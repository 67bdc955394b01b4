"""The from-sums building blocks against scipy, statsmodels, a published example and the array
functions built on them (which must give the very same numbers)."""

from __future__ import annotations

import itertools
import json
import math
from pathlib import Path

import numpy as np
import pytest
import statsmodels.api as sm
from scipy import stats
from statsmodels.stats.contingency_tables import mcnemar
from statsmodels.stats.proportion import proportion_confint

from assay.errors import ParameterError
from assay.stats import (
    MeanSummary,
    binary_interval_from_counts,
    binary_mean_interval,
    mcnemar_from_counts,
    mcnemar_test,
    mean_interval,
    mean_interval_from_summary,
    mean_summary_from_moments,
    paired_binary_difference,
    paired_binary_difference_from_counts,
    paired_mean_difference,
    paired_t_from_summary,
)

GOLDEN = json.loads((Path(__file__).parents[1] / "golden" / "stats_a_reference.json").read_text())
ALTERNATIVES = ("two-sided", "greater", "less")


def _iid_summary(x: np.ndarray) -> MeanSummary:
    n = x.size
    return mean_summary_from_moments(
        float(x.mean()), float(x.std(ddof=1) / math.sqrt(n)), n, constant=bool(np.ptp(x) == 0)
    )


def _cr1_summary(x: np.ndarray, groups: np.ndarray) -> MeanSummary:
    g = np.unique(groups).size
    resid = np.bincount(groups, weights=x - x.mean())
    se = math.sqrt(g / (g - 1) * float(resid @ resid)) / x.size
    return mean_summary_from_moments(float(x.mean()), se, x.size, n_clusters=g)


def _same(a: object, b: object) -> None:
    """Equal up to the last bits of the standard error (computed here another way)."""
    assert type(a) is type(b)
    for name, value in vars(a).items():
        other = vars(b)[name]
        if isinstance(value, float) and isinstance(other, float):
            assert value == pytest.approx(other, rel=1e-12, abs=1e-15), name
        else:
            assert value == other, name


def _pairs(both: int, b_only: int, c_only: int, neither: int) -> tuple[np.ndarray, np.ndarray]:
    baseline = np.r_[np.ones(both + b_only), np.zeros(c_only + neither)]
    candidate = np.r_[np.ones(both), np.zeros(b_only), np.ones(c_only), np.zeros(neither)]
    return baseline, candidate


# ------------------------------------------------------------------ means and the paired t


def test_t_interval_from_a_summary_matches_scipy() -> None:
    x = np.random.default_rng(1).normal(0.3, 1.0, 40)
    est = mean_interval_from_summary(_iid_summary(x), confidence=0.9)
    low, high = stats.t.interval(0.9, x.size - 1, loc=x.mean(), scale=stats.sem(x))
    assert est.low == pytest.approx(low, rel=1e-12)
    assert est.high == pytest.approx(high, rel=1e-12)
    assert est.method == "t"


def test_clustered_t_interval_from_a_summary_matches_statsmodels() -> None:
    rng = np.random.default_rng(2)
    groups = np.repeat(np.arange(12), 5)
    x = rng.normal(size=12)[groups] + rng.normal(size=groups.size)
    fit = sm.OLS(x, np.ones_like(x)).fit(cov_type="cluster", cov_kwds={"groups": groups})
    summary = _cr1_summary(x, groups)
    assert summary.se == pytest.approx(float(fit.bse[0]), rel=1e-10)
    assert summary.df == 11
    est = mean_interval_from_summary(summary)
    half = stats.t.ppf(0.975, 11) * float(fit.bse[0])
    assert (est.low, est.high) == pytest.approx((x.mean() - half, x.mean() + half), rel=1e-10)
    assert est.method == "clustered t (CR1)"
    assert est.n_clusters == 12


def test_from_sums_equals_the_array_functions_exactly() -> None:
    rng = np.random.default_rng(3)
    groups = np.repeat(np.arange(9), 4)
    x = rng.normal(size=groups.size)
    _same(mean_interval_from_summary(_iid_summary(x)), mean_interval(x))
    _same(mean_interval_from_summary(_cr1_summary(x, groups)), mean_interval(x, clusters=groups))


@pytest.mark.parametrize("alternative", ALTERNATIVES)
def test_paired_t_from_a_summary_matches_scipy(alternative: str) -> None:
    rng = np.random.default_rng(4)
    b = rng.normal(size=30)
    c = b + rng.normal(0.2, 0.5, 30)
    test = paired_t_from_summary(_iid_summary(c - b), alternative=alternative)  # type: ignore[arg-type]
    ref = stats.ttest_rel(c, b, alternative=alternative)
    assert test.statistic == pytest.approx(ref.statistic, rel=1e-10)
    assert test.p_value == pytest.approx(ref.pvalue, rel=1e-9)
    assert test.df == 29
    array = paired_mean_difference(b, c, alternative=alternative)  # type: ignore[arg-type]
    _same(test, array.test)


def test_degenerate_summaries_are_named() -> None:
    one = mean_summary_from_moments(0.5, math.nan, 1)
    assert math.isinf(one.se) and one.df == 0 and "only one unit" in one.notes[0]
    est = mean_interval_from_summary(one)
    assert (est.low, est.high) == (-math.inf, math.inf)
    assert paired_t_from_summary(one).p_value == 1.0
    flat = mean_summary_from_moments(0.0, 0.0, 5, constant=True)
    assert flat.se == 0.0 and "identical" in flat.notes[0]
    assert paired_t_from_summary(flat).p_value == 1.0
    one_cluster = mean_summary_from_moments(0.5, math.nan, 8, n_clusters=1)
    assert "only one cluster" in one_cluster.notes[0]


def test_summary_arguments_are_checked() -> None:
    with pytest.raises(ParameterError, match="'n_clusters' parameter of mean_summary_from"):
        mean_summary_from_moments(0.5, 0.1, 4, n_clusters=5)
    with pytest.raises(ParameterError, match="'se' parameter of mean_summary_from_moments"):
        mean_summary_from_moments(0.5, -0.1, 4)
    with pytest.raises(ParameterError, match="'summary' parameter of paired_t_from_summary"):
        paired_t_from_summary((0.5, 0.1, 4))  # type: ignore[arg-type]


# ------------------------------------------------------------------ proportions


@pytest.mark.parametrize(("k", "n"), [(0, 12), (3, 12), (11, 12), (4, 60), (30, 60)])
def test_binary_interval_from_counts_matches_statsmodels_and_the_array_function(
    k: int, n: int
) -> None:
    x = np.r_[np.ones(k), np.zeros(n - k)]
    est = binary_interval_from_counts(k, _iid_summary(x))
    _same(est, binary_mean_interval(x))
    if est.method == "wilson":
        low, high = proportion_confint(k, n, alpha=0.05, method="wilson")
        assert (est.low, est.high) == pytest.approx((low, high), abs=1e-12)
    else:
        low, high = stats.t.interval(0.95, n - 1, loc=x.mean(), scale=stats.sem(x))
        assert (est.low, est.high) == pytest.approx((low, high), rel=1e-12)


def test_clustered_binary_interval_from_counts_equals_the_array_function() -> None:
    rng = np.random.default_rng(5)
    groups = np.repeat(np.arange(10), 6)
    x = (rng.random(groups.size) < rng.random(10)[groups]).astype(float)
    est = binary_interval_from_counts(int(x.sum()), _cr1_summary(x, groups))
    ref = binary_mean_interval(x, clusters=groups)
    assert est.method == ref.method == "wilson (clustered, effective n)"
    assert (est.low, est.high) == pytest.approx((ref.low, ref.high), rel=1e-12)
    assert est.notes[0] == ref.notes[0]


def test_paired_difference_from_counts_matches_the_published_example() -> None:
    ref = GOLDEN["cavo_2012"]
    counts = (ref["both"], ref["baseline_only"], ref["candidate_only"], ref["neither"])
    d = paired_binary_difference_from_counts(*counts, method="asymptotic")
    assert round(d.estimate, 4) == ref["difference"]
    assert [round(d.low, 4), round(d.high, 4)] == ref["newcombe_95"]
    for alternative, method in itertools.product(ALTERNATIVES, ("auto", "exact", "asymptotic")):
        array = paired_binary_difference(*_pairs(*counts), alternative=alternative, method=method)  # type: ignore[arg-type]
        assert paired_binary_difference_from_counts(  # type: ignore[arg-type]
            *counts, alternative=alternative, method=method
        ) == (array.difference)


# ------------------------------------------------------------------ McNemar


@pytest.mark.parametrize(("b", "c"), [(4, 13), (16, 6), (30, 45), (0, 0), (7, 7)])
def test_mcnemar_from_counts_matches_statsmodels(b: int, c: int) -> None:
    n = b + c + 50
    table = [[25, b], [c, 25]]
    exact = mcnemar_from_counts(b, c, n, method="exact")
    if b + c:
        assert exact.p_value == pytest.approx(mcnemar(table, exact=True).pvalue, rel=1e-10)
    for correction in (False, True):
        asym = mcnemar_from_counts(b, c, n, method="asymptotic", correction=correction)
        if b + c and not (correction and b == c):  # |c - b| - 1 is clipped at 0 here
            ref = mcnemar(table, exact=False, correction=correction)
            assert asym.statistic**2 == pytest.approx(ref.statistic, rel=1e-10)
            assert asym.p_value == pytest.approx(ref.pvalue, rel=1e-10)
        else:
            assert asym.statistic == 0.0
            assert asym.p_value == 1.0
    baseline, candidate = _pairs(25, b, c, 25)
    assert mcnemar_from_counts(b, c, baseline.size) == mcnemar_test(baseline, candidate)


@pytest.mark.parametrize("alternative", ["greater", "less"])
def test_one_sided_mcnemar_from_counts_is_the_binomial_test(alternative: str) -> None:
    res = mcnemar_from_counts(4, 13, 60, method="exact", alternative=alternative)  # type: ignore[arg-type]
    ref = stats.binomtest(13, 17, 0.5, alternative=alternative).pvalue
    assert res.p_value == pytest.approx(ref, rel=1e-12)


def test_mcnemar_counts_must_fit_in_n() -> None:
    with pytest.raises(ParameterError, match="'n' parameter of mcnemar_from_counts"):
        mcnemar_from_counts(4, 13, 10)
