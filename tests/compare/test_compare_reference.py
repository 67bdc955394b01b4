"""compare_records against independent computations: scipy, statsmodels, the public stats functions."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
import statsmodels.api as sm
from scipy import stats
from statsmodels.stats.contingency_tables import mcnemar
from statsmodels.stats.multitest import multipletests

from assay.compare import compare_records
from assay.core import Comparison, MetricComparison
from assay.data import SuiteData
from assay.stats import (
    mcnemar_mde,
    minimum_detectable_effect,
    paired_binary_difference,
    paired_mean_difference,
)
from assay.testing import comparison_suite as suite
from assay.testing import paired_records as records
from assay.testing import run_info


def per_example(table: pa.Table, metric: str) -> pd.Series:
    """Scores averaged per example, errored records left out (computed with pandas)."""
    df = table.select(["example_id", metric, "error"]).to_pandas()
    df.loc[df["error"].notna(), metric] = np.nan
    return df.groupby("example_id")[metric].mean()


def paired_frame(data: SuiteData, base: pa.Table, cand: pa.Table, metric: str) -> pd.DataFrame:
    """Examples scored in both runs, with their slices and clusters."""
    frame = data.examples.to_pandas().set_index("example_id")
    frame["b"], frame["c"] = per_example(base, metric), per_example(cand, metric)
    return frame.dropna(subset=["b", "c"])


def compared(data: SuiteData, seeds: tuple[int, int] = (0, 1), **kw: object) -> tuple:
    base = records(data, seeds[0], error_rate=0.03)
    cand = records(data, seeds[1], shift=0.3, accuracy=0.8, error_rate=0.03)
    result = compare_records(
        run_info(data, "b"), base, run_info(data, "c"), cand, data.suite, resamples=200, **kw
    )
    return result, base, cand


@pytest.fixture(scope="module")
def plain() -> tuple[Comparison, pa.Table, pa.Table, SuiteData]:
    data = suite(600, seed=3)
    return (*compared(data), data)


def _slice(frame: pd.DataFrame, row: MetricComparison) -> pd.DataFrame:
    if row.slice_attribute is None:
        return frame
    return frame[frame[row.slice_attribute] == row.slice_value]


def test_paired_t_overall_and_on_a_slice_match_scipy(plain: tuple) -> None:
    result, base, cand, data = plain
    frame = paired_frame(data, base, cand, "score")
    for row in (result.result("score"), result.result("score", "lang", "de")):
        sub = _slice(frame, row)
        ref = stats.ttest_rel(sub["c"], sub["b"])
        low, high = ref.confidence_interval(0.95)
        assert row.test == "paired t"
        assert row.n == len(sub)
        assert row.p_value == pytest.approx(ref.pvalue, rel=1e-9)
        assert row.difference.estimate == pytest.approx((sub["c"] - sub["b"]).mean(), rel=1e-12)
        assert (row.difference.low, row.difference.high) == pytest.approx((low, high), rel=1e-9)


def test_mcnemar_overall_and_on_a_slice_match_statsmodels(plain: tuple) -> None:
    result, base, cand, data = plain
    frame = paired_frame(data, base, cand, "accuracy")
    for row in (result.result("accuracy"), result.result("accuracy", "tier", "paid")):
        sub = _slice(frame, row)
        table = pd.crosstab(sub["b"], sub["c"]).reindex(index=[0, 1], columns=[0, 1], fill_value=0)
        discordant = int(table.loc[0, 1] + table.loc[1, 0])
        ref = mcnemar(table.to_numpy(), exact=discordant < 25, correction=False)
        assert row.test == ("mcnemar exact" if discordant < 25 else "mcnemar asymptotic")
        assert row.p_value == pytest.approx(ref.pvalue, rel=1e-9)
        assert row.difference.estimate == pytest.approx((sub["c"] - sub["b"]).mean(), rel=1e-12)


def test_small_slices_use_mcnemar_exact_like_statsmodels() -> None:
    data = suite(90, slices={"lang": ("a", "b", "c", "d", "e", "f")}, seed=5)
    result, base, cand = compared(data)
    frame = paired_frame(data, base, cand, "accuracy")
    exact = [r for r in result.results if r.metric == "accuracy" and r.test == "mcnemar exact"]
    assert exact
    for row in exact:
        sub = _slice(frame, row)
        table = pd.crosstab(sub["b"], sub["c"]).reindex(index=[0, 1], columns=[0, 1], fill_value=0)
        assert row.p_value == pytest.approx(mcnemar(table.to_numpy(), exact=True).pvalue, rel=1e-9)


def test_clustered_paired_t_matches_statsmodels_cluster_robust_ols() -> None:
    data = suite(600, cluster_size=5, seed=4)
    result, base, cand = compared(data)
    frame = paired_frame(data, base, cand, "score")
    for row in (result.result("score"), result.result("score", "lang", "fr")):
        sub = _slice(frame, row)
        d = (sub["c"] - sub["b"]).to_numpy()
        fit = sm.OLS(d, np.ones((d.size, 1))).fit(
            cov_type="cluster", cov_kwds={"groups": pd.factorize(sub["cluster"])[0]}, use_t=True
        )
        groups = sub["cluster"].nunique()
        assert row.test == "clustered paired t (CR1)"
        assert row.n_clusters == groups
        assert row.p_value == pytest.approx(float(fit.pvalues[0]), rel=1e-7)
        half = stats.t.ppf(0.975, groups - 1) * float(fit.bse[0])
        assert row.difference.low == pytest.approx(d.mean() - half, rel=1e-9)
        assert row.difference.high == pytest.approx(d.mean() + half, rel=1e-9)


def test_benjamini_hochberg_matches_statsmodels(plain: tuple) -> None:
    result = plain[0]
    for metric in ("accuracy", "score", "cost_per_example"):
        rows = [r for r in result.results if r.metric == metric and r.slice_attribute]
        expected = multipletests([r.p_value for r in rows], method="fdr_bh")[1]
        assert [r.p_adjusted for r in rows] == pytest.approx(list(expected), rel=1e-12)
        assert {r.adjustment for r in rows} == {
            f"benjamini-hochberg over {len(rows)} slice results"
        }
        overall = result.result(metric)
        assert overall.p_adjusted is None and overall.adjustment is None


@pytest.mark.parametrize(("n", "cluster_size"), [(400, None), (400, 4), (80, None), (80, 3)])
def test_every_slice_equals_the_public_paired_functions(n: int, cluster_size: int | None) -> None:
    """The vectorised per-slice path gives what the public functions give on each slice."""
    data = suite(n, cluster_size=cluster_size, slices={"lang": ("de", "en", "fr", "it")}, seed=7)
    result, base, cand = compared(data)
    for metric, function in (
        ("accuracy", paired_binary_difference),
        ("score", paired_mean_difference),
    ):
        frame = paired_frame(data, base, cand, metric)
        for row in (r for r in result.results if r.metric == metric):
            sub = _slice(frame, row)
            clusters = None if cluster_size is None else sub["cluster"].to_numpy()
            ref = function(sub["b"].to_numpy(), sub["c"].to_numpy(), clusters=clusters)
            for got, want in (
                (row.baseline, ref.baseline),
                (row.candidate, ref.candidate),
                (row.difference, ref.difference),
            ):
                assert got.method == want.method
                assert (got.estimate, got.low, got.high) == pytest.approx(
                    (want.estimate, want.low, want.high), rel=1e-9, abs=1e-12
                )
            assert row.test == ref.test.method
            assert row.p_value == pytest.approx(ref.test.p_value, rel=1e-9, abs=1e-300)
            assert (row.n, row.n_clusters) == (ref.difference.n, ref.difference.n_clusters)
            for note in ref.difference.notes:
                assert note in row.notes


def test_minimum_detectable_effects_match_the_power_functions(plain: tuple) -> None:
    result, base, cand, data = plain
    binary = paired_frame(data, base, cand, "accuracy")
    continuous = paired_frame(data, base, cand, "score")
    for row in (r for r in result.results if r.metric == "accuracy"):
        sub = _slice(binary, row)
        discordant = float((sub["b"] != sub["c"]).mean())
        assert row.mde == pytest.approx(mcnemar_mde(len(sub), discordant), rel=1e-12)
    for row in (r for r in result.results if r.metric == "score"):
        sub = _slice(continuous, row)
        sd = float((sub["c"] - sub["b"]).std(ddof=1))
        assert row.mde == pytest.approx(minimum_detectable_effect(len(sub), sd), rel=1e-4)
        # half the width of the interval over (z_a/2 + z_power), roughly, for large n
        assert row.mde == pytest.approx(
            (row.difference.high - row.difference.low) / 2 / 1.96 * 2.8, rel=0.05
        )


def test_confidence_level_sets_every_interval_and_the_mde_alpha(plain: tuple) -> None:
    data = plain[3]
    result, base, cand = compared(data, confidence=0.9)
    frame = paired_frame(data, base, cand, "score")
    row = result.result("score")
    ref = stats.ttest_rel(frame["c"], frame["b"])
    assert (row.difference.low, row.difference.high) == pytest.approx(
        tuple(ref.confidence_interval(0.9)), rel=1e-9
    )
    sd = float((frame["c"] - frame["b"]).std(ddof=1))
    assert row.mde == pytest.approx(minimum_detectable_effect(len(frame), sd, alpha=0.1), rel=1e-4)
    assert all(r.difference.confidence == 0.9 for r in result.results)
    assert math.isclose(result.confidence, 0.9)
