"""Seeded arrival schedules follow the requested distribution (KS tests against scipy)."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from assay.errors import ParameterError
from assay.runners.load import arrival_schedule


@pytest.mark.parametrize("seed", range(5))
def test_poisson_gaps_are_exponential(seed: int) -> None:
    gaps = np.diff(arrival_schedule(2000, 50.0, rng=seed))
    assert stats.kstest(gaps, stats.expon(scale=1 / 50).cdf).pvalue > 0.001


@pytest.mark.parametrize("burstiness", [0.25, 1.0, 4.0])
def test_gamma_gaps_have_the_stated_shape_and_mean(burstiness: float) -> None:
    gaps = np.diff(arrival_schedule(3000, 100.0, arrival="gamma", burstiness=burstiness, rng=1))
    ref = stats.gamma(burstiness, scale=1 / (100 * burstiness))
    assert stats.kstest(gaps, ref.cdf).pvalue > 0.001
    assert gaps.mean() == pytest.approx(0.01, rel=0.1)


def test_constant_is_exact_and_schedules_are_seeded() -> None:
    assert np.allclose(np.diff(arrival_schedule(5, 4.0, arrival="constant")), 0.25)
    assert np.array_equal(arrival_schedule(50, 9.0, rng=3), arrival_schedule(50, 9.0, rng=3))


def test_a_bad_rate_names_the_function() -> None:
    with pytest.raises(ParameterError, match="'rate' parameter of arrival_schedule"):
        arrival_schedule(5, 0.0)
