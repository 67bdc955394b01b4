"""evaluate_metric / compare_metric pick the method from how the metric aggregates."""

from __future__ import annotations

import numpy as np
import pytest

from assay.errors import ParameterError
from assay.metrics import compare_metric, evaluate_metric, get_metric
from assay.stats import paired_binary_difference, paired_mean_difference


def test_binary_means_use_the_paired_binary_method() -> None:
    rng = np.random.default_rng(0)
    y = rng.integers(0, 3, 400)
    a = np.where(rng.random(400) < 0.7, y, 0)
    b = np.where(rng.random(400) < 0.8, y, 0)
    r = compare_metric("accuracy", {"y_true": y, "y_pred": a}, {"y_true": y, "y_pred": b})
    want = paired_binary_difference((a == y).astype(float), (b == y).astype(float))
    assert r == want


def test_continuous_means_use_the_paired_mean_method() -> None:
    rel = np.random.default_rng(1).integers(0, 3, (200, 6))
    sa = np.random.default_rng(2).random((200, 6))
    sb = sa + 0.3 * rel
    r = compare_metric("ndcg", {"relevance": rel, "scores": sa}, {"relevance": rel, "scores": sb})
    from assay.metrics import ndcg

    assert r == paired_mean_difference(ndcg(rel, sa), ndcg(rel, sb))
    assert r.difference.estimate > 0


def test_clusters_reach_every_method() -> None:
    rng = np.random.default_rng(3)
    y = rng.integers(0, 2, 300)
    p = np.where(rng.random(300) < 0.8, y, 1 - y)
    clusters = np.arange(300) // 3
    for name in ("accuracy", "f1"):
        est = evaluate_metric(
            name, {"y_true": y, "y_pred": p}, rng=0, resamples=200, clusters=clusters
        )
        assert est.n_clusters == 100


def test_bootstrapped_metrics_are_seeded_by_default_and_need_known_inputs() -> None:
    inputs = {"y_true": [0, 1, 1, 0, 1, 1], "y_pred": [0, 1, 0, 0, 1, 1]}
    assert evaluate_metric("f1", inputs, resamples=50) == evaluate_metric(
        "f1", inputs, rng=0, resamples=50
    )
    with pytest.raises(
        ParameterError,
        match=r"^The 'rng' parameter of evaluate_metric must be a numpy Generator or a "
        r"non-negative int seed\. Got None\.$",
    ):
        evaluate_metric("f1", inputs, rng=None)  # type: ignore[arg-type]
    with pytest.raises(ParameterError, match="'inputs'"):
        evaluate_metric("f1", {"y_true": [0, 1]}, rng=0)
    with pytest.raises(ParameterError, match=r"^The 'metric' parameter of evaluate_metric "):
        evaluate_metric(42, {"y_true": [0, 1]}, rng=0)  # type: ignore[arg-type]
    assert get_metric("f1").aggregation == "sums"
