"""Bayesian readout (conjugate normal) and the sample-ratio-mismatch χ² test."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import integrate, stats

from assay.errors import DataError, ParameterError
from assay.stats import MeanSums, ab_lift, bayesian_lift, sample_ratio_test

CONTROL = MeanSums(2000, 2000 * 3.0, 2000 * (9.0 + 4.0))
TREATMENT = MeanSums(2100, 2100 * 3.1, 2100 * (3.1**2 + 4.0))


def test_posterior_is_the_conjugate_normal_update() -> None:
    lift = ab_lift(CONTROL, TREATMENT)
    est, se = lift.relative.estimate, lift.relative.se
    assert se is not None
    b = bayesian_lift(lift, prior_mean=0.01, prior_sd=0.05)
    prec = 1 / se**2 + 1 / 0.05**2
    assert b.posterior_sd == pytest.approx(math.sqrt(1 / prec))
    assert b.posterior_mean == pytest.approx((est / se**2 + 0.01 / 0.05**2) / prec)
    post = stats.norm(b.posterior_mean, b.posterior_sd)
    assert b.chance_to_beat_control == pytest.approx(post.sf(0.0))
    loss_ship = integrate.quad(lambda x: -x * post.pdf(x), -np.inf, 0)[0]
    loss_keep = integrate.quad(lambda x: x * post.pdf(x), 0, np.inf)[0]
    assert b.expected_loss_treatment == pytest.approx(loss_ship, rel=1e-7)
    assert b.expected_loss_control == pytest.approx(loss_keep, rel=1e-7)
    assert (b.credible.low, b.credible.high) == pytest.approx(tuple(post.interval(0.95)))
    assert "sd=0.05" in b.method


def test_flat_prior_chance_to_beat_is_one_minus_the_one_sided_p() -> None:
    greater = ab_lift(CONTROL, TREATMENT, alternative="greater")
    b = bayesian_lift(greater, prior_sd=math.inf)
    assert b.chance_to_beat_control == pytest.approx(1 - greater.p_value_relative, rel=1e-10)
    assert b.posterior_mean == greater.relative.estimate


def test_a_tight_prior_shrinks_towards_its_mean() -> None:
    lift = ab_lift(CONTROL, TREATMENT)
    wide, tight = bayesian_lift(lift, prior_sd=1.0), bayesian_lift(lift, prior_sd=0.001)
    assert abs(tight.posterior_mean) < abs(wide.posterior_mean)
    assert tight.chance_to_beat_control == pytest.approx(0.5, abs=0.05)


def test_inconclusive_lift_gives_nan_and_bad_prior_is_refused() -> None:
    flat = ab_lift(MeanSums(10, 30.0, 90.0), MeanSums(10, 30.0, 90.0))
    b = bayesian_lift(flat)
    assert math.isnan(b.chance_to_beat_control) and "not computed" in b.method
    with pytest.raises(ParameterError, match="'prior_sd' parameter of bayesian_lift"):
        bayesian_lift(ab_lift(CONTROL, TREATMENT), prior_sd=0.0)


@pytest.mark.parametrize(
    ("counts", "planned"), [([5100, 4900], None), ([3000, 6400, 600], [0.3, 0.6, 0.1])]
)
def test_srm_matches_scipy_chisquare(counts: list[int], planned: list[float] | None) -> None:
    res = sample_ratio_test(counts, planned, threshold=0.01)
    shares = np.full(len(counts), 1 / len(counts)) if planned is None else np.array(planned)
    ref = stats.chisquare(counts, shares * sum(counts))
    assert res.statistic == pytest.approx(ref.statistic)
    assert res.p_value == pytest.approx(ref.pvalue)
    assert res.mismatch == (ref.pvalue < 0.01)
    assert res.df == len(counts) - 1


def test_srm_flags_a_lopsided_split_and_passes_a_fair_one() -> None:
    assert sample_ratio_test([10_000, 10_600]).mismatch
    assert not sample_ratio_test([10_000, 10_100]).mismatch
    assert sample_ratio_test([100, 100], arms=["a", "b"]).p_value == pytest.approx(1.0)
    # Planned weights are normalised.
    assert sample_ratio_test([100, 300], [1, 3]).p_value == pytest.approx(1.0)


def test_srm_bad_input() -> None:
    with pytest.raises(DataError, match="'b'"):
        sample_ratio_test([10, -1], arms=["a", "b"])
    with pytest.raises(DataError, match="non-negative integer"):
        sample_ratio_test([10, 2.5])
    with pytest.raises(DataError, match="every arm is empty"):
        sample_ratio_test([0, 0])
    with pytest.raises(ParameterError, match="'planned'"):
        sample_ratio_test([10, 10], [0.5, 0.0])
    with pytest.raises(ParameterError, match="'counts'"):
        sample_ratio_test([10])
    with pytest.raises(ParameterError, match="'threshold'"):
        sample_ratio_test([10, 10], threshold=2)
