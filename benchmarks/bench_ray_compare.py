"""compare_records_ray: statistics accumulated on the Ray workers against in the calling process.

One command: ``python benchmarks/bench_ray_compare.py --against BEFORE/src`` (``--quick`` for
100,000 records per run, ``--n N`` for another size, ``--repeat R`` turns).

Two runs of ``N`` records each (bench_compare's records: 6 pass/fail metrics, 2 continuous,
macro-F1 and MCC, 5 slice attributes of 10 values), each cut into 8 shuffled shards, are
compared with ``compare_records_ray`` (``chunk_rows`` 250,000) on a cluster started on this
machine with ``ray start`` (:class:`assay.testing.LocalRayCluster`, one CPU per node): the head
alone (1 node), then the head and a worker node (2 nodes). Each measurement runs in its own
process with its own cluster, whose workers import the tree measured: ``BEFORE`` (Ray Data
sorts each run on the cluster, the calling process accumulates every statistic) and this
tree (each range of example ids accumulated on a worker, the calling process merges), in
alternating turns. The cluster is started and warmed up before the clock starts.

Printed per row: wall seconds and CPU seconds of the calling process (the median of the
turns), the ratio of this tree's wall time to BEFORE's, and whether both gave the same
estimates.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
SRC = HERE.parent / "src"


def child(n: int, workers: int) -> None:
    """Runs in a process of its own: one timed comparison; prints its figures as JSON."""
    import numpy as np
    import pyarrow as pa
    import ray
    from bench_compare import make_records, make_suite, run_info

    from assay.runners import compare_records_ray
    from assay.testing import LocalRayCluster

    suite = make_suite(n)
    rng = np.random.default_rng(0)
    shards = []
    for seed, shift in ((1, 0.0), (2, 0.02)):
        table = make_records(suite, n, seed, shift)
        table = table.take(pa.array(rng.permutation(n)))
        shards.append([table.slice(i, -(-n // 8)) for i in range(0, n, -(-n // 8))])
    infos = run_info(suite, "baseline"), run_info(suite, "candidate")
    with LocalRayCluster(workers=workers, cpus=1) as cluster:
        ray.init(address=cluster.address, log_to_driver=False)
        try:
            small = [[t.slice(0, 2000) for t in s] for s in shards]
            compare_records_ray(infos[0], small[0], infos[1], small[1], suite, resamples=50)
            cpu0, t0 = time.process_time(), time.perf_counter()
            result = compare_records_ray(infos[0], shards[0], infos[1], shards[1], suite)
            wall, cpu = time.perf_counter() - t0, time.process_time() - cpu0
        finally:
            ray.shutdown()
    estimates = [r.difference.estimate for r in result.results]
    print(json.dumps({"wall": wall, "cpu": cpu, "estimates": estimates}))


def _measure(src: Path, n: int, workers: int) -> dict[str, object]:
    env = dict(os.environ, PYTHONPATH=f"{src}{os.pathsep}{HERE}")
    out = subprocess.run(
        [sys.executable, __file__, "--child", "--n", str(n), "--workers", str(workers)],
        env=env,
        cwd="/",
        capture_output=True,
        text=True,
        check=False,
    )
    if out.returncode:
        raise SystemExit(f"the measurement of {src} failed:\n{out.stderr[-3000:]}")
    result: dict[str, object] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--against", type=Path, help="the src folder of the tree to compare")
    parser.add_argument("--quick", action="store_true", help="100,000 records per run")
    parser.add_argument("--n", type=int, default=None, help="records per run (default 1M)")
    parser.add_argument("--repeat", type=int, default=1, help="alternating turns")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--workers", type=int, default=1, help=argparse.SUPPRESS)
    args = parser.parse_args()
    n = args.n or (100_000 if args.quick else 1_000_000)
    if args.child:
        child(n, args.workers)
        return
    if args.against is None:
        parser.error("--against BEFORE/src is needed (the reference measured in the same run)")
    load = os.getloadavg()
    print(f"{n:,} records per run, 8 shuffled shards each; load average {load[0]:.1f}")
    print(
        f"{'':8} {'before wall':>12} {'after wall':>11} {'after/before':>13} "
        f"{'before cpu':>11} {'after cpu':>10}  same estimates"
    )
    for workers in (0, 1):
        turns: dict[str, list[dict[str, object]]] = {"before": [], "after": []}
        for _ in range(args.repeat):
            turns["before"].append(_measure(args.against.resolve(), n, workers))
            turns["after"].append(_measure(SRC, n, workers))
        wall = {k: statistics.median(float(t["wall"]) for t in v) for k, v in turns.items()}
        cpu = {k: statistics.median(float(t["cpu"]) for t in v) for k, v in turns.items()}
        same = all(
            b["estimates"] == a["estimates"] or _close(b["estimates"], a["estimates"])
            for b, a in zip(turns["before"], turns["after"], strict=True)
        )
        print(
            f"{workers + 1} node{'s' if workers else ' '} {wall['before']:12.1f} "
            f"{wall['after']:11.1f} {wall['after'] / wall['before']:12.2f}x "
            f"{cpu['before']:11.1f} {cpu['after']:10.1f}  {'yes' if same else 'NO'}"
        )
    print(f"load average at the end: {os.getloadavg()[0]:.1f}")


def _close(a: object, b: object) -> bool:
    assert isinstance(a, list) and isinstance(b, list)
    if len(a) != len(b):
        return False
    pairs = zip(a, b, strict=True)
    return all(x == y or abs(x - y) <= 1e-12 * max(1.0, abs(x)) for x, y in pairs)


if __name__ == "__main__":
    main()
