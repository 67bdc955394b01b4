"""Every lattice slice tested against the rest: checked against scipy (Welch), statsmodels
(cluster-robust OLS) and a brute-force enumeration of the family."""

from __future__ import annotations

from itertools import combinations, product

import numpy as np
import pytest
import scipy.stats as ss

from assay.errors import DataError, ParameterError
from assay.stats import slice_mask_tests, slice_tests


def _data(seed: int, n: int = 500) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    x = np.stack([rng.integers(0, k, n) for k in (3, 4, 2, 5)], axis=1)
    x[rng.random(n) < 0.03, 1] = -1  # no value: in no slice on that attribute
    y = rng.normal(size=n) + 0.4 * (x[:, 0] == 1)
    return x, y


def _mask(x: np.ndarray, predicates) -> np.ndarray:
    return np.all([x[:, a] == v for a, v in predicates], axis=0)


@pytest.mark.parametrize("seed", range(3))
def test_welch_t_as_scipy_computes_it(seed):
    x, y = _data(seed)
    result = slice_tests(x, y, max_predicates=3, min_size=15)
    assert result.method == "Welch t"
    m = result.moments
    for k in range(0, len(result.predicates), 7):
        inside = _mask(x, result.predicates[k])
        ref = ss.ttest_ind(y[inside], y[~inside], equal_var=False)
        ci = ref.confidence_interval(0.95)
        assert m.size[k] == inside.sum()
        assert m.p_value[k] == pytest.approx(ref.pvalue, rel=1e-9)
        assert (m.low[k], m.high[k]) == pytest.approx((ci.low, ci.high), rel=1e-9)


def test_the_family_is_every_conjunction_large_enough_inside_and_outside():
    x, y = _data(3)
    min_size = 20
    result = slice_tests(x, y, max_predicates=3, min_size=min_size)
    expected = set()
    for level in (1, 2, 3):
        for attrs in combinations(range(x.shape[1]), level):
            for values in product(*(range(int(x[:, a].max()) + 1) for a in attrs)):
                preds = tuple(zip(attrs, values, strict=True))
                size = _mask(x, preds).sum()
                if size >= min_size and len(y) - size >= min_size:
                    expected.add(preds)
    assert set(result.predicates) == expected and len(result.predicates) == len(expected)


def test_cluster_robust_t_as_statsmodels_computes_it():
    sm = pytest.importorskip("statsmodels.api")
    x, y = _data(4, n=600)
    clusters = np.random.default_rng(9).integers(0, 60, 600)
    result = slice_tests(x, y, clusters=clusters, max_predicates=2, min_size=25)
    assert result.method == "cluster-robust t" and result.n_clusters == 60
    n = len(y)
    for k in range(0, len(result.predicates), 5):
        inside = _mask(x, result.predicates[k]).astype(float)
        fit = sm.OLS(y, sm.add_constant(inside)).fit(
            cov_type="cluster", cov_kwds={"groups": clusters}
        )
        # statsmodels' CR1 also multiplies by (n - 1) / (n - 2); ours is G / (G - 1) alone
        se = result.moments.se[k] * np.sqrt((n - 1) / (n - 2))
        assert se == pytest.approx(fit.bse[1], rel=1e-9)
        assert result.moments.effect[k] == pytest.approx(fit.params[1], rel=1e-9)
    masks = np.array([_mask(x, p) for p in result.predicates[:4]])
    again = slice_mask_tests(masks, y, clusters=clusters)
    np.testing.assert_allclose(again.p_value, result.moments.p_value[:4], rtol=1e-12)


def test_properties_shift_invariance_and_sign():
    x, y = _data(5)
    a = slice_tests(x, y, max_predicates=2, min_size=20)
    b = slice_tests(x, y + 3.0, max_predicates=2, min_size=20)
    c = slice_tests(x, -y, max_predicates=2, min_size=20)
    np.testing.assert_allclose(a.moments.effect, b.moments.effect, atol=1e-9)
    np.testing.assert_allclose(a.moments.p_value, b.moments.p_value, rtol=1e-6)
    np.testing.assert_allclose(a.moments.effect, -c.moments.effect, atol=1e-12)
    # a constant has no slice worse than the rest
    flat = slice_tests(x, np.zeros(len(y)), max_predicates=2, min_size=20)
    assert np.all(flat.moments.p_value == 1.0)


def test_bad_input_is_refused():
    x, y = _data(0)
    with pytest.raises(DataError, match="finite"):
        slice_tests(x, np.where(np.arange(len(y)) == 3, np.nan, y))
    with pytest.raises(DataError, match="integer"):
        slice_tests(x.astype(float), y)
    with pytest.raises(ParameterError, match="'min_size' parameter of slice_tests"):
        slice_tests(x, y, min_size=1)
