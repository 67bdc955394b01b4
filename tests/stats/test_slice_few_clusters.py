"""The cluster-robust slice test with slices that touch few clusters: degrees of freedom from
the clusters in the slice, and no test below the minimum cluster count."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pytest

from assay.analysis import discover_slices
from assay.stats import slice_mask_tests


def _null_rejections(k: int, reps: int, seed: int) -> float:
    """Type-I error at 5% of a slice made of ``k`` of 100 clusters (40 examples each, a
    cluster random effect, nothing special about the slice)."""
    rng = np.random.default_rng(seed)
    g, m = 100, 40
    clusters = np.repeat(np.arange(g), m)
    mask = np.isin(clusters, np.arange(k))[None, :]
    hits = 0
    for _ in range(reps):
        p = np.clip(0.2 + rng.normal(0.0, 0.1, g), 0.0, 1.0)[clusters]
        y = (rng.random(g * m) < p).astype(np.float64)
        hits += int(slice_mask_tests(mask, y, clusters=clusters, min_clusters=2).p_value[0] < 0.05)
    return hits / reps


@pytest.mark.parametrize("k", [2, 3, 5, 10])
def test_null_type_one_error_is_at_most_nominal_with_few_clusters(k: int) -> None:
    # with df = G - 1 for every slice these were 0.35, 0.24, 0.14, 0.07
    reps = 600
    rate = _null_rejections(k, reps, seed=k)
    assert rate <= 0.05 + 3 * np.sqrt(0.05 * 0.95 / reps)


def test_degrees_of_freedom_come_from_the_smaller_side() -> None:
    clusters = np.repeat(np.arange(20), 10)
    y = np.random.default_rng(0).random(200)
    masks = np.stack([np.isin(clusters, np.arange(k)) for k in (3, 6, 15)])
    m = slice_mask_tests(masks, y, clusters=clusters, min_clusters=2)
    assert m.df.tolist() == [2.0, 5.0, 4.0]
    assert m.clusters_in is not None and m.clusters_in.tolist() == [3, 6, 15]


def test_a_slice_below_the_minimum_is_not_tested_and_flagged() -> None:
    clusters = np.repeat(np.arange(20), 10)
    y = np.where(clusters < 6, 1.0, 0.0) + np.random.default_rng(1).random(200) * 0.01
    masks = np.stack([clusters < 3, clusters < 6])
    m = slice_mask_tests(masks, y, clusters=clusters)
    assert m.few_clusters is not None and m.few_clusters.tolist() == [True, False]
    assert m.p_value[0] == 1.0 and np.isinf(m.high[0])
    assert m.p_value[1] < 0.05


def _discover_null(seed: int) -> int:
    rng = np.random.default_rng(seed)
    g, m = 100, 40
    n = g * m
    cl = np.repeat(np.arange(g), m)
    table = pa.table(
        {
            "example_id": [f"e{i}" for i in range(n)],
            "cluster": [f"c{k}" for k in cl],
            "site": np.array([f"s{k % 25:02d}" for k in range(g)])[cl].tolist(),
            "device": rng.choice(["phone", "desktop"], n).tolist(),
        }
    )
    p = np.clip(0.2 + rng.normal(0.0, 0.1, g), 0.0, 1.0)[cl]
    y = (rng.random(n) < p).astype(np.float64)
    found = discover_slices(table, y, attributes=["site", "device"], control="bh")
    assert found.too_few_clusters > 0  # every site touches 4 clusters
    return len(found.slices)


def test_discovery_on_null_data_with_few_clusters_per_slice_finds_nothing() -> None:
    # before: 76 of 100 null runs reported at least one slice
    assert sum(_discover_null(seed) > 0 for seed in range(8)) == 0


@pytest.mark.slow
def test_discovery_null_share_is_at_most_alpha() -> None:
    reps = 100
    share = sum(_discover_null(seed) > 0 for seed in range(reps)) / reps
    assert share <= 0.05 + 3 * np.sqrt(0.05 * 0.95 / reps)
