"""Early stopping's looks: the running sequence against recomputing it from scratch at each look.

A planned early stop looks at its confidence sequence after every ``check_every`` examples. The
reference recomputes the paired empirical-Bernstein sequence on every observation so far at
each look (``paired_empirical_bernstein_confidence_sequence(...).final``: quadratic in the
suite's size when the stop never decides); assay's ``Tracker`` carries the sequence's running
sums and feeds each look only its new batch. Workload: an undecided paired plan (candidate and
baseline with the same accuracy) on 100,000 examples, a look every 50, so every look is made.
Both must give the same interval at every look (checked, bit for bit), and the ratio of the
two times is printed.

    python benchmarks/bench_early_stop.py            # 100,000 examples, 2,000 looks
    python benchmarks/bench_early_stop.py --quick    # 20,000 examples
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from assay.stats import paired_empirical_bernstein_confidence_sequence
from assay.stats.sequential import EarlyStop, Tracker


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="20,000 examples")
    parser.add_argument("--check-every", type=int, default=50)
    args = parser.parse_args()
    n = 20_000 if args.quick else 100_000
    rng = np.random.default_rng(0)
    ids = [f"ex-{i}" for i in range(n)]
    base = (rng.random(n) < 0.7).astype(float)
    cand = (rng.random(n) < 0.7).astype(float)
    plan = EarlyStop(
        metric="correct",
        baseline=dict(zip(ids, base.tolist(), strict=True)),
        margin=0.0,
        min_examples=args.check_every,  # every look computes the interval
        check_every=args.check_every,
    )
    step = plan.check_every

    started = time.perf_counter()
    scratch = []
    for stop in range(step, n + step, step):
        final = paired_empirical_bernstein_confidence_sequence(
            base[:stop], cand[:stop], confidence=plan.confidence, bounds=plan.bounds
        ).final
        scratch.append((final.estimate, final.low, final.high))
    reference = time.perf_counter() - started

    started = time.perf_counter()
    track = Tracker(plan, "higher", n)
    running = []
    for start in range(0, n, step):
        track.look(ids[start : start + step], cand[start : start + step])
        running.append(track.interval)
    incremental = time.perf_counter() - started

    assert running == scratch, "the running sequence differs from the recomputed one"
    result = track.result()
    print(f"examples {n:,}, looks {len(running):,}, decision {result.decision.value}")
    print(f"recomputed from scratch at each look: {reference:8.3f} s")
    print(f"running sequence (Tracker.look):      {incremental:8.3f} s")
    print(f"ratio (from scratch / running):       {reference / incremental:8.1f}x")
    print("intervals identical at every look:    yes")


if __name__ == "__main__":
    main()
