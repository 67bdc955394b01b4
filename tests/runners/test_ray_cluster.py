"""The Ray backend on a real two-node cluster started with ``ray start``: records equal to the
local runner's, a worker killed mid-shard, one rate limit for the cluster, Ray Data comparisons.

The cluster (a head and one worker node, one CPU each) is started once for the module and
stopped at its end, failure or not, by ending its own processes only.
"""

from __future__ import annotations

import os
import signal
import threading
import time
from collections import Counter
from collections.abc import Iterator
from importlib.util import find_spec
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pytest

from assay.compare import compare_records
from assay.errors import AdapterError, ConfigError
from assay.runners import (
    CallableAdapter,
    OpenAIAdapter,
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

SHARD_TASK = "evaluate_shard"


def processes_of(sessions: set[int]) -> list[int]:
    """Live (not zombie) processes of the given sessions."""
    out = []
    for entry in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{entry}/stat", "rb") as f:
                zombie = f.read().rsplit(b")", 1)[1].split()[0] == b"Z"
            if os.getsid(int(entry)) in sessions and not zombie:
                out.append(int(entry))
        except OSError:
            continue
    return out


@pytest.fixture(scope="module")
def cluster() -> Iterator[LocalRayCluster]:
    with LocalRayCluster(workers=1, cpus=1) as running:
        sessions = set(running.sessions)
        assert len(sessions) == 2 and processes_of(sessions)
        yield running
    assert processes_of(sessions) == []  # every process of the cluster ended


def nan_as_null(column: pa.ChunkedArray) -> pa.ChunkedArray:
    if pa.types.is_floating(column.type):
        return pc.if_else(pc.is_nan(column), pa.scalar(None, column.type), column)
    return column


def assert_same_records(local: pa.Table, remote: pa.Table) -> None:
    assert remote.schema == local.schema
    assert remote.num_rows == local.num_rows
    for name in local.column_names:
        if name != "latency_ms":
            assert nan_as_null(remote.column(name)).equals(nan_as_null(local.column(name))), name


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


def model(server: FakeOpenAI, **options: Any) -> OpenAIAdapter:
    return OpenAIAdapter("fake-model", base_url=server.url, max_retries=0, **options)


def prompts(server: FakeOpenAI) -> Counter[str]:
    return Counter(b["messages"][-1]["content"] for b in server.bodies)


class Killer:
    """Kills the process running a shard on the worker node once it is well into its shard."""

    def __init__(
        self, cluster: LocalRayCluster, server: FakeOpenAI, after: int, node: bool = False
    ) -> None:
        self.cluster, self.server, self.after, self.node = cluster, server, after, node
        self.killed: int | None = None
        self.asked_before = 0
        self.thread = threading.Thread(target=self.run, daemon=True)

    def run(self) -> None:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            pids = self.cluster.task_pids(SHARD_TASK, node=0)
            if pids and self.server.requests >= self.after:
                self.asked_before = self.server.requests
                if self.node:
                    self.cluster.kill_worker(0)
                else:
                    os.kill(pids[0], signal.SIGKILL)
                self.killed = pids[0]
                return
            time.sleep(0.02)


def run_with_a_kill(cluster, server, data, cache, retries, after, node=False):
    killer = Killer(cluster, server, after, node)
    killer.thread.start()
    try:
        return killer, evaluate_suite_ray(
            data,
            model(server, concurrency=2),
            num_shards=2,
            retries=retries,
            cache_dir=cache,
            ray_address=cluster.address,
        )
    finally:
        killer.thread.join(130)


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
def test_one_rate_limit_holds_across_the_cluster(cluster):
    rate = 10.0  # requests per second: 600 per minute, a bucket of 10
    n = 70
    data = synthetic_suite(n, seed=24)
    adapter = OpenAIAdapter("fake-model", base_url="", concurrency=4, requests_per_minute=60 * rate)
    with FakeOpenAI() as server:
        adapter.base_url = server.url.rstrip("/")
        records = evaluate_suite_ray(data, adapter, num_shards=2, ray_address=cluster.address)
        times = np.sort(np.array(server.times))
    assert records.column("error").null_count == n and len(times) == n
    # any window of w seconds holds at most the bucket (10) plus w seconds of refill; the
    # tolerance (2 requests) covers requests that leave on time and arrive a little late
    for w in (0.5, 1.0, 2.0, 4.0):
        ends = np.searchsorted(times, times + w, side="left")
        busiest = int((ends - np.arange(n)).max())
        assert busiest <= 10 + rate * w + 2, (w, busiest)
    # one bucket for the cluster: the run takes (n - 10) / rate seconds, not half of it
    assert times[-1] - times[0] >= (n - 10) / rate * 0.9


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
