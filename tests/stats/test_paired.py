"""Paired comparisons: reference values, coverage and false-positive rates, properties."""

from __future__ import annotations

import itertools
import json
import math
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest
import statsmodels.api as sm
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats
from statsmodels.stats.contingency_tables import mcnemar

from assay.errors import DataError, ParameterError
from assay.stats import (
    mcnemar_test,
    paired_binary_difference,
    paired_mean_difference,
    paired_permutation_test,
    wilcoxon_signed_rank,
)

GOLDEN = json.loads((Path(__file__).parents[1] / "golden" / "stats_a_reference.json").read_text())
TOL = 0.015  # 1.5 percentage points
R = 4000
Array = npt.NDArray[np.float64]


def _binary_pairs(
    counts: tuple[int, int, int, int],
) -> tuple[Array, Array]:
    """Baseline and candidate outcomes from (both, baseline_only, candidate_only, neither)."""
    both, b_only, c_only, neither = counts
    baseline = np.r_[np.ones(both + b_only), np.zeros(c_only + neither)]
    candidate = np.r_[np.ones(both), np.zeros(b_only), np.ones(c_only), np.zeros(neither)]
    return baseline, candidate


def _simulate_pairs(
    rng: np.random.Generator, n: int, cells: list[float], size: int = R
) -> tuple[Array, Array]:
    """Paired 0/1 outcomes, one dataset per row; cells = P(both, baseline only, candidate only,
    neither)."""
    kind = rng.choice(4, size=(size, n), p=cells)
    return ((kind == 0) | (kind == 1)).astype(float), ((kind == 0) | (kind == 2)).astype(float)


# --- reference values ----------------------------------------------------------------------


@pytest.mark.parametrize("alternative", ["two-sided", "greater", "less"])
def test_paired_mean_difference_matches_scipy_ttest_rel(alternative: str) -> None:
    rng = np.random.default_rng(1)
    base = rng.normal(size=30)
    cand = base + rng.normal(0.3, 1.0, size=30)
    res = paired_mean_difference(base, cand, confidence=0.9, alternative=alternative)  # type: ignore[arg-type]
    ref = stats.ttest_rel(cand, base, alternative=alternative)
    ci = ref.confidence_interval(confidence_level=0.9)
    assert res.test.statistic == pytest.approx(ref.statistic, rel=1e-12)
    assert res.p_value == pytest.approx(ref.pvalue, rel=1e-10)
    assert (res.difference.low, res.difference.high) == pytest.approx((ci.low, ci.high))
    assert res.test.df == 29 and res.test.method == "paired t"
    assert res.baseline.estimate == pytest.approx(base.mean())
    assert res.candidate.estimate == pytest.approx(cand.mean())


def test_clustered_paired_difference_matches_statsmodels() -> None:
    rng = np.random.default_rng(2)
    clusters = rng.integers(0, 12, size=90)
    base = rng.normal(size=90)
    cand = base + 0.2 + rng.normal(size=12)[clusters] + rng.normal(size=90)
    res = paired_mean_difference(base, cand, clusters=clusters)
    d = cand - base
    fit = sm.OLS(d, np.ones_like(d)).fit(
        cov_type="cluster", cov_kwds={"groups": clusters}, use_t=True
    )
    assert res.difference.se == pytest.approx(fit.bse[0], rel=1e-10)
    assert res.test.statistic == pytest.approx(fit.tvalues[0], rel=1e-10)
    assert res.p_value == pytest.approx(fit.pvalues[0], rel=1e-8)
    assert res.test.df == 11 and res.difference.n_clusters == 12
    assert res.test.n_clusters == 12  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    "counts", [(10, 3, 9, 20), (40, 30, 12, 18), (5, 0, 4, 1), (100, 61, 85, 90), (3, 7, 7, 2)]
)
def test_mcnemar_matches_statsmodels(counts: tuple[int, int, int, int]) -> None:
    baseline, candidate = _binary_pairs(counts)
    table = [[counts[0], counts[1]], [counts[2], counts[3]]]
    exact = mcnemar_test(baseline, candidate, method="exact")
    assert exact.p_value == pytest.approx(mcnemar(table, exact=True).pvalue, rel=1e-12)
    b_only, c_only = counts[1], counts[2]
    assert (exact.baseline_only, exact.candidate_only) == (b_only, c_only)
    for correction in (False, True):
        ours = mcnemar_test(baseline, candidate, method="asymptotic", correction=correction)
        ref = mcnemar(table, exact=False, correction=correction)
        if correction and b_only == c_only:
            # statsmodels gives (0 - 1)^2 / m > 0 here; the correction cannot pass zero.
            assert ours.p_value == 1.0
            continue
        assert ours.statistic**2 == pytest.approx(ref.statistic, rel=1e-12)
        assert ours.p_value == pytest.approx(ref.pvalue, rel=1e-10)


def test_mcnemar_auto_switches_at_25_discordant_pairs() -> None:
    assert mcnemar_test(*_binary_pairs((5, 10, 14, 5))).method == "mcnemar exact"
    assert mcnemar_test(*_binary_pairs((5, 10, 15, 5))).method == "mcnemar asymptotic"


def test_one_sided_mcnemar_matches_the_binomial_test() -> None:
    baseline, candidate = _binary_pairs((20, 4, 13, 30))
    greater = mcnemar_test(baseline, candidate, method="exact", alternative="greater")
    ref = stats.binomtest(13, 17, 0.5, alternative="greater").pvalue
    assert greater.p_value == pytest.approx(ref, rel=1e-12)
    less = mcnemar_test(baseline, candidate, method="exact", alternative="less")
    assert less.p_value == pytest.approx(stats.binomtest(13, 17, 0.5, alternative="less").pvalue)


def test_paired_binary_difference_matches_published_cavo_example() -> None:
    ref = GOLDEN["cavo_2012"]
    counts = (ref["both"], ref["baseline_only"], ref["candidate_only"], ref["neither"])
    baseline, candidate = _binary_pairs(counts)
    newcombe = paired_binary_difference(baseline, candidate, method="asymptotic").difference
    assert newcombe.method == "newcombe paired score"
    assert [round(newcombe.low, 4), round(newcombe.high, 4)] == ref["newcombe_95"]
    res = paired_binary_difference(baseline, candidate)
    assert round(res.difference.estimate, 4) == ref["difference"]
    assert round(res.p_value, 6) == ref["mcnemar_exact_p"]  # 22 discordant pairs: exact
    # Newcombe's interval excludes 0 while the exact test does not reject (p = 0.052); the
    # interval shown beside the exact test is the exact conditional one, which agrees.
    assert res.difference.method == "exact conditional (Clopper-Pearson on the discordant pairs)"
    assert res.difference.low < 0.0 < res.difference.high
    asym = mcnemar_test(baseline, candidate, method="asymptotic")
    assert round(asym.p_value, 6) == ref["mcnemar_asymptotic_p"]
    assert round(asym.statistic, 3) == ref["mcnemar_asymptotic_z"]
    corrected = mcnemar_test(baseline, candidate, method="asymptotic", correction=True)
    assert round(corrected.p_value, 6) == ref["mcnemar_corrected_p"]


def test_wilcoxon_matches_scipy_exact_without_ties() -> None:
    rng = np.random.default_rng(3)
    base, cand = rng.normal(size=30), rng.normal(0.4, 1.0, size=30)
    for alternative in ("two-sided", "greater", "less"):
        ours = wilcoxon_signed_rank(base, cand, alternative=alternative)  # type: ignore[arg-type]
        ref = stats.wilcoxon(cand, base, alternative=alternative)
        assert ours.p_value == pytest.approx(ref.pvalue, rel=1e-12)
        assert ours.method == "wilcoxon signed-rank exact"
    ref_plus = stats.wilcoxon(cand, base, alternative="greater").statistic
    assert wilcoxon_signed_rank(base, cand).statistic == ref_plus


def test_wilcoxon_with_ties_and_zeros_matches_scipy_enumeration() -> None:
    rng = np.random.default_rng(10)
    base = rng.integers(0, 4, size=10).astype(float)
    cand = base + rng.integers(-2, 4, size=10)
    ours = wilcoxon_signed_rank(base, cand)
    ref = stats.wilcoxon(cand, base, method=stats.PermutationMethod(n_resamples=2**10))
    assert ours.p_value == pytest.approx(ref.pvalue, rel=1e-10)
    assert "enumerated" in ours.method and "zero differences dropped" in ours.notes[0]


def test_wilcoxon_with_ties_matches_brute_force_enumeration() -> None:
    rng = np.random.default_rng(18)
    base = rng.integers(0, 4, size=18).astype(float)
    d = rng.integers(-2, 4, size=18).astype(float)
    d = d[d != 0.0]
    ranks = stats.rankdata(np.abs(d))
    signs = np.array(list(itertools.product([0.0, 1.0], repeat=d.size)))
    w_all = signs @ ranks
    w = ranks[d > 0].sum()
    ref = min(1.0, 2 * min(np.mean(w_all <= w + 1e-9), np.mean(w_all >= w - 1e-9)))
    ours = wilcoxon_signed_rank(base[: d.size], base[: d.size] + d)
    assert ours.statistic == w
    assert ours.p_value == pytest.approx(ref, rel=1e-12)


def test_wilcoxon_asymptotic_matches_scipy_with_tie_correction() -> None:
    rng = np.random.default_rng(4)
    base = rng.integers(0, 10, size=120).astype(float)
    cand = base + rng.integers(-3, 5, size=120)
    cand[cand == base] += 1.0  # no zero differences: scipy's tie term then matches exactly
    ours = wilcoxon_signed_rank(base, cand)
    ref = stats.wilcoxon(cand, base, method="asymptotic", correction=False)
    assert ours.method == "wilcoxon signed-rank asymptotic"
    assert ours.p_value == pytest.approx(ref.pvalue, rel=1e-10)


def test_exact_permutation_matches_brute_force_enumeration() -> None:
    rng = np.random.default_rng(5)
    base, cand = rng.normal(size=10), rng.normal(0.5, 1.0, size=10)
    d = cand - base
    flips = np.array(list(itertools.product([1.0, -1.0], repeat=10)))
    sums = flips @ d
    ref = np.mean(np.abs(sums) >= abs(d.sum()) - 1e-12)
    res = paired_permutation_test(base, cand, rng=0)
    assert res.p_value == pytest.approx(ref, rel=1e-12)
    assert res.resamples == 1024 and res.seed is None and res.method.endswith("exact")
    greater = paired_permutation_test(base, cand, rng=0, alternative="greater")
    assert greater.p_value == pytest.approx(np.mean(sums >= d.sum() - 1e-12))


def test_monte_carlo_permutation_agrees_with_exact_and_states_its_seed() -> None:
    rng = np.random.default_rng(6)
    base, cand = rng.normal(size=16), rng.normal(0.4, 1.0, size=16)
    exact = paired_permutation_test(base, cand, rng=0, method="exact")
    sampled = paired_permutation_test(base, cand, rng=7, method="monte-carlo", resamples=20000)
    assert sampled.resamples == 20000 and sampled.seed == 7
    assert abs(sampled.p_value - exact.p_value) < 4 * math.sqrt(exact.p_value / 20000) + 1e-4
    again = paired_permutation_test(base, cand, rng=7, method="monte-carlo", resamples=20000)
    assert again.p_value == sampled.p_value
    # p = (c + 1) / (B + 1): never zero, even when nothing is as extreme.
    far = paired_permutation_test(np.zeros(40), np.ones(40), rng=1, resamples=99)
    assert far.p_value == 1 / 100


def test_clustered_permutation_flips_whole_clusters() -> None:
    rng = np.random.default_rng(8)
    clusters = np.repeat(np.arange(9), 4)
    base, cand = rng.normal(size=36), rng.normal(0.3, 1.0, size=36)
    res = paired_permutation_test(base, cand, clusters=clusters, rng=0)
    sums = np.bincount(clusters, weights=cand - base)
    on_sums = paired_permutation_test(np.zeros(9), sums, rng=0)
    assert res.p_value == on_sums.p_value and res.n_clusters == 9 and res.resamples == 512


# --- coverage and false-positive rates by simulation --------------------------------------


def test_paired_mean_difference_coverage() -> None:
    rng = np.random.default_rng(21)
    base = rng.normal(size=(R, 25))
    cand = 0.8 * base + rng.normal(0.2, 0.7, size=(R, 25))
    coverage = np.mean(
        [
            paired_mean_difference(b, c).difference.contains(0.2)
            for b, c in zip(base, cand, strict=True)
        ]
    )
    assert abs(coverage - 0.95) < TOL


def test_clustered_paired_difference_coverage() -> None:
    rng = np.random.default_rng(22)
    clusters = np.repeat(np.arange(30), 6)
    base = rng.normal(size=(R, 180))
    cand = base + 0.1 + rng.normal(size=(R, 30))[:, clusters] + rng.normal(size=(R, 180))
    results = [
        paired_mean_difference(b, c, clusters=clusters) for b, c in zip(base, cand, strict=True)
    ]
    coverage = np.mean([r.difference.contains(0.1) for r in results])
    assert abs(coverage - 0.95) < TOL


@pytest.mark.parametrize(("n", "cells"), [(60, [0.5, 0.1, 0.2, 0.2]), (200, [0.5, 0.1, 0.2, 0.2])])
def test_newcombe_paired_interval_coverage(n: int, cells: list[float]) -> None:
    base, cand = _simulate_pairs(np.random.default_rng(23), n, cells)
    truth = cells[2] - cells[1]
    coverage = np.mean(
        [
            paired_binary_difference(b, c, method="asymptotic").difference.contains(truth)
            for b, c in zip(base, cand, strict=True)
        ]
    )
    assert abs(coverage - 0.95) < TOL


def test_paired_t_false_positive_rate() -> None:
    rng = np.random.default_rng(24)
    base = rng.normal(size=(R, 12))
    cand = base + rng.normal(size=(R, 12))
    rate = np.mean(
        [paired_mean_difference(b, c).p_value < 0.05 for b, c in zip(base, cand, strict=True)]
    )
    assert abs(rate - 0.05) < TOL


def test_mcnemar_false_positive_rates() -> None:
    base, cand = _simulate_pairs(np.random.default_rng(25), 300, [0.4, 0.1, 0.1, 0.4])
    asym = np.mean(
        [
            mcnemar_test(b, c, method="asymptotic").p_value < 0.05
            for b, c in zip(base, cand, strict=True)
        ]
    )
    exact = np.mean(
        [mcnemar_test(b, c, method="exact").p_value < 0.05 for b, c in zip(base, cand, strict=True)]
    )
    assert abs(asym - 0.05) < TOL
    assert exact <= 0.05 + TOL  # the exact test is conservative by construction


def test_small_sample_mcnemar_auto_stays_below_alpha() -> None:
    base, cand = _simulate_pairs(np.random.default_rng(26), 60, [0.4, 0.1, 0.1, 0.4])
    rate = np.mean([mcnemar_test(b, c).p_value < 0.05 for b, c in zip(base, cand, strict=True)])
    assert rate <= 0.05 + TOL


def test_wilcoxon_false_positive_rate() -> None:
    rng = np.random.default_rng(27)
    base = rng.normal(size=(R, 20))
    cand = base + rng.standard_t(3, size=(R, 20))  # heavy tailed, symmetric
    rate = np.mean(
        [wilcoxon_signed_rank(b, c).p_value < 0.05 for b, c in zip(base, cand, strict=True)]
    )
    assert abs(rate - 0.05) < TOL


def test_permutation_false_positive_rate() -> None:
    rng = np.random.default_rng(28)
    base = rng.normal(size=(R, 30))
    cand = base + rng.laplace(size=(R, 30))
    rate = np.mean(
        [
            paired_permutation_test(b, c, rng=i, resamples=199).p_value <= 0.05
            for i, (b, c) in enumerate(zip(base, cand, strict=True))
        ]
    )
    assert abs(rate - 0.05) < TOL


# --- properties ----------------------------------------------------------------------------

pair_lists = st.integers(2, 25).flatmap(
    lambda n: st.tuples(
        st.lists(st.floats(-100, 100), min_size=n, max_size=n),
        st.lists(st.floats(-100, 100), min_size=n, max_size=n),
    )
)


@settings(max_examples=40, deadline=None)
@given(pair_lists)
def test_swapping_baseline_and_candidate_flips_the_sign(
    pair: tuple[list[float], list[float]],
) -> None:
    base, cand = pair
    fwd, back = paired_mean_difference(base, cand), paired_mean_difference(cand, base)
    assert fwd.difference.estimate == pytest.approx(-back.difference.estimate, abs=1e-9)
    assert fwd.difference.low == pytest.approx(-back.difference.high, abs=1e-9)
    assert fwd.p_value == pytest.approx(back.p_value, abs=1e-9)
    w_fwd, w_back = wilcoxon_signed_rank(base, cand), wilcoxon_signed_rank(cand, base)
    assert w_fwd.p_value == pytest.approx(w_back.p_value, abs=1e-12)
    p_fwd = paired_permutation_test(base, cand, rng=3, resamples=99)
    p_back = paired_permutation_test(cand, base, rng=3, resamples=99)
    assert p_fwd.statistic == pytest.approx(-p_back.statistic, abs=1e-9)
    assert p_fwd.p_value == p_back.p_value
    g = paired_permutation_test(base, cand, rng=3, alternative="greater", resamples=99)
    ls = paired_permutation_test(cand, base, rng=3, alternative="less", resamples=99)
    assert g.p_value == ls.p_value


@settings(max_examples=40, deadline=None)
@given(pair_lists)
def test_order_of_units_does_not_matter(pair: tuple[list[float], list[float]]) -> None:
    base, cand = np.asarray(pair[0]), np.asarray(pair[1])
    order = np.random.default_rng(len(base)).permutation(len(base))
    a, b = paired_mean_difference(base, cand), paired_mean_difference(base[order], cand[order])
    assert a.difference.estimate == pytest.approx(b.difference.estimate, abs=1e-9)
    assert a.p_value == pytest.approx(b.p_value, abs=1e-9)
    assert wilcoxon_signed_rank(base, cand).p_value == pytest.approx(
        wilcoxon_signed_rank(base[order], cand[order]).p_value
    )


def test_binary_swap_mirrors_the_newcombe_interval() -> None:
    base, cand = _binary_pairs((30, 5, 12, 20))
    fwd, back = paired_binary_difference(base, cand), paired_binary_difference(cand, base)
    assert fwd.difference.low == pytest.approx(-back.difference.high, abs=1e-12)
    assert fwd.difference.high == pytest.approx(-back.difference.low, abs=1e-12)
    assert fwd.p_value == back.p_value
    assert mcnemar_test(base, cand, method="asymptotic").statistic == pytest.approx(
        -mcnemar_test(cand, base, method="asymptotic").statistic
    )


def test_self_comparison_gives_zero_and_p_one() -> None:
    x = np.random.default_rng(9).normal(size=40)
    y = (x > 0).astype(float)
    res = paired_mean_difference(x, x)
    assert res.difference.estimate == 0.0 and res.p_value == 1.0
    assert (res.difference.low, res.difference.high) == (0.0, 0.0)
    assert mcnemar_test(y, y).p_value == 1.0
    assert paired_binary_difference(y, y).difference.estimate == 0.0
    assert paired_binary_difference(y, y).p_value == 1.0
    assert wilcoxon_signed_rank(x, x).p_value == 1.0
    assert paired_permutation_test(x, x, rng=0).p_value == 1.0
    assert paired_permutation_test(x, x, rng=0, method="monte-carlo").p_value == 1.0


def test_clustered_binary_difference_uses_the_clustered_t() -> None:
    base, cand = _binary_pairs((30, 8, 20, 42))
    clusters = np.arange(100) % 25
    res = paired_binary_difference(base, cand, clusters=clusters)
    ref = paired_mean_difference(base, cand, clusters=clusters)
    assert res.difference == ref.difference and res.test == ref.test
    assert res.baseline.n_clusters == 25


# --- degenerate inputs ---------------------------------------------------------------------


def test_one_pair_cannot_be_tested() -> None:
    res = paired_mean_difference([1.0], [2.0])
    assert res.difference.estimate == 1.0
    assert (res.difference.low, res.difference.high) == (-math.inf, math.inf)
    assert res.p_value == 1.0 and any("no test is possible" in n for n in res.test.notes)


def test_constant_non_zero_difference_has_p_zero_and_a_note() -> None:
    res = paired_mean_difference([1.0, 2.0, 3.0], [1.5, 2.5, 3.5])
    assert res.difference.estimate == pytest.approx(0.5)
    assert res.difference.width == 0.0 and res.p_value == 0.0
    assert "identical" in res.difference.notes[0]


def test_single_cluster_gives_no_clustered_test() -> None:
    res = paired_mean_difference([1.0, 2.0, 3.0], [2.0, 2.5, 5.0], clusters=[7, 7, 7])
    assert res.p_value == 1.0 and res.difference.n_clusters == 1
    assert "only one cluster" in res.difference.notes[0]


def test_all_pairs_tied() -> None:
    y = np.array([1.0, 0.0, 1.0, 1.0])
    tied = mcnemar_test(y, y)
    assert tied.p_value == 1.0 and tied.statistic == 0.0 and "no discordant" in tied.notes[0]
    w = wilcoxon_signed_rank([1.0, 2.0], [1.0, 2.0])
    assert w.p_value == 1.0 and w.n == 0 and "all pairs tied" in w.notes[-1]


@pytest.mark.parametrize(
    "call",
    [
        lambda: paired_mean_difference([], []),
        lambda: mcnemar_test([], []),
        lambda: paired_binary_difference([], []),
        lambda: wilcoxon_signed_rank([], []),
        lambda: paired_permutation_test([], [], rng=0),
    ],
)
def test_empty_input_is_a_data_error(call: object) -> None:
    with pytest.raises(DataError, match="empty"):
        call()  # type: ignore[operator]


def test_nan_and_misalignment_are_data_errors() -> None:
    with pytest.raises(DataError, match=r"candidate\[1\]") as info:
        paired_mean_difference([1.0, 2.0], [1.0, float("nan")])
    assert info.value.row == 1
    with pytest.raises(DataError, match="same units"):
        paired_mean_difference([1.0, 2.0], [1.0, 2.0, 3.0])
    with pytest.raises(DataError, match=r"baseline\[0\] is not a binary outcome"):
        mcnemar_test([2.0, 1.0], [1.0, 1.0])


def test_bad_parameters() -> None:
    with pytest.raises(ParameterError, match="'alternative' parameter of paired_mean_difference"):
        paired_mean_difference([1.0, 2.0], [2.0, 3.0], alternative="bigger")  # type: ignore[arg-type]
    with pytest.raises(ParameterError, match="'rng'"):
        paired_permutation_test([1.0, 2.0], [2.0, 3.0], rng=-1)
    with pytest.raises(ParameterError, match="'method'"):
        paired_permutation_test(np.zeros(30), np.ones(30), rng=0, method="exact")
    with pytest.raises(ParameterError, match="'method'"):
        mcnemar_test([1.0], [0.0], method="mid-p")  # type: ignore[arg-type]
    tied = np.arange(30) % 5 + 1.0
    with pytest.raises(ParameterError, match="more than 20 non-zero differences with ties"):
        wilcoxon_signed_rank(np.zeros(30), tied, method="exact")
