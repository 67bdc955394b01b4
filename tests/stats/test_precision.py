"""Sample size for a precision target, against statsmodels, the closed form, scipy's t
quantiles and a simulation of the interval the project computes."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats as sps
from statsmodels.stats.proportion import samplesize_confint_proportion

from assay.errors import ParameterError
from assay.stats import binary_mean_interval, interval_half_width, interval_sample_size


@pytest.mark.parametrize("p", [0.5, 0.2, 0.9, 0.03])
@pytest.mark.parametrize("h", [0.05, 0.03, 0.1])
@pytest.mark.parametrize("confidence", [0.95, 0.9])
def test_normal_size_is_statsmodels_rounded_up(p, h, confidence):
    expected = samplesize_confint_proportion(p, h, alpha=1 - confidence, method="normal")
    got = interval_sample_size(h, proportion=p, confidence=confidence, method="normal")
    assert got == math.ceil(expected - 1e-9)


def test_the_default_is_the_widest_proportion():
    # 1.959964^2 * 0.25 / 0.05^2 = 384.15: the textbook 385 for ±5 points at 95%
    assert interval_sample_size(0.05, method="normal") == 385
    assert interval_sample_size(0.05, proportion=0.5, method="normal") == 385
    assert all(
        interval_sample_size(0.05, proportion=p) <= interval_sample_size(0.05)
        for p in (0.1, 0.3, 0.7)
    )


@pytest.mark.parametrize(("h", "sd"), [(0.05, 0.5), (0.5, 2.0), (2.0, 10.0), (0.3, 0.4)])
def test_t_size_is_the_smallest_n_whose_t_interval_is_narrow_enough(h, sd):
    n = interval_sample_size(h, sd=sd)
    half = sps.t.ppf(0.975, n - 1) * sd / math.sqrt(n)
    before = sps.t.ppf(0.975, n - 2) * sd / math.sqrt(n - 1) if n > 2 else math.inf
    assert half <= h < before
    assert n >= interval_sample_size(h, sd=sd, method="normal")
    assert interval_sample_size(h, sd=sd, method="normal") == math.ceil(
        (1.959964 * sd / h) ** 2 - 1e-3
    )


def test_half_width_is_the_inverse_of_the_size():
    for h in (0.02, 0.05, 0.11):
        n = interval_sample_size(h, proportion=0.3)
        assert (
            interval_half_width(n, proportion=0.3) <= h < interval_half_width(n - 1, proportion=0.3)
        )
    assert (
        interval_half_width(1) == math.inf and interval_half_width(0, method="normal") == math.inf
    )
    assert interval_half_width(100, method="normal") == pytest.approx(1.959964 * 0.5 / 10, rel=1e-6)


def test_a_design_effect_multiplies_the_size():
    plain = interval_sample_size(0.05, method="normal")
    assert interval_sample_size(0.05, design_effect=2.0, method="normal") == math.ceil(
        2 * 384.14588206941
    )
    assert plain == 385


def test_the_size_gives_the_target_width_in_simulation():
    # at the needed n, the interval assay computes for a 0/1 metric (t for n >= 30) is about
    # ± the target on average at p = 0.5
    rng = np.random.default_rng(7)
    n = interval_sample_size(0.05)
    widths = []
    for _ in range(200):
        est = binary_mean_interval(rng.random(n) < 0.5)
        widths.append((est.high - est.low) / 2)
    assert np.mean(widths) == pytest.approx(0.05, abs=0.0005)
    assert max(widths) <= 0.0501


@settings(max_examples=50, deadline=None)
@given(
    st.floats(min_value=0.005, max_value=0.5),
    st.floats(min_value=0.01, max_value=0.99),
)
def test_more_precision_never_needs_fewer_examples(h, p):
    assert interval_sample_size(h, proportion=p) >= interval_sample_size(h * 1.5, proportion=p)


@pytest.mark.parametrize(
    ("kwargs", "parameter"),
    [
        ({"half_width": 0.0}, "half_width"),
        ({"half_width": -1}, "half_width"),
        ({"half_width": 0.05, "proportion": 1.0}, "proportion"),
        ({"half_width": 0.05, "proportion": 0.5, "sd": 1.0}, "sd"),
        ({"half_width": 0.05, "sd": 0.0}, "sd"),
        ({"half_width": 0.05, "confidence": 1.0}, "confidence"),
        ({"half_width": 0.05, "method": "wald"}, "method"),
        ({"half_width": 0.05, "design_effect": 0.5}, "design_effect"),
        ({"half_width": 1e-9, "sd": 1e6}, "half_width"),
    ],
)
def test_bad_arguments_name_the_parameter(kwargs, parameter):
    with pytest.raises(ParameterError, match=f"'{parameter}' parameter of interval_sample_size"):
        interval_sample_size(**kwargs)
