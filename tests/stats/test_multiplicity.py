"""Multiplicity adjustment: statsmodels reference, error-rate simulation, properties."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from statsmodels.stats.multitest import multipletests

from assay.errors import DataError, ParameterError
from assay.stats import adjust_pvalues

STATSMODELS = {
    "holm": "holm",
    "hochberg": "simes-hochberg",
    "bh": "fdr_bh",
    "by": "fdr_by",
    "bonferroni": "bonferroni",
}


def test_holm_by_hand() -> None:
    res = adjust_pvalues([0.01, 0.04, 0.03, 0.5], method="holm")
    # Sorted 0.01, 0.03, 0.04, 0.5 times 4, 3, 2, 1 = 0.04, 0.09, 0.08, 0.5; the running maximum
    # lifts 0.08 to 0.09.
    assert res.adjusted == pytest.approx((0.04, 0.09, 0.09, 0.5))
    assert res.reject == (True, False, False, False)
    assert res.controls == "family-wise error rate" and res.n_tests == 4


def test_bh_by_hand() -> None:
    res = adjust_pvalues([0.01, 0.04, 0.03, 0.5], method="bh")
    # Sorted p * 4 / rank = 0.04, 0.06, 0.0533, 0.5, then running minimum from the top.
    assert res.adjusted == pytest.approx((0.04, 0.05333333, 0.05333333, 0.5))
    assert res.controls == "false discovery rate"


@pytest.mark.parametrize("method", list(STATSMODELS))
def test_matches_statsmodels_on_fixed_inputs(method: str) -> None:
    p = [0.001, 0.2, 0.049, 0.049, 0.0125, 1.0, 0.0, 0.03, 0.6]
    ours = adjust_pvalues(p, method=method, alpha=0.05)  # type: ignore[arg-type]
    reject, adjusted, _, _ = multipletests(p, alpha=0.05, method=STATSMODELS[method])
    assert ours.adjusted == pytest.approx(tuple(adjusted), abs=1e-15)
    assert ours.reject == tuple(bool(r) for r in reject)
    assert ours.p_values == tuple(p) and ours.method == method and ours.alpha == 0.05


@pytest.mark.parametrize("method", list(STATSMODELS))
def test_matches_statsmodels_on_random_families(method: str) -> None:
    rng = np.random.default_rng(0)
    # statsmodels' Holm takes ~0.1 s a call, so a few families per size.
    for size in (1, 2, 5, 30, 200):
        for _ in range(3):
            # A mix of true nulls (uniform) and effects (small p), with ties.
            p = np.where(rng.random(size) < 0.3, rng.uniform(0, 0.01, size), rng.random(size))
            p = rng.choice(p, size)  # repeats some p-values (ties) without decimal rounding,
            # which could put an adjusted p exactly on alpha, where float noise decides.
            ours = adjust_pvalues(p, method=method, alpha=0.1)  # type: ignore[arg-type]
            reject, adjusted, _, _ = multipletests(p, alpha=0.1, method=STATSMODELS[method])
            np.testing.assert_allclose(ours.adjusted, adjusted, rtol=1e-12, atol=1e-15)
            assert ours.reject == tuple(bool(r) for r in reject)


def test_error_rates_by_simulation() -> None:
    # Global null, 10 independent tests, 4000 families: Holm keeps the family-wise error rate
    # at or below alpha; BH keeps the false discovery rate (= FWER under the global null) too.
    rng = np.random.default_rng(1)
    families = rng.random((4000, 10))
    holm = np.mean([any(adjust_pvalues(f).reject) for f in families])
    bh = np.mean([any(adjust_pvalues(f, method="bh").reject) for f in families])
    raw = np.mean(np.any(families <= 0.05, axis=1))
    assert holm <= 0.05 + 0.01 and bh <= 0.05 + 0.01
    assert raw > 0.35  # unadjusted, a false alarm is likely: the adjustment matters


def test_bh_controls_the_false_discovery_rate_with_real_effects() -> None:
    rng = np.random.default_rng(2)
    null = rng.random((3000, 16)) < 0.75
    z = rng.normal(size=(3000, 16)) + np.where(null, 0.0, 3.0)
    from scipy.stats import norm

    p = norm.sf(z)
    fdp = []
    for row, is_null in zip(p, null, strict=True):
        rej = np.asarray(adjust_pvalues(row, method="bh").reject)
        fdp.append((rej & is_null).sum() / max(rej.sum(), 1))
    # BH's false discovery rate is pi0 * alpha = 0.0375 under independence.
    assert abs(np.mean(fdp) - 0.75 * 0.05) < 0.01


@settings(max_examples=60, deadline=None)
@given(st.lists(st.floats(0.0, 1.0), min_size=1, max_size=40))
def test_properties(p: list[float]) -> None:
    arr = np.asarray(p)
    order = np.random.default_rng(len(p)).permutation(len(p))
    results = {m: adjust_pvalues(p, method=m) for m in STATSMODELS}  # type: ignore[misc]
    for method, res in results.items():
        adj = np.asarray(res.adjusted)
        assert np.all(adj >= arr - 1e-15) and np.all(adj <= 1.0)
        # Adjusting keeps the order of the raw p-values.
        srt = np.argsort(arr, kind="stable")
        assert np.all(np.diff(adj[srt]) >= -1e-12)
        shuffled = adjust_pvalues(arr[order], method=method)  # type: ignore[arg-type]
        np.testing.assert_allclose(np.asarray(shuffled.adjusted), adj[order], atol=1e-15)
    assert np.all(
        np.asarray(results["hochberg"].adjusted) <= np.asarray(results["holm"].adjusted) + 1e-15
    )
    assert np.all(
        np.asarray(results["holm"].adjusted) <= np.asarray(results["bonferroni"].adjusted) + 1e-15
    )
    assert np.all(np.asarray(results["bh"].adjusted) <= np.asarray(results["by"].adjusted) + 1e-15)


def test_empty_family_is_allowed() -> None:
    res = adjust_pvalues([])
    assert res.adjusted == () and res.reject == () and res.n_tests == 0


def test_bad_inputs() -> None:
    with pytest.raises(DataError, match=r"pvalues\[2\]") as info:
        adjust_pvalues([0.1, 0.2, float("nan")])
    assert info.value.row == 2
    with pytest.raises(DataError, match=r"pvalues\[1\] is not a probability"):
        adjust_pvalues([0.1, 1.2])
    with pytest.raises(ParameterError, match="'method' parameter of adjust_pvalues"):
        adjust_pvalues([0.1], method="sidak")  # type: ignore[arg-type]
    with pytest.raises(ParameterError, match="'alpha'"):
        adjust_pvalues([0.1], alpha=0.0)
