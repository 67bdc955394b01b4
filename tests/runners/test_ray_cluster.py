"""The Ray backend on a real two-node cluster started with ``ray start``: records equal to the
local runner's, a worker killed mid-shard, one rate limit for the cluster (the comparisons with
Ray Data: test_ray_cluster_compare.py).

The cluster (a head and one worker node, one CPU each) is started once for the module and
stopped at its end, failure or not, by ending its own processes only.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from importlib.util import find_spec
from pathlib import Path

import pytest
from ray_cluster_kit import (
    assert_same_records,
    model,
    processes_of,
    prompts,
    run_with_a_kill,
    started_cluster,
)

from assay.errors import AdapterError, ConfigError
from assay.runners import (
    CallableAdapter,
    evaluate_suite,
    evaluate_suite_ray,
)
from assay.testing import (
    FakeOpenAI,
    LocalRayCluster,
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


def test_retries_are_checked_before_ray_starts():
    data = synthetic_suite(4, seed=7)
    with pytest.raises(ConfigError, match="'retries' parameter of evaluate_suite_ray"):
        evaluate_suite_ray(data, CallableAdapter(str.upper), retries=-1)
