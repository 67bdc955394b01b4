"""PostgreSQL under load: W writers and W readers, each its own process, against one store for
S seconds. Writers store runs with 40 records (one in five with content every writer stores),
tag them, record decisions between them and approve them (every decision and approval appended
to the hash-chained ledger); readers list runs, page and read records, read decisions with
their approvals, and verify the whole ledger. Printed per kind: operations/s, p50/p99 latency;
errors and PostgreSQL deadlocks; then the checks of ``tests/storage/test_pg_load.py`` (every
acknowledged write readable, counts equal, nothing twice, the ledger verifying). Reference, in
the same run: the same load with one writer and one reader (no contention), whose throughput
and latencies the loaded ones are divided by.

    python benchmarks/bench_pg_load.py [--quick] [--seconds S] [--workers W] [--pg URL]

Results (2026-12-06, 2 cores shared with other jobs, load average 30 to 40 during the run,
PostgreSQL on 127.0.0.1 on the same machine, ``--seconds 60 --workers 16``; reference: 1 + 1
for 20 s in the same run; ``×`` is the loaded figure over the reference's):

| kind | ops/s (16+16) | p50 ms | p99 ms | ops/s (1+1) | p50 ms (1+1) | throughput × | p50 × |
|---|---|---|---|---|---|---|---|
| run | 3.1 | 662.5 | 2426.8 | 5.2 | 48.1 | 0.60 | 13.77 |
| tag | 2.8 | 662.4 | 1121.8 | 5.1 | 53.6 | 0.56 | 12.36 |
| decision | 3.0 | 2105.4 | 4417.7 | 5.2 | 57.6 | 0.59 | 36.56 |
| approval | 2.9 | 1887.1 | 3533.9 | 5.1 | 27.2 | 0.58 | 69.36 |
| list | 6.3 | 226.1 | 474.7 | 6.0 | 17.1 | 1.06 | 13.24 |
| page | 13.1 | 306.9 | 754.9 | 12.1 | 24.5 | 1.09 | 12.52 |
| records | 13.0 | 309.0 | 586.1 | 12.1 | 14.1 | 1.08 | 21.97 |
| decisions | 6.5 | 456.8 | 853.5 | 6.0 | 11.3 | 1.07 | 40.60 |
| verify | 6.4 | 466.6 | 1769.7 | 6.0 | 26.2 | 1.06 | 17.84 |

- 1+1: 0 errors, 0 deadlocks, 0 retries (none are made); 104 runs and 205 ledger entries
  stored; wall 36 s with process start-up; checks: all hold.
- 16+16: 0 errors, 0 deadlocks, 0 retries (none are made); 163 runs and 357 ledger entries
  stored; wall 353 s with process start-up and the checks; checks: all hold.

Every process competes for the same 2 cores as the server (and other jobs), so the throughput
is the machine's, not PostgreSQL's: 32 processes get no more work done than 2, and each waits
its turn for a core, which the latencies show. Decisions and approvals wait longest: ledger
appends are serialised by one lock, held by a process that may lose its core meanwhile. The
figures to read are the zero errors, zero deadlocks and the checks.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any
from urllib.parse import quote

import sqlalchemy as sa

from assay.storage import open_store, upgrade_database
from assay.testing._store_load import LoadPlan, prepare_store, run_load
from assay.testing._store_load_check import load_problems, load_summary

DEFAULT_PG = os.environ.get("ASSAY_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test")
KINDS = ("run", "tag", "decision", "approval", "list", "page", "records", "decisions", "verify")


def _admin(server: str, statement: str) -> None:
    engine = sa.create_engine(sa.make_url(server).set(drivername="postgresql+psycopg"))
    try:
        with engine.begin() as conn:
            conn.execute(sa.text(statement))
    finally:
        engine.dispose()


def measure(server: str, writers: int, readers: int, seconds: float) -> dict[str, Any]:
    """One load on a schema of its own (dropped afterwards): its summary and problems."""
    schema = f"assay_bench_{uuid.uuid4().hex[:12]}"
    _admin(server, f'CREATE SCHEMA "{schema}"')
    separator = "&" if "?" in server else "?"
    url = f"{server}{separator}options={quote(f'-csearch_path={schema}')}"
    try:
        upgrade_database(url)
        with tempfile.TemporaryDirectory() as tmp:
            files = str(Path(tmp) / "files")
            prepare_store(url, files)
            plan = LoadPlan(url, files, writers, readers, seconds, Path(tmp) / "reports")
            started = time.perf_counter()
            reports, codes = run_load(plan)
            wall = time.perf_counter() - started
            with open_store(url, artifacts=files) as store:
                problems = load_problems(store, reports, codes, writers + readers)
                entries = len(store.decisions.ledger())
                stored = len(store.runs.list())
    finally:
        _admin(server, f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
    summary = load_summary(reports, seconds)
    return {
        "summary": summary,
        "problems": problems,
        "wall": wall,
        "entries": entries,
        "runs": stored,
    }


def _table(loaded: dict[str, Any], alone: dict[str, Any], workers: int) -> list[str]:
    rows = [
        f"| kind | ops/s ({workers}+{workers}) | p50 ms | p99 ms | ops/s (1+1) | p50 ms (1+1) "
        "| throughput × | p50 × |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for kind in KINDS:
        a, b = loaded["summary"].get(kind), alone["summary"].get(kind)
        if a is None or b is None:
            rows.append(f"| {kind} | not measured | | | | | | |")
            continue
        rows.append(
            f"| {kind} | {a['per_s']:.1f} | {a['p50_ms']:.1f} | {a['p99_ms']:.1f} "
            f"| {b['per_s']:.1f} | {b['p50_ms']:.1f} | {a['per_s'] / b['per_s']:.2f} "
            f"| {a['p50_ms'] / b['p50_ms']:.2f} |"
        )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="8 s, 4 writers and 4 readers")
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--workers", type=int, default=16, help="writers, and as many readers")
    parser.add_argument("--pg", default=DEFAULT_PG, help="PostgreSQL server URL")
    opts = parser.parse_args()
    seconds, workers = (8.0, 4) if opts.quick else (opts.seconds, opts.workers)
    alone_seconds = min(seconds, 20.0)
    print(f"reference: 1 writer + 1 reader for {alone_seconds:.0f} s", flush=True)
    alone = measure(opts.pg, 1, 1, alone_seconds)
    print(f"load: {workers} writers + {workers} readers for {seconds:.0f} s", flush=True)
    loaded = measure(opts.pg, workers, workers, seconds)
    for line in _table(loaded, alone, workers):
        print(line)
    for name, result in (("1+1", alone), (f"{workers}+{workers}", loaded)):
        errors = result["summary"]["errors"]
        print(
            f"{name}: {errors['n']} errors, {errors['deadlocks']} deadlocks, 0 retries (none "
            f"are made); {result['runs']} runs and {result['entries']} ledger entries stored; "
            f"wall {result['wall']:.0f} s with process start-up; checks: "
            + ("all hold" if not result["problems"] else "; ".join(result["problems"][:5]))
        )
    if alone["problems"] or loaded["problems"]:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
