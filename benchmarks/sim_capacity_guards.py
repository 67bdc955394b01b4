"""The levels of the steady-state checks of ``assay load capacity``, chosen by seeded simulation.

One command: ``python benchmarks/sim_capacity_guards.py`` (``--seeds 200`` per objective by
default; ``--quick`` for 40).

Every search runs ``search_capacity`` as ``assay load capacity`` does (first looks of 400
requests, at most 3,200, 16 looks, 2 confirming looks, 95% confidence) on an M/M/8 queue with
exponential service of mean 80 ms whose true capacity is known in closed form (Erlang C;
``tests/runners/load/queue_server.py``): 84.7 requests/s for ``ttft_p90<=250ms`` (85%
utilisation) and 89.1 requests/s for ``ttft_p90<=300ms`` (89%, where the queue's memory is
long). Each look is a fresh queue after 200 requests of warm-up; look ``k`` at a rate and size
draws from the seed ``(search seed, rate, size, k)``, so every pair of levels meets the same
looks wherever their searches take the same path.

For each pair (trend level, von Neumann level), over the searches of both objectives:

* false claims: the share of searches whose capacity is above the truth (the search promises
  at most 5%);
* power: the share that claim at least 80% of the truth;
* the median capacity found (as a share of the truth) and the median requests a search sent.

The MSER-5 rule (a truncation past half the look means the latency never settled) is the
same in every row. A level of 0 turns its check off.

Results, 2026-12-06 (``--seeds 200 --workers 3``, 11.6 min on the shared 2-core machine at
load average 14–17), selected rows; the full table and the choice are in
docs/load-compare.md ("How the levels were chosen"):

| trend | von Neumann | above the truth, 250 / 300 ms (of 200) | power (>= 0.8x) | median found / truth | median requests |
|---|---|---|---|---|---|
| 0 | 0 | 6 / 36 | 0.940 | 0.944 | 8,800 |
| 0.05 | 0.02 | 1 / 9 | 0.902 | 0.898 | 9,200 |
| 0.05 | 0.05 (kept) | 0 / 3 | 0.855 | 0.898 | 10,000 |
| 0.10 | 0.10 (before) | 0 / 1 | 0.715 | 0.898 | 11,200 |
| 0.30 | 0.30 | 0 / 0 | 0.135 | 0.449 | 14,400 |
"""

from __future__ import annotations

import argparse
import heapq
import itertools
import multiprocessing
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np
from scipy import stats

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "runners" / "load"))

import assay.runners.load._capacity as capacity_module
from assay.runners.load import RequestTiming, parse_objective, search_capacity, summarise_load
from assay.runners.load._capacity_judge import judge_look
from assay.stats import batch_means_independence, batch_means_trend, mser_truncation

WORKERS, MU, Q, WARMUP = 8, 12.5, 0.9, 200
LEVELS = (0.0, 0.02, 0.05, 0.10, 0.20, 0.30)


def _look(seed: int, rate: float, n: int, k: int) -> list[RequestTiming]:
    gen = np.random.default_rng([seed, round(rate * 1e6), n, k])
    m = n + WARMUP
    arrivals = np.cumsum(gen.exponential(1 / rate, m))
    service = gen.exponential(1 / MU, m)
    free = [0.0] * WORKERS  # first come, first served: the earliest free worker
    out = []
    for i in range(m):
        done = max(heapq.heappop(free), arrivals[i]) + service[i]
        heapq.heappush(free, done)
        if i >= WARMUP:
            a = float(arrivals[i])
            out.append(RequestTiming(a, a, (float(done),), output_tokens=1, end_s=float(done)))
    return out


class _Looks:
    """One search seed's looks, each simulated, summarised and judged once for every level."""

    def __init__(self, seed: int) -> None:
        self.seed = seed
        self.cache: dict[tuple[float, int, int], Any] = {}

    def searcher(self, objectives: list[Any], trend: float, independence: float) -> Any:
        seen: Counter[tuple[float, int]] = Counter()
        by_id: dict[int, Any] = {}

        def probe(rate: float, n: int) -> list[RequestTiming]:
            k = seen[(rate, n)]
            seen[(rate, n)] += 1
            key = (rate, n, k)
            if key not in self.cache:
                self.cache[key] = self._judge(key, objectives)
            entry = self.cache[key]
            by_id[id(entry["timings"][0])] = entry
            return entry["timings"]

        def summarise(timings: list[RequestTiming], **_: Any) -> Any:
            return by_id[id(timings[0])]["summary"]

        def judge(summary: Any, timings: list[RequestTiming], *_: Any, **__: Any) -> Any:
            entry = by_id[id(timings[0])]
            outcome, results = entry["base"]
            if outcome == "met" and (entry["p_trend"] < trend or entry["p_vn"] < independence):
                outcome = "inconclusive"
            return outcome, results

        return probe, summarise, judge

    def _judge(self, key: tuple[float, int, int], objectives: list[Any]) -> dict[str, Any]:
        rate, n, k = key
        timings = _look(self.seed, rate, n, k)
        conf = 1 - 0.05 / 16
        summary = summarise_load(
            timings, objectives=objectives, target_rate=rate, confidence=conf, rng=0
        )
        # levels 0: the outcome with the MSER-5 rule alone; the two checks are applied above
        base = judge_look(
            summary, timings, objectives, confidence=conf, trend_level=0, independence_level=0
        )
        series = [round(t.e2e_from_scheduled_s, 6) for t in timings]  # type: ignore[arg-type]
        kept = series[mser_truncation(series) :]
        trend = batch_means_trend(kept, n_batches=10)
        if trend.se > 0:
            p_trend = float(stats.t.sf(trend.estimate / trend.se, 8))
        else:
            p_trend = 0.0 if trend.estimate > 0 else 1.0
        p_vn = batch_means_independence(kept, n_batches=20).p_value
        return {
            "timings": timings,
            "summary": summary,
            "base": base,
            "p_trend": p_trend,
            "p_vn": p_vn,
        }


def _one(task: tuple[float, int]) -> dict[tuple[float, float], tuple[float, float, int]]:
    """Every pair of levels on one objective and seed: (capacity found, truth, requests)."""
    from queue_server import true_capacity

    limit, seed = task
    truth = true_capacity(WORKERS, MU, limit, Q)
    objectives = [parse_objective(f"ttft_p90<={limit * 1000:g}ms")]
    looks = _Looks(seed)
    out = {}
    original = (capacity_module.summarise_load, capacity_module.judge_look)
    try:
        for trend, independence in itertools.product(LEVELS, LEVELS):
            probe, summarise, judge = looks.searcher(objectives, trend, independence)
            capacity_module.summarise_load = summarise  # type: ignore[assignment]
            capacity_module.judge_look = judge  # type: ignore[assignment]
            r = search_capacity(probe, objectives, start_rate=10, requests=400)
            spent = sum(p.requests for p in r.probes)
            out[(trend, independence)] = (r.capacity or 0.0, truth, spent)
    finally:
        capacity_module.summarise_load, capacity_module.judge_look = original
    return out


def run(seeds: int, workers: int) -> dict[tuple[float, float], list[tuple[float, float, int]]]:
    tasks = [(limit, seed) for limit in (0.25, 0.3) for seed in range(seeds)]
    rows: dict[tuple[float, float], list[tuple[float, float, int]]] = {
        pair: [] for pair in itertools.product(LEVELS, LEVELS)
    }
    with multiprocessing.Pool(workers) as pool:
        for result in pool.imap(_one, tasks):  # in task order: 250 ms first, then 300 ms
            for pair, found in result.items():
                rows[pair].append(found)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--seeds", type=int, default=200, help="searches per objective")
    parser.add_argument("--quick", action="store_true", help="40 seeds per objective")
    parser.add_argument("--workers", type=int, default=1, help="processes")
    opts = parser.parse_args()
    seeds = 40 if opts.quick else opts.seeds
    rows = run(seeds, opts.workers)
    print(f"M/M/8, ttft_p90<=250ms and <=300ms, {seeds} seeds each; 95% confidence")
    print(
        f"{'trend':>6}{'von N.':>8}{'false claims':>14}{'  at 250 / 300 ms':<18}"
        f"{'power (>=0.8x)':>16}{'median found':>14}{'median requests':>17}"
    )
    for (trend, independence), found in rows.items():
        share = np.array([f / t for f, t, _ in found])
        above = share > 1
        half = len(found) // 2
        print(
            f"{trend:>6.2f}{independence:>8.2f}{above.mean():>14.3f}"
            f"  {above[:half].sum():>4} / {above[half:].sum():<9}"
            f"{(share >= 0.8).mean():>16.3f}{np.median(share):>14.3f}"
            f"{np.median([s for _, _, s in found]):>17,.0f}"
        )


if __name__ == "__main__":
    main()
