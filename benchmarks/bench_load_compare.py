"""The paired block bootstrap of a load comparison against resampling the data directly.

One command: ``python benchmarks/bench_load_compare.py`` (``--quick``: 2,000 requests per arm,
200 resamples; default 20,000 requests per arm in 40 block pairs, 2,000 resamples).

Both compute, for p50, p95 and p99 of each arm, every resample's percentile:

* the reference: per resample, write out the values of every drawn block pair as often as it
  was drawn (``np.concatenate``) and call ``np.percentile(..., method="inverted_cdf")``, the
  direct reading of the method;
* assay: ``paired_block_quantile`` with one shared ``block_pair_weights`` array (sort once,
  weighted cumulative counts per resample, in bounded chunks).

Printed: seconds of each and the ratio reference / assay; the results are checked equal.

Measured on the shared 2-core development machine, 2026-12-06 (one run each):

| size | reference s | assay s | ratio |
|---|---|---|---|
| ``--quick`` (2,000 per arm, 20 pairs, 200 resamples) | 0.534 | 0.138 | 3.9 |
| default (20,000 per arm, 40 pairs, 2,000 resamples) | 26.4 | 0.690 | 38.3 |
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from assay.stats import block_pair_weights, paired_block_quantile


def reference(values: np.ndarray, blocks: np.ndarray, weights: np.ndarray, q: float) -> np.ndarray:
    by_block = [values[blocks == j] for j in range(weights.shape[1])]
    out = np.empty(weights.shape[0])
    for i, row in enumerate(weights):
        pooled = np.concatenate([by_block[j] for j in np.repeat(np.arange(row.shape[0]), row)])
        out[i] = np.percentile(pooled, q * 100, method="inverted_cdf")
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    n, k, b = (2_000, 20, 200) if args.quick else (20_000, 40, 2_000)
    rng = np.random.default_rng(0)
    blocks = np.repeat(np.arange(k), n // k)
    base, cand = rng.lognormal(3, 0.5, n), rng.lognormal(3.1, 0.5, n)
    weights = block_pair_weights(k, n_resamples=b, rng=1)
    started = time.perf_counter()
    ref = {
        q: (reference(base, blocks, weights, q), reference(cand, blocks, weights, q))
        for q in (0.5, 0.95, 0.99)
    }
    t_ref = time.perf_counter() - started
    started = time.perf_counter()
    ours = {
        q: paired_block_quantile(base, blocks, cand, blocks, q, n_pairs=k, weights=weights)
        for q in ref
    }
    t_ours = time.perf_counter() - started
    for q, (rb, rc) in ref.items():
        d = np.quantile(rc - rb, [0.025, 0.975])
        assert np.allclose(d, [ours[q].difference.low, ours[q].difference.high])
    print(f"{n:,} requests per arm, {k} block pairs, {b:,} resamples, p50/p95/p99")
    print(f"reference (resample the data, np.percentile): {t_ref:.3f} s")
    print(f"assay paired_block_quantile:                  {t_ours:.3f} s")
    print(f"ratio reference / assay: {t_ref / t_ours:.1f}")


if __name__ == "__main__":
    main()
