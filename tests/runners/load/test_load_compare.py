"""``load_compare`` against two real SSE servers on loopback whose TTFT differs by a known shift."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest
from streaming_server import StreamingServer

import assay
from assay.errors import AdapterError, DataError
from assay.runners.load import Price, block_order
from assay.workflows import compare_interleaved, load_compare

POLICY = """name: serving
rules:
  quality:
    - {name: p99 ttft, metric: ttft_p99_ms, kind: threshold, max: 500}
    - {name: attainment, metric: attainment, kind: threshold, min: 0.9}
  cost:
    - {name: no dearer, metric: cost_per_1k_tokens, kind: budget, max_increase: 0}
"""


class FailingServer(StreamingServer):
    """Answers ``good`` requests, then refuses every one (an endpoint dying mid-compare)."""

    good = 30

    async def _handle(self, request):  # type: ignore[no-untyped-def]
        self.good -= 1
        if self.good < 0:
            self.mode = "refuse"
        return await super()._handle(request)


def test_abba_and_seeded_random_block_orders() -> None:
    assert block_order(4) == [
        ("baseline", "candidate"),
        ("candidate", "baseline"),
        ("candidate", "baseline"),
        ("baseline", "candidate"),
    ]
    assert block_order(9, design="random", rng=3) == block_order(9, design="random", rng=3)
    assert len(set(block_order(40, design="random", rng=1))) == 2


@pytest.fixture(scope="module")
def compared(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    tmp = tmp_path_factory.mktemp("compare")
    policy = tmp / "policy.yaml"
    policy.write_text(POLICY)
    store = assay.open_store(f"sqlite:///{tmp / 'assay.db'}")
    with (
        StreamingServer(base_s=0.01, ttft_s=0.004, gap_s=0.001, tokens=4, seed=1) as a,
        StreamingServer(base_s=0.02, ttft_s=0.004, gap_s=0.001, tokens=4, seed=2) as b,
    ):
        result = load_compare(
            a.url,
            b.url,
            rates=[50],
            pairs_per_rate=8,
            requests_per_block=30,
            slo=["ttft<=200ms"],
            baseline_price=Price(per_gpu_hour=4.0),
            candidate_price=Price(per_gpu_hour=2.0),
            policy=policy,
            output=tmp / "out",
            record=True,
            store=store,
        )
    return result, store, policy


def test_the_known_shift_is_found_and_the_point_values_match_the_records(compared) -> None:  # type: ignore[no-untyped-def]
    result, store, _ = compared
    c = result.comparison
    p50 = c.result("ttft_p50_ms")
    # the candidate's server waits 10 ms longer before its first token
    assert p50.difference.low >= 7.0 and p50.difference.high <= 14.0
    assert p50.difference.low <= p50.difference.estimate <= p50.difference.high
    for arm, run in (("baseline", c.baseline_run), ("candidate", c.candidate_run)):
        ttft = store.runs.records(run).column("ttft_ms").to_numpy(zero_copy_only=False)
        assert len(ttft) == 8 * 30  # every request is a record
        iv = getattr(p50, arm)
        assert iv.estimate == pytest.approx(np.percentile(ttft, 50, method="inverted_cdf"))
    assert c.errors["candidate"].records == 240 and c.errors["candidate"].errors == 0
    assert c.result("attainment").candidate.estimate == 1.0


def test_the_policy_judges_and_the_decision_is_in_the_ledger(compared) -> None:  # type: ignore[no-untyped-def]
    result, store, _ = compared
    rules = {r.rule: r.outcome for r in result.verdict.rules}
    assert rules["no dearer"] == "pass"  # half the price per GPU-hour at the same rate
    assert rules["p99 ttft"] == "inconclusive"  # 240 requests < 368 for a p99 interval
    assert result.verdict.verdict.value == "INCONCLUSIVE"
    assert result.decision_created and result.decision_id
    assert store.decisions.get(result.decision_id).verdict == result.verdict.verdict
    html = result.files["report_html"].read_text()
    assert "Latency and throughput" in html and "<svg" in html and "ttft_p99_ms" in html
    assert "| baseline | 50 |" in result.files["report_md"].read_text()


def test_the_stored_runs_compare_like_any_other_runs(compared) -> None:  # type: ignore[no-untyped-def]
    result, store, _ = compared
    c = assay.compare_runs(
        result.comparison.baseline_run, result.comparison.candidate_run, store=store
    )
    ttft = c.result("ttft_ms")
    assert c.coverage.shared == 240 and ttft.n_clusters == 8  # clustered by block pair
    assert 7.0 <= ttft.difference.estimate <= 14.0


def test_unequal_workloads_are_refused(compared) -> None:  # type: ignore[no-untyped-def]
    result = compared[0].interleaved
    blocks = list(result.blocks)
    shorter = dataclasses.replace(blocks[0], timings=blocks[0].timings[:-1])
    with pytest.raises(DataError, match="Unequal workloads in block pair 0"):
        compare_interleaved(dataclasses.replace(result, blocks=(shorter, *blocks[1:])))
    t = blocks[0].timings
    moved = dataclasses.replace(t[3], scheduled_s=t[3].scheduled_s + 0.5)
    shifted = dataclasses.replace(blocks[0], timings=(*t[:3], moved, *t[4:]))
    with pytest.raises(DataError, match="request 3 was scheduled"):
        compare_interleaved(dataclasses.replace(result, blocks=(shifted, *blocks[1:])))
    with pytest.raises(DataError, match="candidate arm has blocks"):
        compare_interleaved(dataclasses.replace(result, blocks=tuple(blocks[:-1])))


def test_an_endpoint_failing_mid_compare_stops_it_and_stores_nothing(tmp_path: Path) -> None:
    store = assay.open_store(f"sqlite:///{tmp_path / 'assay.db'}")
    match = r"candidate endpoint .* failed every request of block pair \d+ \(http_503"
    with (
        StreamingServer(base_s=0.005, tokens=2) as a,
        FailingServer(base_s=0.005, tokens=2) as b,
        pytest.raises(AdapterError, match=match),
    ):
        load_compare(
            a.url, b.url, rates=[100], pairs_per_rate=8, requests_per_block=20, store=store
        )
    assert len(assay.list_runs(store=store)) == 0


def test_bad_settings_are_refused_before_sending() -> None:
    from assay.errors import ConfigError

    with pytest.raises(ConfigError, match="per-request objectives"):
        load_compare("http://127.0.0.1:9/v1", "http://127.0.0.1:9/v1", slo=["ttft_p99<=1s"])
    with pytest.raises(ConfigError, match="price for both arms"):
        load_compare(
            "http://127.0.0.1:9/v1", "http://127.0.0.1:9/v1", baseline_price=Price(per_gpu_hour=1.0)
        )
    with pytest.raises(ConfigError, match="at least 8 block pairs per rate; got 7"):
        load_compare("http://127.0.0.1:9/v1", "http://127.0.0.1:9/v1", pairs_per_rate=7)
    with pytest.raises(ConfigError, match="needs a policy"):
        load_compare("http://127.0.0.1:9/v1", "http://127.0.0.1:9/v1", record=True)


@pytest.mark.slow
def test_difference_intervals_cover_the_known_shift_over_seeded_repetitions() -> None:
    # both servers draw TTFT = base + Exponential(mean 4 ms); the candidate's base is 10 ms
    # later, so the true difference of every TTFT percentile is 10 ms
    import asyncio

    from assay.runners.load import run_interleaved

    reps, hits = 12, {"ttft_p50_ms": 0, "ttft_p95_ms": 0}
    for seed in range(reps):
        with (
            StreamingServer(base_s=0.005, ttft_s=0.004, tokens=2, seed=seed) as a,
            StreamingServer(base_s=0.015, ttft_s=0.004, tokens=2, seed=seed + 100) as b,
        ):
            urls = {"baseline": a.url, "candidate": b.url}
            result = asyncio.run(
                run_interleaved(urls, ["hi"], rates=[100], requests_per_block=25, rng=seed)
            )
        comparison, _ = compare_interleaved(result, seed=seed)
        for metric in hits:
            d = comparison.result(metric).difference
            hits[metric] += d.low <= 10.0 <= d.high
    assert all(h >= 9 for h in hits.values()), hits
