"""The exact conditional interval of a paired difference agrees with McNemar's exact test."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from statsmodels.stats.contingency_tables import mcnemar
from statsmodels.stats.proportion import proportion_confint

from assay.stats import (
    MCNEMAR_EXACT_BELOW,
    mcnemar_from_counts,
    paired_binary_difference_from_counts,
)

EXACT = "exact conditional (Clopper-Pearson on the discordant pairs)"


def _reference_bounds(b_only: int, c_only: int, n: int, alpha: float) -> tuple[float, float]:
    """The interval's formula from statsmodels' Clopper-Pearson ("beta") intervals."""
    m = b_only + c_only
    t_lo, t_hi = proportion_confint(c_only, m, alpha=alpha, method="beta")
    s_lo, s_hi = proportion_confint(m, n, alpha=alpha, method="beta")
    low = (2 * t_lo - 1) * (s_hi if t_lo < 0.5 else s_lo)
    high = (2 * t_hi - 1) * (s_hi if t_hi > 0.5 else s_lo)
    return low, high


@pytest.mark.parametrize(
    ("both", "b_only", "c_only", "neither"),
    [(59, 16, 6, 80), (10, 0, 7, 3), (40, 3, 0, 57), (5, 12, 12, 1), (100, 1, 1, 0)],
)
def test_interval_and_p_match_statsmodels(
    both: int, b_only: int, c_only: int, neither: int
) -> None:
    n = both + b_only + c_only + neither
    d = paired_binary_difference_from_counts(both, b_only, c_only, neither)
    assert d.method == EXACT
    assert d.estimate == pytest.approx((c_only - b_only) / n)
    assert (d.low, d.high) == pytest.approx(_reference_bounds(b_only, c_only, n, 0.05), abs=1e-9)
    table = [[both, b_only], [c_only, neither]]
    p = mcnemar_from_counts(b_only, c_only, n).p_value
    assert p == pytest.approx(mcnemar(table, exact=True).pvalue, rel=1e-12)


def test_large_samples_keep_newcombe() -> None:
    d = paired_binary_difference_from_counts(50, 10, MCNEMAR_EXACT_BELOW - 10, 50)
    assert d.method == "newcombe paired score"
    assert paired_binary_difference_from_counts(50, 10, 14, 50).method == EXACT


def test_swapping_the_runs_mirrors_the_interval() -> None:
    fwd = paired_binary_difference_from_counts(30, 4, 11, 20)
    back = paired_binary_difference_from_counts(30, 11, 4, 20)
    assert (fwd.low, fwd.high) == pytest.approx((-back.high, -back.low), abs=1e-12)


@settings(max_examples=400, deadline=None)
@given(
    b_only=st.integers(0, MCNEMAR_EXACT_BELOW - 1),
    c_only=st.integers(0, MCNEMAR_EXACT_BELOW - 1),
    concordant=st.integers(0, 400),
    confidence=st.sampled_from([0.8, 0.9, 0.95, 0.99]),
    alternative=st.sampled_from(["two-sided", "greater", "less"]),
)
def test_p_below_alpha_exactly_when_the_interval_excludes_zero(
    b_only: int, c_only: int, concordant: int, confidence: float, alternative: str
) -> None:
    m = b_only + c_only
    if not 0 < m < MCNEMAR_EXACT_BELOW:
        return
    n = m + concordant
    d = paired_binary_difference_from_counts(
        concordant,
        b_only,
        c_only,
        0,
        confidence=confidence,
        alternative=alternative,  # type: ignore[arg-type]
    )
    test = mcnemar_from_counts(b_only, c_only, n, alternative=alternative)  # type: ignore[arg-type]
    assert test.method == "mcnemar exact"
    assert (test.p_value < 1 - confidence) == (not d.contains(0.0))


@pytest.mark.parametrize(
    ("n", "cells"),
    [
        (50, [0.6, 0.02, 0.08, 0.3]),  # theta = 0.8
        (200, [0.5, 0.0, 0.05, 0.45]),  # theta = 1: plain m/n scaling covers ~50 %
        (200, [0.5, 0.03, 0.07, 0.4]),  # theta = 0.7
        (1000, [0.5, 0.002, 0.018, 0.48]),  # theta = 0.9, rare discordance
        (60, [0.45, 0.1, 0.1, 0.35]),  # no difference
    ],
)
def test_coverage_is_at_least_nominal(n: int, cells: list[float]) -> None:
    """Seeded simulation: coverage of the true difference, over draws where the test is exact."""
    rng = np.random.default_rng(31)
    counts = rng.multinomial(n, cells, size=3000)
    truth = cells[2] - cells[1]
    hits = [
        paired_binary_difference_from_counts(*map(int, row)).contains(truth)
        for row in counts
        if 0 < row[1] + row[2] < MCNEMAR_EXACT_BELOW
    ]
    assert len(hits) > 1500
    assert np.mean(hits) >= 0.95 - 0.01  # conservative by construction; 1 point of noise
