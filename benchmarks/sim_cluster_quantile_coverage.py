"""Coverage of clustered bootstrap intervals of a p95 difference, by seeded simulation.

Each dataset has G clusters of 20 to 50 examples (unequal sizes) and skewed latencies of a
baseline and a candidate model that share a cluster effect, each with its own cluster effect
and per-example noise: log-normal, the candidate's shifted by exactly 0.2, so every quantile
difference and the mean difference are 0.2 by construction. For each dataset the public
``paired_quantiles_table`` gives the p95 (and p50) difference with ``clusters=`` and
``method="bca"`` and ``"percentile"``; ``paired_bootstrap`` of the mean difference is the
control (a smooth statistic, where BCa is kept), of the latencies (heavy-tailed cluster
totals) and of the same draws on the log scale, ``log(latency - shift) + shift`` (normal,
light tails). The share of intervals holding 0.2 is printed with its binomial standard
error, and the method each result states.

    python benchmarks/sim_cluster_quantile_coverage.py                # G = 8, 12, 30; 300 datasets
    python benchmarks/sim_cluster_quantile_coverage.py --g 80 --reps 200

Run it with another checkout's ``src`` first on ``PYTHONPATH`` to compare before and after.
"""

from __future__ import annotations

import argparse
import math
import time

import numpy as np

from assay.stats import paired_bootstrap, paired_quantiles_table

TRUTH = 0.2


def dataset(g: int, rep: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Cluster labels, baseline and candidate latencies of one seeded dataset."""
    rng = np.random.default_rng([g, rep, 20261207])
    cl = np.repeat(np.arange(g), rng.integers(20, 51, size=g))
    n = cl.size
    u = rng.normal(0, 0.5, g)[cl]
    base = np.exp(u + rng.normal(0, 0.3, g)[cl] + rng.normal(0, 0.5, n))
    cand = TRUTH + np.exp(u + rng.normal(0, 0.3, g)[cl] + rng.normal(0, 0.5, n))
    return cl, base, cand


def _mean(s: np.ndarray) -> np.ndarray:
    return np.asarray(s[..., 0] / s[..., 1])


def coverage(g: int, reps: int, resamples: int) -> dict[str, tuple[float, str]]:
    """``{statistic/method asked: (coverage, method stated)}`` over ``reps`` datasets."""
    hits: dict[str, int] = {}
    stated: dict[str, str] = {}
    for rep in range(reps):
        cl, base, cand = dataset(g, rep)
        ones = np.ones(cl.size)
        for method in ("bca", "percentile"):
            kw = {"rng": 1000 + rep, "resamples": resamples, "clusters": cl, "method": method}
            tables = paired_quantiles_table(base, cand, (0.95, 0.5), **kw)
            mean = paired_bootstrap(
                np.column_stack([base, ones]), np.column_stack([cand, ones]), _mean, **kw
            )
            log_mean = paired_bootstrap(
                np.column_stack([np.log(base), ones]),
                np.column_stack([TRUTH + np.log(cand - TRUTH), ones]),
                _mean,
                **kw,
            )
            results = {
                "p95": tables[0]["all"],
                "p50": tables[1]["all"],
                "mean": mean,
                "log-scale mean": log_mean,
            }
            for name, r in results.items():
                d = r.difference
                key = f"{name}/{method}"
                hits[key] = hits.get(key, 0) + int(d.low <= TRUTH <= d.high)
                stated[key] = d.method
    return {k: (v / reps, stated[k]) for k, v in hits.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--g", default="8,12,30", help="numbers of clusters, comma-separated")
    parser.add_argument("--reps", type=int, default=300, help="datasets per number of clusters")
    parser.add_argument("--resamples", type=int, default=500)
    args = parser.parse_args()
    se = math.sqrt(0.95 * 0.05 / args.reps)
    print(f"stated 95%; {args.reps} datasets each: binomial standard error {se:.3f}")
    for g in (int(x) for x in args.g.split(",")):
        start = time.process_time()
        cov = coverage(g, args.reps, args.resamples)
        took = time.process_time() - start
        print(f"G = {g} ({took:.0f} CPU s)")
        for key, (c, method) in sorted(cov.items()):
            print(f"  {key:26s} coverage {c:.3f}   method stated: {method}")


if __name__ == "__main__":
    main()
