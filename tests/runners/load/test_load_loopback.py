"""The load generator against a real SSE server on loopback with known timing."""

from __future__ import annotations

import asyncio
import gc

import numpy as np
import pytest
from scipy import stats
from streaming_server import StreamingServer

from assay.runners.load import run_load, summarise_load


def test_streamed_timings_match_the_servers_known_gaps() -> None:
    with StreamingServer(base_s=0.05, gap_s=0.02, tokens=6) as server:
        result = asyncio.run(run_load(server.url, ["hi"], rate=20, requests=10, arrival="constant"))
    assert len(result.timings) == 10 and all(t.ok for t in result.timings)
    for t in result.timings:
        assert t.output_tokens == 6 and t.tokens_from == "usage" and t.input_tokens == 3
        assert 0.05 <= t.ttft_s < 0.12  # type: ignore[operator]
        assert t.tpot_excl_first_s == pytest.approx((t.chunk_times_s[-1] - t.chunk_times_s[0]) / 5)
        assert 0.018 < t.tpot_excl_first_s < 0.04  # type: ignore[operator]
        assert t.e2e_s == pytest.approx(t.ttft_s + 5 * t.tpot_excl_first_s)  # type: ignore[operator]
    summary = summarise_load(result.measured)
    assert summary.n_ok == 10 and summary.errors_by_kind == {}
    assert summary.metrics["output_tokens_per_s"].estimate > 0


def test_without_streaming_only_end_to_end_is_measured() -> None:
    with StreamingServer(base_s=0.01, tokens=3) as server:
        result = asyncio.run(run_load(server.url, ["hi"], concurrency=2, requests=6, stream=False))
    summary = summarise_load(result.measured)
    assert "ttft" in summary.unmeasured and "e2e_p50_ms" in summary.metrics
    assert all(t.ttft_s is None and t.e2e_s is not None for t in result.timings)


@pytest.mark.parametrize(
    ("mode", "kind"),
    [("refuse", "http_503"), ("truncate", "stream_truncated"), ("malformed", "malformed_sse")],
)
def test_bad_endpoints_become_error_records(mode: str, kind: str) -> None:
    with StreamingServer(mode=mode, tokens=5) as server:
        result = asyncio.run(run_load(server.url, ["hi"], concurrency=2, requests=4))
    assert [t.error for t in result.timings] == [kind] * 4
    summary = summarise_load(result.measured)
    assert summary.errors_by_kind == {kind: 4} and summary.metrics["error_rate"].estimate == 1.0


def test_a_stalled_endpoint_times_out() -> None:
    with StreamingServer(mode="stall") as server:
        result = asyncio.run(run_load(server.url, ["hi"], concurrency=2, requests=2, timeout_s=0.3))
    assert [t.error for t in result.timings] == ["timeout", "timeout"]


def test_a_refused_connection_is_an_error_record() -> None:
    sock = __import__("socket").socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    url = f"http://127.0.0.1:{port}/v1/chat/completions"
    result = asyncio.run(run_load(url, ["hi"], concurrency=1, requests=2))
    assert [t.error for t in result.timings] == ["connect", "connect"]


def test_no_usage_counts_chunks_and_says_so() -> None:
    with StreamingServer(mode="no_usage", tokens=4) as server:
        result = asyncio.run(run_load(server.url, ["hi"], concurrency=1, requests=3))
    assert all(t.tokens_from == "chunks" and t.output_tokens == 4 for t in result.timings)
    assert "no usage" in summarise_load(result.measured).notes[0]


def test_warmup_and_cooldown_are_kept_but_not_measured() -> None:
    with StreamingServer() as server:
        result = asyncio.run(
            run_load(server.url, ["hi"], concurrency=2, requests=10, warmup=2, cooldown=3)
        )
    assert result.phases.count("measured") == 5 and len(result.measured) == 5


@pytest.mark.slow
def test_achieved_arrivals_match_the_poisson_schedule() -> None:
    # 40 req/s: gaps of 25 ms on average, so a few ms of client lag on a shared 2-core machine
    # (measured p99 13 ms at 200 req/s with the server in the same process) do not swamp them
    rate = 40.0
    with StreamingServer(base_s=0.005, tokens=2) as server:
        result = asyncio.run(run_load(server.url, ["hi"], rate=rate, requests=200, rng=4))
    # given their number, the times of a Poisson process are uniform over its span; unlike
    # gaps of a few ms, that test is not swamped by the client's ms of lag
    sends = np.sort([t.sent_s for t in result.timings])
    span = sends[-1] - sends[0]
    assert stats.kstest((sends[1:-1] - sends[0]) / span, "uniform").pvalue > 0.01
    summary = summarise_load(result.measured, target_rate=rate)
    assert summary.valid and abs(summary.achieved_rate - rate) / rate < 0.1  # type: ignore[operator]
    lags = [t.client_lag_s for t in result.timings]
    assert np.percentile(lags, 50) < 0.01


def test_no_request_is_sent_before_its_scheduled_time_on_uvloop() -> None:
    # uvloop's timers have millisecond resolution and may wake early: the sender waits out
    # the rest, so the client lag is never negative
    from assay.runners.load import run_blocking

    with StreamingServer(base_s=0.001, gap_s=0.0, tokens=2) as server:
        result = run_blocking(run_load(server.url, ["hi"], rate=400, requests=300, rng=5))
    assert len(result.timings) == 300
    assert min(t.client_lag_s for t in result.timings) >= 0


def test_a_connection_is_kept_alive_when_the_body_ends_after_done() -> None:
    # the end of the chunked body comes after [DONE]: the client reads it, so the connection
    # goes back to the pool rather than being closed and opened anew for the next request
    with StreamingServer(tokens=3, linger_s=0.005) as server:
        result = asyncio.run(run_load(server.url, ["hi"], concurrency=1, requests=8))
    assert len(result.timings) == 8 and all(t.ok for t in result.timings)
    assert len(server.peers) == 1


def test_objects_that_exist_before_the_load_are_frozen_while_it_runs_and_given_back() -> None:
    """A full garbage collection pauses the sender (tens of milliseconds in a process holding
    numpy and pyarrow): the load's run leaves earlier objects out of collections, then returns
    them, and leaves a freeze made by someone else as it was."""

    async def observed(url: str) -> list[int]:
        seen: list[int] = []

        async def probe() -> None:
            while True:
                seen.append(gc.get_freeze_count())
                await asyncio.sleep(0.002)

        task = asyncio.create_task(probe())
        await run_load(url, ["hi"], rate=50, requests=5, arrival="constant")
        task.cancel()
        return seen

    gc.unfreeze()
    assert gc.get_freeze_count() == 0
    with StreamingServer(base_s=0.01, tokens=2) as server:
        during = asyncio.run(observed(server.url))
        assert max(during) > 0 and gc.get_freeze_count() == 0
        gc.freeze()
        try:
            asyncio.run(observed(server.url))
            assert gc.get_freeze_count() > 0  # the other freeze stands (its objects may end)
        finally:
            gc.unfreeze()
