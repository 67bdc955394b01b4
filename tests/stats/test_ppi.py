"""Prediction-powered inference: closed forms, ppi_py's formulas, coverage, properties."""

from __future__ import annotations

import math
import statistics
from statistics import NormalDist

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from assay.errors import DataError, ParameterError
from assay.stats import PairedResult, PPIResult, ppi_mean, ppi_paired_difference

Y = [1.0, 0.0, 1.0, 1.0, 0.0, 1.0]
F = [0.9, 0.5, 0.4, 0.7, 0.6, 0.5]
FU = [0.8, 0.1, 0.7, 0.9, 0.4, 0.5, 0.6, 0.3]
Z975 = NormalDist().inv_cdf(0.975)


def _hand_ppi(
    y: list[float], f: list[float], fu: list[float], lam: float | None
) -> tuple[float, float, float]:
    """PPI++ for a mean (Angelopoulos, Duchi & Zrnic 2023), with the standard library only."""
    n, big_n = len(y), len(fu)
    if lam is None:
        raw = statistics.covariance(y, f) / ((1 + n / big_n) * statistics.variance(f + fu))
        lam = min(max(raw, 0.0), 1.0)
    rect = [yi - lam * fi for yi, fi in zip(y, f, strict=True)]
    theta = lam * statistics.fmean(fu) + statistics.fmean(rect)
    se = math.sqrt(lam**2 * statistics.variance(fu) / big_n + statistics.variance(rect) / n)
    return theta, se, lam


def _ppi_py_formula(
    y: np.ndarray, f: np.ndarray, fu: np.ndarray, lam: float | None
) -> dict[str, float]:
    """The formulas of ppi_py's ppi_mean_ci / _calc_lhat_glm (population-style std, ddof 0)."""
    n, big_n = y.size, fu.size
    if lam is None:
        cov = ((y - y.mean()) * (f - f.mean())).sum() / n  # 1/n, as ppi_py's gradient covariance
        var_pooled = np.cov(np.concatenate([f, fu]))  # ddof 1 on labelled + unlabelled
        lam = float(np.clip(2 * cov / (2 * (1 + n / big_n) * var_pooled), 0, 1))
    theta = float(lam * fu.mean() + (y - lam * f).mean())
    imputed_var = float((lam * fu).std() ** 2 / big_n)
    rectifier_var = float((y - lam * f).std() ** 2 / n)
    return {"lam": lam, "theta": theta, "imputed_var": imputed_var, "rectifier_var": rectifier_var}


# --- reference values -------------------------------------------------------------------------


@pytest.mark.parametrize("lam", ["auto", None, 0.0, 0.4])
def test_matches_hand_computed_closed_form(lam: str | float | None) -> None:
    result = ppi_mean(Y, F, FU, lam=lam)  # type: ignore[arg-type]
    fixed = None if lam == "auto" else (1.0 if lam is None else float(lam))  # type: ignore[arg-type]
    theta, se, lam_hat = _hand_ppi(Y, F, FU, fixed)
    assert result.lam == pytest.approx(lam_hat, abs=1e-14)
    assert result.estimate.estimate == pytest.approx(theta, abs=1e-14)
    assert result.estimate.se == pytest.approx(se, rel=1e-12)
    assert result.estimate.low == pytest.approx(theta - Z975 * se, abs=1e-12)
    assert result.estimate.high == pytest.approx(theta + Z975 * se, abs=1e-12)
    assert (result.n_labelled, result.n_unlabelled, result.estimate.n) == (6, 8, 14)
    assert result.lam_tuned is (lam == "auto")


def test_tuned_lambda_matches_hand_value_when_not_clipped() -> None:
    # Deviations of Y: (1, -2, 1, 1, -2, 1)/3; of F: (3, -1, -2, 1, 0, -1)/10. Their products
    # sum to 0.1, so Cov(Y, F) = 0.1 / 5 = 0.02 and λ̂ = 0.02 / ((1 + 6/8) Var(F ∪ FU)) ≈ 0.22.
    expected = 0.02 / (1.75 * statistics.variance(F + FU))
    assert 0.2 < expected < 0.25
    assert ppi_mean(Y, F, FU).lam == pytest.approx(expected, abs=1e-14)


def test_agrees_with_ppi_py_formulas() -> None:
    rng = np.random.default_rng(0)
    y = (rng.random(300) < 0.6).astype(float)
    f = 0.2 + 0.3 * y + rng.normal(0, 0.3, 300)
    fu = 0.2 + 0.3 * (rng.random(3000) < 0.6) + rng.normal(0, 0.3, 3000)
    n, big_n = y.size, fu.size
    ref = _ppi_py_formula(y, f, fu, None)
    ours = ppi_mean(y, f, fu)
    # ppi_py's covariance is 1/n where ours is 1/(n - 1); otherwise the same λ̂.
    assert ours.lam == pytest.approx(ref["lam"] * n / (n - 1), rel=1e-12)
    fixed = ppi_mean(y, f, fu, lam=ref["lam"])
    ref = _ppi_py_formula(y, f, fu, ref["lam"])
    assert fixed.estimate.estimate == pytest.approx(ref["theta"], abs=1e-14)
    # Same variance components, with sample (ddof 1) instead of population variances.
    expected_var = ref["imputed_var"] * big_n / (big_n - 1) + ref["rectifier_var"] * n / (n - 1)
    assert fixed.estimate.se**2 == pytest.approx(expected_var, rel=1e-12)  # type: ignore[operator]


def test_classical_ppi_is_lambda_one_and_lambda_zero_is_human_only() -> None:
    classical = ppi_mean(Y, F, FU, lam=None)
    assert classical.lam == 1.0 and classical.estimate.method == "ppi normal"
    assert classical.estimate.estimate == pytest.approx(
        statistics.fmean(FU) + statistics.fmean(Y) - statistics.fmean(F)
    )
    none = ppi_mean(Y, F, FU, lam=0.0)
    assert none.estimate.estimate == pytest.approx(none.human_only.estimate)
    assert none.estimate.se == pytest.approx(none.human_only.se)
    assert none.human_only.se == pytest.approx(statistics.stdev(Y) / math.sqrt(6))


# --- simulation -------------------------------------------------------------------------------


def _judged(
    rng: np.random.Generator, datasets: int, n: int, p: float, slope: float
) -> tuple[np.ndarray, np.ndarray]:
    """Binary human labels and a biased, noisy judge score."""
    y = (rng.random((datasets, n)) < p).astype(float)
    return y, 0.2 + slope * y + rng.normal(0, 0.3, (datasets, n))


@pytest.mark.parametrize("lam", ["auto", None])
def test_interval_covers_at_nominal_rate(lam: str | None) -> None:
    rng = np.random.default_rng(1)
    y, f = _judged(rng, 2000, 200, 0.6, 0.3)
    _, fu = _judged(rng, 2000, 2000, 0.6, 0.3)
    hits = [ppi_mean(y[d], f[d], fu[d], lam=lam).estimate.contains(0.6) for d in range(2000)]  # type: ignore[arg-type]
    assert abs(np.mean(hits) - 0.95) <= 0.015


def test_ppi_plus_plus_is_no_wider_than_human_labels_alone() -> None:
    rng = np.random.default_rng(2)
    y, f = _judged(rng, 2000, 200, 0.6, 0.5)  # corr(Y, f)² ≈ 0.4, λ* ≈ 0.73
    _, fu = _judged(rng, 2000, 2000, 0.6, 0.5)
    results = [ppi_mean(y[d], f[d], fu[d]) for d in range(2000)]
    ppi_pp = np.mean([r.estimate.width for r in results])
    human = np.mean([r.human_only.width for r in results])
    classical = np.mean([ppi_mean(y[d], f[d], fu[d], lam=None).estimate.width for d in range(2000)])
    assert ppi_pp < 0.9 * human  # an informative judge buys real precision
    assert ppi_pp <= classical  # and tuning λ does at least as well as λ = 1
    assert np.mean([r.effective_n for r in results]) > 200 / 0.9**2


def test_uninformative_judge_costs_almost_nothing_with_tuning() -> None:
    rng = np.random.default_rng(3)
    y = (rng.random((2000, 200)) < 0.6).astype(float)
    f = rng.normal(0.5, 0.3, (2000, 200))  # unrelated to the labels
    fu = rng.normal(0.5, 0.3, (2000, 2000))
    results = [ppi_mean(y[d], f[d], fu[d]) for d in range(2000)]
    tuned = np.mean([r.estimate.width for r in results])
    human = np.mean([r.human_only.width for r in results])
    classical = np.mean([ppi_mean(y[d], f[d], fu[d], lam=None).estimate.width for d in range(2000)])
    assert tuned <= 1.02 * human
    assert classical > 1.1 * human  # λ = 1 pays for the judge's noise


def _paired(
    rng: np.random.Generator, datasets: int, n: int, p_base: float, p_cand: float
) -> tuple[np.ndarray, ...]:
    """Two models' human labels (correlated through a shared difficulty) and judge scores."""
    u = rng.random((datasets, n))
    own = rng.random((datasets, n))
    shared = rng.random((datasets, n)) < 0.7
    y_base = (u < p_base).astype(float)
    y_cand = (np.where(shared, u, own) < p_cand).astype(float)
    noise = rng.normal(0, 0.2, (datasets, n))
    f_base = 0.1 + 0.4 * y_base + noise + rng.normal(0, 0.15, (datasets, n))
    f_cand = 0.1 + 0.4 * y_cand + noise + rng.normal(0, 0.15, (datasets, n))
    return y_base, y_cand, f_base, f_cand


@pytest.mark.parametrize(("p_cand", "check"), [(0.6, "size"), (0.66, "coverage")])
def test_paired_difference_coverage_and_false_positive_rate(p_cand: float, check: str) -> None:
    rng = np.random.default_rng(4 if check == "size" else 5)
    yb, yc, fb, fc = _paired(rng, 2000, 200, 0.6, p_cand)
    _, _, fbu, fcu = _paired(rng, 2000, 2000, 0.6, p_cand)
    results = [
        ppi_paired_difference(yb[d], yc[d], fb[d], fc[d], fbu[d], fcu[d]) for d in range(2000)
    ]
    if check == "size":
        assert abs(np.mean([r.p_value <= 0.05 for r in results]) - 0.05) <= 0.015
    truth = p_cand - 0.6
    assert abs(np.mean([r.difference.estimate.contains(truth) for r in results]) - 0.95) <= 0.015


def test_pairing_is_narrower_than_two_separate_estimates() -> None:
    rng = np.random.default_rng(6)
    yb, yc, fb, fc = _paired(rng, 1, 300, 0.6, 0.66)
    _, _, fbu, fcu = _paired(rng, 1, 3000, 0.6, 0.66)
    r = ppi_paired_difference(yb[0], yc[0], fb[0], fc[0], fbu[0], fcu[0])
    separate = math.hypot(r.baseline.estimate.se, r.candidate.estimate.se)  # type: ignore[arg-type]
    assert r.difference.estimate.se < 0.8 * separate  # type: ignore[operator]


# --- properties -------------------------------------------------------------------------------


def test_self_comparison_gives_zero_difference_and_p_one() -> None:
    r = ppi_paired_difference(Y, Y, F, F, FU, FU)
    d = r.difference.estimate
    assert (d.estimate, d.low, d.high, d.se) == (0.0, 0.0, 0.0, 0.0)
    assert r.p_value == 1.0 and not r.significant
    assert r.baseline == r.candidate


@settings(max_examples=30, deadline=None)
@given(st.integers(0, 10_000))
def test_swapping_models_flips_the_sign(seed: int) -> None:
    rng = np.random.default_rng(seed)
    yb, yc, fb, fc = _paired(rng, 1, 30, 0.5, 0.6)
    _, _, fbu, fcu = _paired(rng, 1, 60, 0.5, 0.6)
    ab = ppi_paired_difference(yb[0], yc[0], fb[0], fc[0], fbu[0], fcu[0])
    ba = ppi_paired_difference(yc[0], yb[0], fc[0], fb[0], fcu[0], fbu[0])
    assert ba.difference.estimate.estimate == pytest.approx(
        -ab.difference.estimate.estimate, abs=1e-12
    )
    assert ba.difference.estimate.low == pytest.approx(-ab.difference.estimate.high, abs=1e-12)
    assert ba.difference.lam == pytest.approx(ab.difference.lam, abs=1e-12)
    assert ba.p_value == pytest.approx(ab.p_value, abs=1e-12)
    # The difference is PPI++ on per-example differences, with its own λ.
    direct = ppi_mean(yc[0] - yb[0], fc[0] - fb[0], fcu[0] - fbu[0])
    assert ab.difference.estimate.estimate == pytest.approx(direct.estimate.estimate, abs=1e-12)


@settings(max_examples=30, deadline=None)
@given(st.integers(0, 10_000))
def test_order_of_examples_does_not_matter(seed: int) -> None:
    rng = np.random.default_rng(seed)
    y, f = _judged(rng, 1, 40, 0.5, 0.3)
    _, fu = _judged(rng, 1, 80, 0.5, 0.3)
    order, order_u = rng.permutation(40), rng.permutation(80)
    a = ppi_mean(y[0], f[0], fu[0])
    b = ppi_mean(y[0][order], f[0][order], fu[0][order_u])
    assert a.estimate.estimate == pytest.approx(b.estimate.estimate, abs=1e-12)
    assert a.estimate.se == pytest.approx(b.estimate.se, abs=1e-12)
    assert 0.0 <= a.lam <= 1.0


def test_result_states_its_tuning_and_can_be_shared() -> None:
    r = ppi_mean(Y, F, FU)
    assert isinstance(r, PPIResult)
    assert r.estimate.method == "ppi++ normal" and r.estimate.notes[0].startswith("lambda=")
    paired = ppi_paired_difference(Y, F, F, Y, FU, FU).to_paired_result()
    assert isinstance(paired, PairedResult)


# --- degenerate input -------------------------------------------------------------------------


def test_constant_judge_falls_back_to_human_labels() -> None:
    r = ppi_mean(Y, [0.5] * 6, [0.5] * 8)
    assert r.lam == 0.0 and "constant" in r.notes[0]
    assert r.estimate.estimate == pytest.approx(statistics.fmean(Y))


def test_identical_values_give_zero_width() -> None:
    r = ppi_mean([1.0] * 5, [1.0] * 5, [1.0] * 7)
    assert r.estimate.width == 0.0 and r.estimate.estimate == 1.0
    assert any("zero variance" in note for note in r.notes)


def test_one_labelled_example_gives_an_unbounded_interval() -> None:
    r = ppi_mean([1.0], [0.8], FU)
    assert math.isinf(r.estimate.low) and math.isinf(r.estimate.high) and r.estimate.se is None
    assert r.lam == 1.0 and math.isinf(r.human_only.high)
    assert r.estimate.estimate == pytest.approx(statistics.fmean(FU) + 0.2)
    paired = ppi_paired_difference([1.0], [0.0], [0.8], [0.3], FU, FU)
    assert paired.p_value == 1.0


def test_empty_input_raises_data_error() -> None:
    with pytest.raises(DataError, match="no labelled"):
        ppi_mean([], [], FU)
    with pytest.raises(DataError, match="no unlabelled"):
        ppi_mean(Y, F, [])


def test_nan_names_the_index() -> None:
    with pytest.raises(DataError, match=r"judge_on_unlabelled\[3\]") as info:
        ppi_mean(Y, F, [0.1, 0.2, 0.3, float("nan")])
    assert info.value.row == 3
    with pytest.raises(DataError, match=r"human_candidate\[1\]"):
        ppi_paired_difference(Y, [1.0, math.nan, 1, 1, 0, 1], F, F, FU, FU)


def test_mismatched_lengths_raise_data_error() -> None:
    with pytest.raises(DataError):
        ppi_mean(Y, F[:-1], FU)
    with pytest.raises(DataError, match="pair one-to-one"):
        ppi_paired_difference(Y, Y, F, F, FU, FU[:-1])


@pytest.mark.parametrize(
    ("kwargs", "parameter"),
    [
        ({"lam": 1.5}, "lam"),
        ({"lam": "best"}, "lam"),
        ({"lam": True}, "lam"),
        ({"confidence": 0.0}, "confidence"),
    ],
)
def test_bad_arguments_raise_parameter_error(kwargs: dict, parameter: str) -> None:
    with pytest.raises(ParameterError) as info:
        ppi_mean(Y, F, FU, **kwargs)
    assert info.value.parameter == parameter
