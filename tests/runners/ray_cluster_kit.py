"""Helpers of the tests that run the Ray backend on a real two-node cluster
(``LocalRayCluster``): its processes and sockets, records compared, a shard's worker killed."""

from __future__ import annotations

import os
import signal
import threading
import time
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

import assay
from assay.runners import OpenAIAdapter, evaluate_suite_ray
from assay.testing import FakeOpenAI, LocalRayCluster

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


def assert_loopback_only(cluster: LocalRayCluster) -> None:
    """Every socket a process of the cluster listens on is bound to 127.0.0.1."""
    sockets = cluster.listening()
    assert sockets  # GCS, raylets, agents (and workers, once tasks ran)
    outside = [s for s in sockets if s[1] not in ("127.0.0.1", "::ffff:127.0.0.1")]
    assert outside == [], outside


def started_cluster() -> Iterator[LocalRayCluster]:
    """A head and one worker node, one CPU each, listening on loopback only; every process of
    the cluster has ended when the generator is closed."""
    with LocalRayCluster(workers=1, cpus=1) as running:
        sessions = set(running.sessions)
        assert len(sessions) == 2 and processes_of(sessions)
        assert_loopback_only(running)
        yield running
        assert_loopback_only(running)  # the workers that ran tasks too
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


def run_with_a_kill(cluster, server, data, cache, retries, after, node=False, store=None):
    killer = Killer(cluster, server, after, node)
    killer.thread.start()
    try:
        if store is not None:  # through assay.evaluate, which stores the run
            logged = assay.evaluate(
                model(server, concurrency=2),
                suite=data,
                model="bot@1",
                store=store,
                cache_dir=cache,
                backend="ray",
                ray_address=cluster.address,
                ray_retries=retries,
            )
            return killer, logged
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
