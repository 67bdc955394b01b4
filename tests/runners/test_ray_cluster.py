"""The Ray backend on a real two-node cluster started with ``ray start``: records equal to the
local runner's, a worker killed mid-shard, one rate limit for the cluster, Ray Data comparisons.

The cluster (a head and one worker node, one CPU each) is started once for the module and
stopped at its end, failure or not, by ending its own processes only.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from importlib.util import find_spec
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest
from ray_cluster_kit import (
    assert_same_records,
    model,
    processes_of,
    prompts,
    run_with_a_kill,
    started_cluster,
)

from assay.compare import compare_records
from assay.errors import AdapterError, ConfigError
from assay.runners import (
    CallableAdapter,
    compare_records_ray,
    evaluate_suite,
    evaluate_suite_ray,
)
from assay.testing import (
    FakeOpenAI,
    LocalRayCluster,
    comparison_suite,
    paired_records,
    run_info,
    synthetic_suite,
)

pytestmark = pytest.mark.skipif(
    find_spec("ray") is None, reason="needs ray (pip install 'assay[ray]')"
)
slow = pytest.mark.slow


@pytest.fixture(scope="module")
def cluster() -> Iterator[LocalRayCluster]:
    yield from started_cluster()


class SessionNoting:
    """Answers as the fake model would, and notes the Ray session of the process asking."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def __call__(self, question: str) -> str:
        with open(self.folder / f"{os.getpid()}.sid", "w") as f:
            f.write(str(os.getsid(0)))
        i = int(question.rsplit(" ", 1)[-1])
        if i % 11 == 0:
            raise ValueError(f"no answer to {question!r}")
        return f"answer {i}" if i % 3 else "?"


@slow
def test_shards_on_two_nodes_give_the_local_records(cluster, tmp_path):
    data = synthetic_suite(400, seed=21)
    adapter = CallableAdapter(SessionNoting(tmp_path))
    local = evaluate_suite(data, adapter, batch_size=16, samples=2)
    for f in tmp_path.glob("*.sid"):
        f.unlink()
    remote = evaluate_suite_ray(
        data, adapter, batch_size=16, samples=2, num_shards=8, ray_address=cluster.address
    )
    assert_same_records(local, remote)
    assert remote.num_rows == 800 and remote.column("error").null_count < 800
    sessions = {int(f.read_text()) for f in tmp_path.glob("*.sid")}
    assert sessions == set(cluster.sessions)  # both nodes evaluated shards


@slow
def test_a_worker_killed_mid_shard_is_retried_and_nothing_is_lost_or_asked_again(cluster, tmp_path):
    data = synthetic_suite(80, seed=22)
    with FakeOpenAI(delay_s=0.05) as server:
        local = evaluate_suite(data, model(server, concurrency=2))
        server.reset()
        killer, remote = run_with_a_kill(
            cluster, server, data, tmp_path / "cache", retries=3, after=30
        )
        asked = prompts(server)
    assert killer.killed is not None, "no shard was running on the worker node"
    with pytest.raises(ProcessLookupError):
        os.kill(killer.killed, 0)  # the process that ran the shard is gone ...
    assert_same_records(local, remote)  # ... and every record is there, once, as a local run's
    inputs = [str(v) for v in data.examples.column("input").to_pylist()]
    assert set(asked) == {s.strip('"') for s in inputs}
    again = sorted(p for p, n in asked.items() if n > 1)
    # only requests in flight (concurrency 2) or answered since the cache's last commit (every 50
    # ms; 4 answers allow for a late commit) are asked again; the dozen or so answers the
    # killed shard had before are read from the cache
    assert sum(asked.values()) - 80 <= 2 + 4, (killer.asked_before, again)
    # and all of them in one shard, the killed one: the other shard asked each request once
    halves = [{s.strip('"') for s in inputs[:40]}, {s.strip('"') for s in inputs[40:]}]
    assert all(p in halves[0] for p in again) or all(p in halves[1] for p in again)


@slow
def test_a_shard_that_cannot_complete_is_named_and_nothing_is_returned(cluster, tmp_path):
    data = synthetic_suite(80, seed=23)
    with FakeOpenAI(delay_s=0.05) as server, pytest.raises(AdapterError) as caught:
        run_with_a_kill(cluster, server, data, tmp_path / "cache", retries=0, after=10)
    message = str(caught.value)
    assert "could not complete shard" in message and "of 2 (examples" in message
    assert "it was tried once and its worker was lost" in message


@slow
def test_a_worker_node_that_dies_mid_shard_loses_nothing(tmp_path):
    data = synthetic_suite(80, seed=26)
    with LocalRayCluster(workers=1, cpus=1) as own, FakeOpenAI(delay_s=0.05) as server:
        local = evaluate_suite(data, model(server, concurrency=2))
        server.reset()
        killer, remote = run_with_a_kill(
            own, server, data, tmp_path / "cache", retries=3, after=30, node=True
        )
        asked = prompts(server)
        alive = processes_of({own.sessions[1]})
    assert killer.killed is not None and alive == []  # the whole worker node is gone
    assert_same_records(local, remote)  # the head ran its shard again, from the cache
    assert sum(asked.values()) - 80 <= 2 + 4, killer.asked_before


# Ray Data leaves its per-dataset log file for the garbage collector to close
@slow
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
def test_comparison_with_ray_data_equals_the_in_memory_one(cluster):
    metrics = ("accuracy", "score", "label_f1")
    data = comparison_suite(900, metrics=metrics, aggregates={"label_f1": "macro_f1"}, seed=25)
    base = paired_records(data, 0, error_rate=0.03)
    cand = paired_records(data, 1, shift=0.3, label_accuracy=0.8)
    shards = [[t.slice(i, 150) for i in range(0, t.num_rows, 150)] for t in (base, cand)]
    options: dict[str, Any] = {"resamples": 300, "rng": 7}
    memory = compare_records(
        run_info(data, "base"),
        base,
        run_info(data, "cand"),
        cand,
        data.suite,
        resampling="poisson",
        **options,
    )
    ray_data = compare_records_ray(
        run_info(data, "base"),
        shards[0][::-1],  # shards in any order: Ray Data sorts them
        run_info(data, "cand"),
        shards[1][2:] + shards[1][:2],
        data.suite,
        ray_address=cluster.address,
        chunk_rows=200,
        **options,
    )
    rows = {(r.metric, r.slice_attribute, r.slice_value): r for r in memory.results}
    mine = {(r.metric, r.slice_attribute, r.slice_value): r for r in ray_data.results}
    assert set(rows) - set(mine) == {("latency_p50", None, None), ("latency_p95", None, None)}
    for key, row in mine.items():
        other = rows[key]
        assert (row.n, row.test, row.resamples) == (other.n, other.test, other.resamples)
        for part in ("baseline", "candidate", "difference"):
            a, b = getattr(row, part), getattr(other, part)
            assert (a.estimate, a.low, a.high) == pytest.approx((b.estimate, b.low, b.high))
        assert row.p_value == pytest.approx(other.p_value, rel=1e-12, abs=1e-15)
    assert ray_data.flip_counts == memory.flip_counts and ray_data.flips == memory.flips
    assert ray_data.coverage == memory.coverage and ray_data.errors == memory.errors


def test_retries_and_the_records_to_compare_are_checked_before_ray_starts():
    data = synthetic_suite(4, seed=7)
    with pytest.raises(ConfigError, match="'retries' parameter of evaluate_suite_ray"):
        evaluate_suite_ray(data, CallableAdapter(str.upper), retries=-1)
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
