"""Ingest and compare a 1,000,000-record run with its records on S3, against local disk.

Workload: a suite of N examples (1,000,000; 100,000 with ``--quick``) with 2 slice attributes
and 2 metrics; two runs of it in Parquet files on local disk. For each store, in the same
process and taking turns: ``assay.ingest`` of both files (read, validate, summarise, encode,
hash, upload under a temporary key, move, commit) and ``assay.compare_runs`` of the two stored
runs (download both record files, verify their SHA-256, compare with intervals). The stores:

* the reference: records on local disk (a folder beside the SQLite database);
* records in a bucket of moto's standalone S3 server on loopback (``ASSAY_ARTIFACTS=s3://…``),
  the metadata in the same kind of SQLite file.

It prints the median wall time of ``--repeat`` turns of each, and the ratio S3 / local disk.
The loopback server is a Python process on the same two cores: the ratio is an upper bound on
the cost of the object-store path itself (HTTP, one upload and one server-side copy per file),
not a figure for a real S3 region, whose bandwidth and latency differ.

    python benchmarks/bench_objstore.py            # 1,000,000 records per run
    python benchmarks/bench_objstore.py --quick    # 100,000

Results (2-core machine shared with other work; medians of 3 turns; 35.3 MiB of Parquet in):

| date | records per run | step | local disk | S3 (moto, loopback) | ratio S3 / local |
|---|---|---|---|---|---|
| 2026-12-06 | 1,000,000 | ingest (2 runs) | 8.38 s | 10.75 s | 1.28× |
| 2026-12-06 | 1,000,000 | compare | 10.95 s | 11.90 s | 1.09× |
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pyarrow.parquet as pq
from _scale_s3 import start_moto

import assay
from assay.storage import open_store
from assay.testing import synthetic_records, synthetic_suite


def _timed(step: Callable[[], object]) -> float:
    start = time.perf_counter()
    step()
    return time.perf_counter() - start


def _turn(url: str, files: str | None, suite: object, paths: list[Path]) -> tuple[float, float]:
    """One ingest of both runs and one comparison into a new store; (ingest s, compare s)."""
    with open_store(url, artifacts=files) as store:
        store.suites.put(suite.suite, suite.examples)  # type: ignore[attr-defined]
        ids: list[str] = []

        def ingest() -> None:
            for i, path in enumerate(paths):
                logged = assay.ingest(
                    path,
                    suite=suite.digest,
                    model=f"m@{i}",
                    store=store,  # type: ignore[attr-defined]
                )
                ids.append(logged.run.run_id)

        ingest_s = _timed(ingest)
        compare_s = _timed(lambda: assay.compare_runs(ids[0], ids[1], store=store))
    return ingest_s, compare_s


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--quick", action="store_true", help="100,000 records per run")
    parser.add_argument("--repeat", type=int, default=3, help="turns of each store")
    args = parser.parse_args()
    n = 100_000 if args.quick else 1_000_000

    process, endpoint = start_moto()
    os.environ.update(
        AWS_ACCESS_KEY_ID="bench",
        AWS_SECRET_ACCESS_KEY="bench",
        AWS_ENDPOINT_URL=endpoint,
        AWS_DEFAULT_REGION="us-east-1",
    )
    try:
        import boto3

        s3 = boto3.client("s3")
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp)
            suite = synthetic_suite(
                n, seed=1, slices={"lang": ["en", "fr", "de"], "len": ["s", "l"]}
            )
            paths = []
            for i, accuracy in enumerate((0.70, 0.72)):
                path = folder / f"run{i}.parquet"
                pq.write_table(synthetic_records(suite, accuracy=accuracy, seed=i), path)
                paths.append(path)
            size = sum(p.stat().st_size for p in paths)
            times: dict[str, list[tuple[float, float]]] = {"local": [], "s3": []}
            for turn in range(args.repeat):
                for kind in ("local", "s3") if turn % 2 == 0 else ("s3", "local"):
                    name = uuid.uuid4().hex[:12]
                    url = f"sqlite:///{folder / name / 'assay.db'}"
                    if kind == "s3":
                        s3.create_bucket(Bucket=f"bench-{name}")
                        files = f"s3://bench-{name}/assay"
                    else:
                        files = str(folder / name / "files")
                    times[kind].append(_turn(url, files, suite, paths))
                    print(
                        f"turn {turn + 1} {kind}: ingest {times[kind][-1][0]:.2f} s, "
                        f"compare {times[kind][-1][1]:.2f} s",
                        flush=True,
                    )
    finally:
        process.terminate()
        process.wait(timeout=30)

    print(
        f"\n{datetime.now(UTC):%Y-%m-%d}: {n:,} records per run, 2 runs "
        f"({size / 2**20:.1f} MiB of Parquet in), medians of {args.repeat} turns"
    )
    print("| step | local disk | S3 (moto, loopback) | ratio S3 / local |")
    print("|---|---|---|---|")
    for index, step in enumerate(("ingest (2 runs)", "compare")):
        local = statistics.median(t[index] for t in times["local"])
        remote = statistics.median(t[index] for t in times["s3"])
        print(f"| {step} | {local:.2f} s | {remote:.2f} s | {remote / local:.2f}× |")


if __name__ == "__main__":
    main()
