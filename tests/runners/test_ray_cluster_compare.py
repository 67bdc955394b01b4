"""compare_records_ray on a real two-node cluster started with ``ray start``: every range of
example ids accumulated on a worker, merged on the driver, equal to the in-memory Poisson
comparison and to one streaming pass over hostile shards.

The cluster (a head and one worker node, one CPU each) is started once for the module and
stopped at its end, failure or not, by ending its own processes only.
"""

from __future__ import annotations

from collections.abc import Iterator
from importlib.util import find_spec
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pytest
from ray_cluster_kit import started_cluster

from assay.compare import compare_record_streams, compare_records
from assay.core import Comparison
from assay.errors import ConfigError
from assay.runners import compare_records_ray
from assay.testing import LocalRayCluster, comparison_suite, paired_records, run_info

pytestmark = [
    pytest.mark.skipif(find_spec("ray") is None, reason="needs ray (pip install 'assay[ray]')"),
    # Ray Data leaves its per-dataset log file for the garbage collector to close
    pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning"),
]
slow = pytest.mark.slow
AGGREGATES = {"label_f1": "macro_f1", "label_mcc": "mcc"}
SLICES = {"lang": ("de", "en", "es", "fr", "it", "ja", "pt"), "tier": ("free", "paid")}
OPTIONS: dict[str, Any] = {"resamples": 300, "rng": 7, "max_flips": 6}


@pytest.fixture(scope="module")
def cluster() -> Iterator[LocalRayCluster]:
    yield from started_cluster()


def _rows(c: Comparison) -> dict[tuple[Any, ...], dict[str, Any]]:
    return {(r.metric, r.slice_attribute, r.slice_value): r.model_dump() for r in c.results}


def _same(mine: Comparison, theirs: Comparison, streamed: bool) -> None:
    """Row by row: counts and categories to the bit, sums of scores to rounding."""
    a, b = _rows(mine), _rows(theirs)
    latency = {("latency_p50", None, None), ("latency_p95", None, None)}
    assert set(b) - set(a) == (set() if streamed else latency) and set(a) <= set(b)
    for key, row in a.items():
        other = b[key]
        if row["test"] != "paired t":
            assert row == other, key
            continue
        for part in ("baseline", "candidate", "difference"):
            for field in ("estimate", "low", "high"):
                assert row[part][field] == pytest.approx(other[part][field], rel=1e-12, abs=1e-15)
        assert row["p_value"] == pytest.approx(other["p_value"], rel=1e-12, abs=1e-15)
        assert (row["n"], row["notes"]) == (other["n"], other["notes"])
    assert mine.flip_counts == theirs.flip_counts and mine.flips == theirs.flips
    assert mine.coverage == theirs.coverage and mine.errors == theirs.errors


def _hostile(labels: bool, seed: int) -> tuple[Any, pa.Table, pa.Table, list[list[pa.Table]]]:
    """Records with errors, examples only in one run, slice values as plain strings (each
    range numbers them as it meets them), and (without label metrics) repeated samples; the
    shards shuffled and uneven, an example's samples spread over several of them."""
    metrics = ("accuracy", "score", "label_f1", "label_mcc") if labels else ("accuracy", "score")
    data = comparison_suite(
        500, metrics=metrics, aggregates=AGGREGATES if labels else None, slices=SLICES, seed=seed
    )
    base = paired_records(data, seed, samples=1 if labels else 3, error_rate=0.06)
    cand = paired_records(data, seed + 1, samples=1 if labels else 2, shift=0.3, error_rate=0.1)
    base = base.filter(pc.less(base.column("example_id"), "ex-000450"))
    cand = cand.filter(pc.greater_equal(cand.column("example_id"), "ex-000040"))
    rng = np.random.default_rng(seed)
    runs, shards = [], []
    for table in (base, cand):
        for name in ("lang", "tier"):
            i = table.column_names.index(name)
            table = table.set_column(i, name, table.column(name).cast(pa.string()))
        runs.append(table)
        mixed = table.take(pa.array(rng.permutation(table.num_rows)))
        cuts = sorted(rng.integers(0, mixed.num_rows, size=6).tolist())
        edges = zip([0, *cuts], [*cuts, mixed.num_rows], strict=True)
        shards.append([mixed.slice(a, b - a) for a, b in edges])
    return data, runs[0], runs[1], shards


@slow
@pytest.mark.parametrize("labels", [True, False], ids=["labels", "repeats"])
def test_ranges_accumulated_on_the_workers_equal_one_pass(cluster, labels):
    data, base, cand, shards = _hostile(labels, seed=31 if labels else 32)
    infos = run_info(data, "base"), run_info(data, "cand")
    ray_data = compare_records_ray(
        infos[0],
        shards[0],
        infos[1],
        shards[1],
        data.suite,
        ray_address=cluster.address,
        chunk_rows=41,
        partitions=6,
        **OPTIONS,
    )
    memory = compare_records(
        infos[0], base, infos[1], cand, data.suite, resampling="poisson", **OPTIONS
    )
    one_pass = compare_record_streams(
        infos[0], [base], infos[1], [cand], data.suite, chunk_rows=41, sort=True, **OPTIONS
    )
    _same(ray_data, memory, streamed=False)
    _same(ray_data, one_pass, streamed=True)
    assert ray_data.methods[1:] == one_pass.methods[1:]
    assert ray_data.flips and ray_data.coverage.baseline_only and ray_data.coverage.candidate_only
    assert any(r.slice_value == "ja" for r in ray_data.results)


@slow
def test_comparison_with_ray_data_equals_the_in_memory_one(cluster):
    metrics = ("accuracy", "score", "label_f1")
    data = comparison_suite(900, metrics=metrics, aggregates={"label_f1": "macro_f1"}, seed=25)
    base = paired_records(data, 0, error_rate=0.03)
    cand = paired_records(data, 1, shift=0.3, label_accuracy=0.8)
    shards = [[t.slice(i, 150) for i in range(0, t.num_rows, 150)] for t in (base, cand)]
    infos = run_info(data, "base"), run_info(data, "cand")
    options: dict[str, Any] = {"resamples": 300, "rng": 7}
    memory = compare_records(
        infos[0], base, infos[1], cand, data.suite, resampling="poisson", **options
    )
    ray_data = compare_records_ray(
        infos[0],
        shards[0][::-1],  # shards in any order: the workers sort each range
        infos[1],
        shards[1][2:] + shards[1][:2],
        data.suite,
        ray_address=cluster.address,
        chunk_rows=200,  # five ranges of about 200 records of each run
        **options,
    )
    _same(ray_data, memory, streamed=False)


@slow
def test_a_refusal_met_on_a_worker_is_raised_to_the_caller(cluster):
    data = comparison_suite(60, cluster_size=3, seed=4)
    base, cand = paired_records(data, 0), paired_records(data, 1)
    with pytest.raises(ConfigError, match="baseline's records have clusters"):
        compare_records_ray(
            run_info(data, "base"),
            [base],
            run_info(data, "cand"),
            [cand],
            data.suite,
            ray_address=cluster.address,
            partitions=3,
        )


def test_the_records_and_options_are_checked_before_ray_starts():
    data = comparison_suite(4, seed=7)
    info = run_info(data, "base")
    table = pa.table({"example_id": ["a"]})
    for bad in (None, "records.parquet", [table, {"example_id": "b"}], 3):
        with pytest.raises(
            ConfigError, match="'baseline_records' parameter of compare_records_ray"
        ):
            compare_records_ray(info, bad, info, [table], data.suite)
    with pytest.raises(ConfigError, match="'candidate_records' parameter of compare_records_ray"):
        compare_records_ray(info, iter([table]), info, [[table]], data.suite)
    with pytest.raises(ConfigError, match="'chunk_rows' parameter of compare_records_ray"):
        compare_records_ray(info, [table], info, [table], data.suite, chunk_rows=0)
    with pytest.raises(ConfigError, match="'partitions' parameter of compare_records_ray"):
        compare_records_ray(info, [table], info, [table], data.suite, partitions=0)
    with pytest.raises(ConfigError, match="'resamples' parameter of compare_records_ray"):
        compare_records_ray(info, [table], info, [table], data.suite, resamples=0)
