"""A run's summaries use every score with its cluster, and leave out exactly the missing ones."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pytest

from assay.data import summarise_records
from assay.stats import binary_mean_interval, mean_interval
from assay.testing import make_suite_model


def _records(n: int, missing: list[int]) -> pa.Table:
    rng = np.random.default_rng(3)
    accuracy = (rng.random(n) < 0.6).astype(float)
    latency = rng.random(n) * 100
    mask = np.zeros(n, bool)
    mask[missing] = True
    return pa.table(
        {
            "example_id": [f"ex-{i:05d}" for i in range(n)],
            "cluster": [f"c{i // 4}" for i in range(n)],
            "sample_index": pa.array(np.zeros(n, np.int32)),
            "accuracy": pa.array(accuracy, mask=mask),
            "latency": latency,
        }
    )


@pytest.mark.parametrize("missing", [[], [0, 5, 77]])
def test_summaries_match_the_clustered_intervals_of_the_kept_scores(missing: list[int]) -> None:
    n = 200
    suite, _ = make_suite_model(n=n)
    records = _records(n, missing)
    got = summarise_records(records, suite)
    keep = np.ones(n, bool)
    keep[missing] = False
    clusters = np.array([f"c{i // 4}" for i in range(n)])
    accuracy = records.column("accuracy").to_numpy(zero_copy_only=False)
    want = binary_mean_interval(accuracy[keep], clusters=clusters[keep])
    assert got["accuracy"].method == want.method == "clustered t (CR1)"
    assert (got["accuracy"].estimate, got["accuracy"].low, got["accuracy"].high) == (
        want.estimate,
        want.low,
        want.high,
    )
    assert got["accuracy"].n_missing == len(missing)
    assert got["accuracy"].n_clusters == want.n_clusters
    latency = mean_interval(records.column("latency").to_numpy(), clusters=clusters)
    assert (got["latency"].estimate, got["latency"].low) == (latency.estimate, latency.low)
    assert got["latency"].n_missing == 0
