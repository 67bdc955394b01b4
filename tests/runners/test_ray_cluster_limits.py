"""The Ray backend on a real two-node cluster: one rate limit of requests, and one of tokens,
for the whole cluster (arrival times and token counts at a loopback server), and a run whose
shard cannot complete left out of a real store.

The cluster is started once for the module and stopped at its end, failure or not.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from importlib.util import find_spec

import numpy as np
import pyarrow.compute as pc
import pytest
from ray_cluster_kit import run_with_a_kill, started_cluster

import assay
from assay.errors import AdapterError
from assay.runners import (
    OpenAIAdapter,
    evaluate_suite_ray,
)
from assay.testing import (
    FakeOpenAI,
    LocalRayCluster,
    synthetic_suite,
    word_count,
)

pytestmark = pytest.mark.skipif(
    find_spec("ray") is None, reason="needs ray (pip install 'assay[ray]')"
)
slow = pytest.mark.slow


@pytest.fixture(scope="module")
def cluster() -> Iterator[LocalRayCluster]:
    yield from started_cluster()


@slow
def test_a_run_whose_shard_cannot_complete_is_not_stored(cluster, tmp_path):
    data = synthetic_suite(80, seed=27)
    with assay.open_store(f"sqlite:///{tmp_path / 'assay.db'}") as store:
        registered = assay.register_suite(data, store=store)
        with FakeOpenAI(delay_s=0.05) as server, pytest.raises(AdapterError) as caught:
            run_with_a_kill(
                cluster, server, registered, tmp_path / "cache", retries=0, after=10, store=store
            )
        assert "could not complete shard" in str(caught.value)
        assert store.runs.list() == []  # no run, not even one with the shards that finished
        assert not list((tmp_path / "records").rglob("*.parquet"))  # and no record file


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
def test_one_token_limit_holds_across_the_cluster(cluster):
    rate = 40.0  # tokens per second: 2,400 per minute, a bucket of 40
    n = 60
    data = synthetic_suite(n, seed=28)
    adapter = OpenAIAdapter("fake-model", base_url="", concurrency=4, tokens_per_minute=60 * rate)
    with FakeOpenAI() as server:
        adapter.base_url = server.url.rstrip("/")
        records = evaluate_suite_ray(data, adapter, num_shards=2, ray_address=cluster.address)
        times, bodies = np.array(server.times), list(server.bodies)
    assert records.column("error").null_count == n and len(times) == n
    prompts = [b["messages"][-1]["content"] for b in bodies]
    # the fake server's tokens: the prompt's words, and as many in the reply (its upper case)
    used = np.array([2 * word_count(p) for p in prompts], dtype=float)
    recorded = (
        pc.sum(records.column("tokens_in")).as_py() + pc.sum(records.column("tokens_out")).as_py()
    )
    assert recorded == used.sum()  # the records count what the server counted
    order = np.argsort(times, kind="stable")
    times, used = times[order], used[order]
    # each request takes its guess (the request's characters / 4 + 1) from the bucket before
    # it is sent and gives back what the reply shows it did not use: requests in flight (2
    # shards x 4) may hold their whole guess, so a window holds at most the bucket, w seconds
    # of refill, what those requests over-guessed, and 2 requests arriving a little late
    guesses = [len(json.dumps(b["messages"])) // 4 + 1 for b in bodies]
    in_flight = 2 * 4 * max(g - u for g, u in zip(guesses, used, strict=True))
    cumulative = np.concatenate([[0.0], np.cumsum(used)])
    for w in (0.5, 1.0, 2.0, 4.0):
        ends = np.searchsorted(times, times + w, side="left")
        busiest = float((cumulative[ends] - cumulative[:-1]).max())
        assert busiest <= rate + rate * w + in_flight + 2 * used.max(), (w, busiest)
    # one bucket for the cluster: every token but the first bucket's waits for its refill,
    # (sum - 40) / 40 seconds; with a bucket per shard it would take half of it
    assert times[-1] - times[0] >= (used.sum() - rate) / rate * 0.9
