"""Confidence sequences: boundaries against independent derivations, time-uniform coverage."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import integrate, optimize
from scipy.stats import norm

from assay.errors import DataError, ParameterError
from assay.stats import (
    ConfidenceSequence,
    empirical_bernstein_confidence_sequence,
    normal_mixture_confidence_sequence,
    normal_mixture_rho,
    paired_empirical_bernstein_confidence_sequence,
    paired_normal_mixture_confidence_sequence,
)

PATHS, HORIZON = 2000, 1000


def _ever_outside(sequences: list[ConfidenceSequence], truth: float) -> float:
    return float(np.mean([cs.first_time_excluding(truth) is not None for cs in sequences]))


# --- boundaries against independent derivations ----------------------------------------------


def _mixture_radius_by_integration(n: int, rho: float, sigma: float, alpha: float) -> float:
    """Where the Gaussian-mixture martingale reaches 1/alpha, by quadrature and root finding."""

    def martingale(s: float) -> float:
        # ∫ exp(λ s − λ² n / 2) dN(0, 1/ρ)(λ), s the standardised sum.
        scale = 1.0 / math.sqrt(rho)
        value, _ = integrate.quad(
            lambda lam: math.exp(lam * s - lam**2 * n / 2) * norm.pdf(lam, scale=scale),
            -40 * scale,
            40 * scale,
            points=[s / (n + rho)],
            limit=200,
        )
        return value

    s_star = optimize.brentq(lambda s: martingale(s) - 1 / alpha, 0.0, 8.0 * math.sqrt(n + rho))
    return sigma * s_star / n


@pytest.mark.parametrize(("n", "rho", "sigma"), [(1, 5.0, 1.0), (37, 12.5, 2.0), (500, 100.0, 0.3)])
def test_normal_mixture_boundary_is_where_the_mixture_martingale_reaches_one_over_alpha(
    n: int, rho: float, sigma: float
) -> None:
    x = np.random.default_rng(n).normal(0.0, sigma, n)
    cs = normal_mixture_confidence_sequence(x, sigma=sigma, rho=rho, confidence=0.9)
    radius = (cs.high[-1] - cs.low[-1]) / 2
    assert radius == pytest.approx(_mixture_radius_by_integration(n, rho, sigma, 0.1), rel=1e-6)
    assert cs.estimate[-1] == pytest.approx(x.mean())
    closed = sigma * math.sqrt((n + rho) * math.log((n + rho) / (rho * 0.1**2))) / n
    assert radius == pytest.approx(closed, rel=1e-12)


@pytest.mark.parametrize(("tuned_for", "confidence"), [(100, 0.95), (1000, 0.9), (20_000, 0.99)])
def test_rho_nearly_minimises_the_boundary_at_the_tuned_n(
    tuned_for: int, confidence: float
) -> None:
    alpha = 1 - confidence

    def width(rho: float) -> float:
        return (tuned_for + rho) * math.log((tuned_for + rho) / (rho * alpha**2))

    best = optimize.minimize_scalar(
        width, bounds=(1e-6 * tuned_for, 10 * tuned_for), method="bounded"
    )
    rho = normal_mixture_rho(tuned_for, confidence)
    assert math.sqrt(width(rho)) <= math.sqrt(best.fun) * 1.002
    two_log = 2 * math.log(1 / alpha)
    assert rho == pytest.approx(tuned_for / (two_log + math.log(1 + two_log)), rel=1e-14)
    cs = normal_mixture_confidence_sequence(
        np.zeros(3), sigma=1.0, tuned_for_n=tuned_for, confidence=confidence
    )
    assert cs.rho == rho and cs.tuned_for_n == tuned_for


def _prpl_eb_reference(x: list[float], alpha: float, c: float) -> tuple[list[float], list[float]]:
    """Waudby-Smith & Ramdas (2023) PrPl-EB, step by step for observations in [0, 1]."""
    lows, highs = [], []
    mu_prev, var_prev = 0.5, 0.25
    total, squares = 0.0, 0.0
    sum_lam = sum_lam_x = sum_penalty = 0.0
    low, high = 0.0, 1.0
    for t, xt in enumerate(x, start=1):
        lam = min(math.sqrt(2 * math.log(2 / alpha) / (var_prev * t * math.log(1 + t))), c)
        v = 4 * (xt - mu_prev) ** 2
        sum_penalty += v * (-math.log(1 - lam) - lam) / 4
        sum_lam += lam
        sum_lam_x += lam * xt
        centre = sum_lam_x / sum_lam
        radius = (math.log(2 / alpha) + sum_penalty) / sum_lam
        low, high = max(low, centre - radius), min(high, centre + radius)
        lows.append(low)
        highs.append(high)
        total += xt
        mu_prev = (0.5 + total) / (t + 1)
        squares += (xt - mu_prev) ** 2
        var_prev = (0.25 + squares) / (t + 1)
    return lows, highs


@pytest.mark.parametrize("c", [0.5, 0.75])
def test_empirical_bernstein_matches_the_theorem_step_by_step(c: float) -> None:
    x = np.random.default_rng(1).beta(2, 5, 300)
    cs = empirical_bernstein_confidence_sequence(x, confidence=0.9, truncation=c)
    lows, highs = _prpl_eb_reference(x.tolist(), 0.1, c)
    np.testing.assert_allclose(cs.low, lows, rtol=0, atol=1e-12)
    np.testing.assert_allclose(cs.high, highs, rtol=0, atol=1e-12)
    assert cs.truncation == c and cs.bounds == (0.0, 1.0)


def test_bounds_rescale_the_sequence() -> None:
    x = np.random.default_rng(2).random(200)
    unit = empirical_bernstein_confidence_sequence(x)
    scaled = empirical_bernstein_confidence_sequence(10 * x - 5, bounds=(-5.0, 5.0))
    np.testing.assert_allclose(scaled.low, 10 * unit.low - 5, atol=1e-12)
    np.testing.assert_allclose(scaled.high, 10 * unit.high - 5, atol=1e-12)


# --- time-uniform coverage by simulation -----------------------------------------------------


def test_normal_mixture_known_sigma_is_time_uniform_and_a_fixed_n_interval_is_not() -> None:
    rng = np.random.default_rng(10)
    x = rng.normal(0.3, 2.0, (PATHS, HORIZON))  # all paths at once
    crossing = _ever_outside(
        [normal_mixture_confidence_sequence(p, sigma=2.0, tuned_for_n=100) for p in x], 0.3
    )
    assert crossing <= 0.05 + 0.015
    # The same looks with the fixed-n 95% z interval miss far more often than 5%.
    t = np.arange(1, HORIZON + 1)
    naive = np.abs(np.cumsum(x, axis=1) / t - 0.3) > 1.959964 * 2.0 / np.sqrt(t)
    assert naive.any(axis=1).mean() > 0.3


def test_normal_mixture_estimated_sigma_is_time_uniform_after_burn_in() -> None:
    rng = np.random.default_rng(11)
    x = rng.normal(-1.0, 0.5, (PATHS, HORIZON))
    crossing = _ever_outside(
        [normal_mixture_confidence_sequence(p, tuned_for_n=200) for p in x], -1.0
    )
    assert crossing <= 0.05 + 0.015


def test_paired_normal_mixture_is_time_uniform() -> None:
    rng = np.random.default_rng(12)
    shared = rng.normal(0, 1, (PATHS, HORIZON))
    base = shared + rng.normal(0.0, 0.5, (PATHS, HORIZON))
    cand = shared + rng.normal(0.1, 0.5, (PATHS, HORIZON))
    sd = math.sqrt(0.5)  # sd of one difference
    seqs = [
        paired_normal_mixture_confidence_sequence(b, c, sigma=sd)
        for b, c in zip(base, cand, strict=True)
    ]
    assert _ever_outside(seqs, 0.1) <= 0.05 + 0.015


@pytest.mark.parametrize("kind", ["bernoulli", "beta"])
def test_empirical_bernstein_is_time_uniform(kind: str) -> None:
    rng = np.random.default_rng(13)
    if kind == "bernoulli":
        x, truth = (rng.random((PATHS, HORIZON)) < 0.3).astype(float), 0.3
    else:
        x, truth = rng.beta(0.5, 0.5, (PATHS, HORIZON)), 0.5
    seqs = [empirical_bernstein_confidence_sequence(p) for p in x]
    assert _ever_outside(seqs, truth) <= 0.05 + 0.015
    # Not vacuous: at n = 1000 the interval is within 2.5x the fixed-n normal interval.
    fixed = (
        2
        * 1.959964
        * math.sqrt(truth * (1 - truth) if kind == "bernoulli" else 0.125)
        / math.sqrt(HORIZON)
    )
    assert np.mean([cs.final.width for cs in seqs]) < 2.5 * fixed


def test_paired_empirical_bernstein_is_time_uniform_and_stops_on_a_real_difference() -> None:
    rng = np.random.default_rng(14)
    u = rng.random((PATHS, HORIZON))
    base = (u < 0.6).astype(float)
    cand = (
        np.where(rng.random((PATHS, HORIZON)) < 0.8, u, rng.random((PATHS, HORIZON))) < 0.7
    ).astype(float)
    truth = 0.7 - 0.6  # each candidate score is Bernoulli(0.7), correlated with the baseline
    seqs = [
        paired_empirical_bernstein_confidence_sequence(b, c)
        for b, c in zip(base, cand, strict=True)
    ]
    assert _ever_outside(seqs, truth) <= 0.05 + 0.015
    stops = [cs.first_time_above(0.0) for cs in seqs]
    assert np.mean([s is not None for s in stops]) > 0.8  # a runner would stop early, correctly
    assert all(s is None or seqs[i].low[s - 1] > 0 for i, s in enumerate(stops))


# --- properties -------------------------------------------------------------------------------


def test_swapping_baseline_and_candidate_flips_the_sign() -> None:
    rng = np.random.default_rng(3)
    base, cand = rng.random(150), rng.random(150)
    for fn in (
        paired_empirical_bernstein_confidence_sequence,
        paired_normal_mixture_confidence_sequence,
    ):
        ab, ba = fn(base, cand), fn(cand, base)  # type: ignore[operator]
        np.testing.assert_allclose(ab.estimate, -ba.estimate, atol=1e-12)
        np.testing.assert_allclose(ab.low, -ba.high, atol=1e-12)
        np.testing.assert_allclose(ab.high, -ba.low, atol=1e-12)


def test_self_comparison_never_excludes_zero() -> None:
    x = np.random.default_rng(4).random(200)
    eb = paired_empirical_bernstein_confidence_sequence(x, x)
    assert eb.first_time_excluding(0.0) is None and np.all(eb.estimate == 0)
    nm = paired_normal_mixture_confidence_sequence(x, x)
    assert nm.first_time_excluding(0.0) is None
    assert nm.final.width == 0.0 and any("no width" in note for note in nm.notes)


def test_normal_mixture_shifts_with_the_data() -> None:
    x = np.random.default_rng(5).normal(0, 1, 100)
    for sigma in (None, 1.0):
        a = normal_mixture_confidence_sequence(x, sigma=sigma)
        b = normal_mixture_confidence_sequence(x + 7.0, sigma=sigma)
        np.testing.assert_allclose(b.low, a.low + 7.0, atol=1e-9)
        np.testing.assert_allclose(b.high, a.high + 7.0, atol=1e-9)


def test_empirical_bernstein_is_symmetric_under_reflection() -> None:
    x = np.random.default_rng(6).beta(2, 3, 250)
    a = empirical_bernstein_confidence_sequence(x)
    b = empirical_bernstein_confidence_sequence(1.0 - x)
    np.testing.assert_allclose(b.low, 1.0 - a.high, atol=1e-12)
    np.testing.assert_allclose(b.high, 1.0 - a.low, atol=1e-12)


def test_running_interval_only_shrinks_for_bernstein() -> None:
    cs = empirical_bernstein_confidence_sequence(np.random.default_rng(7).random(300))
    assert np.all(np.diff(cs.low) >= 0) and np.all(np.diff(cs.high) <= 0)


def test_result_accessors_and_stopping_times() -> None:
    x = np.concatenate([np.full(50, 0.9), np.full(50, 0.95)])
    cs = empirical_bernstein_confidence_sequence(x)
    assert len(cs) == 100 and list(cs.n[:3]) == [1, 2, 3]
    at10 = cs.at(10)
    assert (at10.low, at10.high, at10.n) == (cs.low[9], cs.high[9], 10)
    assert cs.final.n == 100 and cs.final.method == cs.method
    first = cs.first_time_above(0.5)
    assert first is not None and cs.low[first - 1] > 0.5 and cs.low[first - 2] <= 0.5
    assert cs.first_time_excluding(0.5) == first
    assert cs.first_time_below(0.5) is None
    assert cs.first_time_excluding(0.92) is None  # the truth-like value is never excluded
    with pytest.raises(ParameterError):
        cs.at(0)
    with pytest.raises(ParameterError):
        cs.at(101)


# --- degenerate input -------------------------------------------------------------------------


def test_single_observation() -> None:
    known = normal_mixture_confidence_sequence([2.0], sigma=1.0)
    assert math.isfinite(known.low[0]) and known.estimate[0] == 2.0
    estimated = normal_mixture_confidence_sequence([2.0])
    assert math.isinf(estimated.low[0]) and math.isinf(estimated.high[0])
    eb = empirical_bernstein_confidence_sequence([1.0])
    assert 0.0 <= eb.low[0] <= eb.high[0] == 1.0


def test_estimated_sigma_is_unbounded_during_burn_in() -> None:
    x = np.random.default_rng(8).normal(0, 1, 60)
    cs = normal_mixture_confidence_sequence(x, burn_in=10)
    assert np.all(np.isinf(cs.low[:9])) and np.all(np.isfinite(cs.low[9:]))
    assert "unbounded before n=10" in cs.notes[0]
    default = normal_mixture_confidence_sequence(x)
    assert np.isinf(default.low[28]) and np.isfinite(default.low[29])


def test_identical_values() -> None:
    eb = empirical_bernstein_confidence_sequence(np.ones(500))
    assert eb.final.high == 1.0 and eb.final.low > 0.95
    nm = normal_mixture_confidence_sequence(np.full(40, 3.0))
    assert nm.final.width == 0.0 and any("no width" in note for note in nm.notes)


def test_empty_nan_and_out_of_bounds_input_raise_data_error() -> None:
    with pytest.raises(DataError, match="empty"):
        normal_mixture_confidence_sequence([])
    with pytest.raises(DataError, match="empty"):
        empirical_bernstein_confidence_sequence([])
    with pytest.raises(DataError, match=r"values\[2\]") as info:
        normal_mixture_confidence_sequence([1.0, 2.0, math.nan])
    assert info.value.row == 2
    with pytest.raises(DataError, match=r"values\[1\] is outside the bounds"):
        empirical_bernstein_confidence_sequence([0.5, 1.2, 0.3])
    with pytest.raises(DataError, match=r"candidate\[0\] is outside the bounds"):
        paired_empirical_bernstein_confidence_sequence([0.5, 0.5], [-0.1, 0.5])
    with pytest.raises(DataError, match="paired one-to-one"):
        paired_normal_mixture_confidence_sequence([1.0, 2.0], [1.0])


@pytest.mark.parametrize(
    ("call", "parameter"),
    [
        (lambda: normal_mixture_confidence_sequence([1.0], rho=1.0, tuned_for_n=10), "rho"),
        (lambda: normal_mixture_confidence_sequence([1.0], rho=0.0), "rho"),
        (lambda: normal_mixture_confidence_sequence([1.0], sigma=-1.0), "sigma"),
        (lambda: normal_mixture_confidence_sequence([1.0], tuned_for_n=0), "tuned_for_n"),
        (lambda: normal_mixture_confidence_sequence([1.0], burn_in=1), "burn_in"),
        (lambda: normal_mixture_confidence_sequence([1.0], confidence=1.0), "confidence"),
        (lambda: empirical_bernstein_confidence_sequence([0.5], truncation=1.0), "truncation"),
        (lambda: empirical_bernstein_confidence_sequence([0.5], bounds=(1.0, 0.0)), "bounds"),
        (lambda: normal_mixture_rho(0), "tuned_for_n"),
    ],
)
def test_bad_arguments_raise_parameter_error(call, parameter: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ParameterError) as info:
        call()
    assert info.value.parameter == parameter
