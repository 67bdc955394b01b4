"""PostgreSQL under load: 16 writers and 16 readers for 60 s against one server.

Each client is a thread with a store of its own (its own connection pool). A writer stores a
run (a 50-record file and one transaction), then a decision and an approval (two ledger
entries, serialised by the ledger's advisory lock), over and over; a reader lists the newest
20 runs, reads one run's records and lists the newest 20 decisions, over and over. Afterwards
the benchmark checks what the load test checks (every write there exactly once, the ledger one
chain that verifies, no client failed) and prints operations per second.

The reference, measured in the same run on the same server: one writer and one reader for the
same time. The ratio says how much of the single pair's throughput 32 clients get together on
this machine (two cores shared with PostgreSQL, so well under 16× is expected); the point is
that nothing is lost and nothing deadlocks, not the speed-up.

    python benchmarks/bench_pg_load.py                 # 60 s each
    python benchmarks/bench_pg_load.py --seconds 10    # shorter

``ASSAY_TEST_PG`` names the server (default ``postgresql://postgres@127.0.0.1:5432/test``); a
schema of its own is created and dropped.

Results (2-core machine shared with other work):

| date | clients | seconds | runs/s (each with a decision and an approval) | reads/s | reference (1+1): runs/s, reads/s | ratio (writes, reads) |
|---|---|---|---|---|---|---|
| 2026-12-06 | 16+16 | 60 | 11.2 | 205.7 | 14.0, 49.0 | 0.80×, 4.19× |

Writes are serialised by the ledger's lock (every decision and approval is the next entry of
one chain), so 16 writers together write about as fast as one; reads scale with the clients.
"""

from __future__ import annotations

import argparse
import itertools
import os
import tempfile
import threading
import time
import uuid
from datetime import UTC, datetime
from urllib.parse import quote

import sqlalchemy as sa

from assay.storage import RunQuery, open_store, upgrade_database
from assay.testing import make_approval, make_decision, make_records, make_run, make_suite_model


def _load(url: str, files: str, writers: int, readers: int, seconds: float) -> dict[str, float]:
    suite, examples = make_suite_model("qa")
    records = make_records(50, seed=1)
    tag = uuid.uuid4().hex[:6]
    with open_store(url, artifacts=files) as store:
        store.suites.put(suite, examples)
        for i in range(2):
            run = make_run(suite, records, run_id=f"{tag}-run-{i}", params={"t": tag, "i": i})
            store.runs.put(run, records)
        before_runs = len(store.runs.list(RunQuery(limit=None)))
        before_entries = len(store.decisions.ledger())
    written: list[list[str]] = [[] for _ in range(writers)]
    reads = [0] * readers
    failures: list[BaseException] = []
    start = threading.Barrier(writers + readers + 1)
    deadline = [float("inf")]

    def write(w: int) -> None:
        try:
            with open_store(url, artifacts=files) as store:
                start.wait(120)
                for i in itertools.count():
                    if time.monotonic() > deadline[0]:
                        return
                    run_id = f"{tag}-w{w:02d}-{i:05d}"
                    params = {"t": tag, "w": w, "i": i}
                    store.runs.put(make_run(suite, records, run_id=run_id, params=params), records)
                    decision = make_decision(f"{tag}-run-0", f"{tag}-run-1", decision_id=run_id)
                    store.decisions.put(decision)
                    store.decisions.approve(run_id, make_approval(f"role-{w}"))
                    written[w].append(run_id)
        except BaseException as exc:
            failures.append(exc)

    def read(r: int) -> None:
        try:
            with open_store(url, artifacts=files) as store:
                start.wait(120)
                while time.monotonic() < deadline[0]:
                    listed = store.runs.list(RunQuery(limit=20))
                    store.runs.records(listed[-1].run_id)
                    store.decisions.list(limit=20)
                    reads[r] += 1
        except BaseException as exc:
            failures.append(exc)

    threads = [threading.Thread(target=write, args=(w,)) for w in range(writers)]
    threads += [threading.Thread(target=read, args=(r,)) for r in range(readers)]
    for thread in threads:
        thread.start()
    start.wait(120)
    began = time.monotonic()
    deadline[0] = began + seconds
    for thread in threads:
        thread.join(seconds + 300)
    elapsed = time.monotonic() - began
    if failures or any(t.is_alive() for t in threads):
        raise SystemExit(f"a client failed or hung: {failures[:3]}")
    ids = sorted(itertools.chain(*written))
    with open_store(url, artifacts=files) as store:
        runs = store.runs.list(RunQuery(limit=None))
        entries = store.decisions.ledger()
        verified = store.decisions.verify()
    mine = sorted(r.run_id for r in runs if r.run_id.startswith(f"{tag}-w"))
    if mine != ids or len(runs) != before_runs + len(ids):
        raise SystemExit("runs were lost or stored twice")
    if len(entries) != before_entries + 2 * len(ids) or not verified.ok:
        raise SystemExit(f"the ledger does not hold every entry or does not verify: {verified}")
    return {"runs": len(ids) / elapsed, "reads": sum(reads) / elapsed}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--seconds", type=float, default=60.0)
    args = parser.parse_args()
    server = os.environ.get("ASSAY_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test")
    schema = f"assay_bench_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(sa.make_url(server).set(drivername="postgresql+psycopg"))
    with admin.begin() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    separator = "&" if "?" in server else "?"
    url = f"{server}{separator}options={quote(f'-csearch_path={schema}')}"
    try:
        upgrade_database(url)
        with tempfile.TemporaryDirectory() as files:
            reference = _load(url, files, 1, 1, args.seconds)
            print(
                f"reference, 1 writer + 1 reader: {reference['runs']:.1f} runs/s "
                f"(each with a decision and an approval), {reference['reads']:.1f} reads/s"
            )
            loaded = _load(url, files, 16, 16, args.seconds)
            print(
                f"16 writers + 16 readers: {loaded['runs']:.1f} runs/s, "
                f"{loaded['reads']:.1f} reads/s; nothing lost, no duplicate, ledger verified"
            )
    finally:
        with admin.begin() as conn:
            conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()
    print(
        f"| {datetime.now(UTC):%Y-%m-%d} | 16+16 | {args.seconds:.0f} | {loaded['runs']:.1f} | "
        f"{loaded['reads']:.1f} | {reference['runs']:.1f}, "
        f"{reference['reads']:.1f} | {loaded['runs'] / reference['runs']:.2f}×, "
        f"{loaded['reads'] / reference['reads']:.2f}× |"
    )


if __name__ == "__main__":
    main()
