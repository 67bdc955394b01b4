"""AUC, NDCG and MRR against scikit-learn and brute force; AUC bootstrap properties."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import ndcg_score, roc_auc_score

from assay.errors import DataError
from assay.metrics import (
    auc_jackknife,
    compare_metric,
    evaluate_metric,
    get_metric,
    ndcg,
    reciprocal_rank,
    roc_auc,
    weighted_auc,
)
from assay.stats import bootstrap_weights


def _scores(n: int, seed: int, ties: bool = True) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, n).astype(float)
    s = rng.normal(size=n) + 0.8 * y
    return y, (np.round(s, 1) if ties else s)


@pytest.mark.parametrize("ties", [True, False])
def test_auc_matches_sklearn(ties: bool) -> None:
    y, s = _scores(700, 1, ties)
    assert roc_auc(y, s) == pytest.approx(roc_auc_score(y, s), abs=1e-12)
    assert get_metric("roc_auc").compute(y_true=y, y_score=s) == pytest.approx(roc_auc_score(y, s))


def test_weighted_auc_is_the_auc_of_the_repeated_examples() -> None:
    y, s = _scores(60, 2)
    w = np.random.default_rng(0).poisson(1.0, size=(20, 60)).astype(float)
    got = weighted_auc(y, s, w)
    want = [roc_auc_score(np.repeat(y, r.astype(int)), np.repeat(s, r.astype(int))) for r in w]
    np.testing.assert_allclose(got, want, rtol=1e-12)


@pytest.mark.parametrize("clustered", [False, True])
def test_auc_jackknife_equals_leaving_each_unit_out(clustered: bool) -> None:
    y, s = _scores(80, 3)
    groups = np.random.default_rng(1).integers(0, 12, 80) if clustered else None
    vals, ids = auc_jackknife(y, s, groups)
    g = np.arange(80) if groups is None else groups
    want = [roc_auc_score(y[g != u], s[g != u]) for u in ids]
    np.testing.assert_allclose(vals, want, rtol=1e-12)


def test_auc_bootstrap_and_paired_comparison() -> None:
    y, s = _scores(500, 4)
    s2 = s + np.random.default_rng(5).normal(0, 0.5, 500)
    w = bootstrap_weights(500, 800, rng=3)
    est = evaluate_metric("roc_auc", {"y_true": y, "y_score": s}, weights=w)
    assert est.low < roc_auc_score(y, s) < est.high and est.resamples == 800
    r = compare_metric(
        "roc_auc", {"y_true": y, "y_score": s}, {"y_true": y, "y_score": s2}, weights=w
    )
    assert r.difference.estimate == pytest.approx(roc_auc_score(y, s2) - roc_auc_score(y, s))
    assert r.baseline == est  # the same weights give the same resamples
    same = compare_metric(
        "roc_auc", {"y_true": y, "y_score": s}, {"y_true": y, "y_score": s}, weights=w
    )
    assert (same.difference.low, same.difference.high, same.p_value) == (0.0, 0.0, 1.0)
    clustered = evaluate_metric(
        "roc_auc", {"y_true": y, "y_score": s}, rng=0, resamples=300, clusters=np.arange(500) // 5
    )
    assert clustered.n_clusters == 100


def test_auc_needs_both_classes() -> None:
    with pytest.raises(DataError, match="both classes"):
        roc_auc([1, 1, 1], [0.1, 0.2, 0.3])
    with pytest.raises(DataError, match=r"y_score\[1\]"):
        roc_auc([0, 1], [0.1, np.nan])


@pytest.mark.parametrize("k", [None, 1, 3])
def test_ndcg_matches_sklearn_with_ties(k: int | None) -> None:
    rng = np.random.default_rng(6)
    rel = rng.integers(0, 4, (60, 9)).astype(float)
    rel[0] = 0  # a query with nothing relevant scores 0
    sc = np.round(rng.random((60, 9)), 1)
    assert ndcg(rel, sc, k).mean() == pytest.approx(ndcg_score(rel, sc, k=k), abs=1e-12)
    per_query = [ndcg_score(rel[i : i + 1], sc[i : i + 1], k=k) for i in range(1, 60)]
    np.testing.assert_allclose(ndcg(rel, sc, k)[1:], per_query, rtol=1e-12)
    assert ndcg(rel, sc, k)[0] == 0.0


def test_reciprocal_rank_by_hand() -> None:
    rel = np.array([[0, 1, 0], [1, 0, 0], [0, 0, 0], [0, 1, 1]])
    sc = np.array([[0.9, 0.5, 0.1], [0.2, 0.3, 0.1], [0.5, 0.4, 0.3], [0.7, 0.7, 0.1]])
    np.testing.assert_allclose(reciprocal_rank(rel, sc), [1 / 2, 1 / 2, 0.0, 1 / 2])
    d = get_metric("mrr")
    assert d.is_mean and d.compute(relevance=rel, scores=sc) == pytest.approx(1.5 / 4)
    assert get_metric("ndcg", k=2).name == "ndcg@2"
