"""``assay.sql`` over a run of 1,000,000 records, against DuckDB reading the same file bare.

One store holds one run (id, 10 score columns). Each measurement runs in a fresh process:
``assay.sql`` of an aggregate over ``records`` (the first query of the process, DuckDB and
pyarrow imported before the clock starts: every record file is checked against its digest
before DuckDB reads it), then the same query repeated
(median of 5), against the reference of a bare in-memory DuckDB running the same aggregate
over the record file by path (no views, no checks, no bounds). Beside wall time, the
process's CPU seconds, which a busy machine disturbs less. Medians of ``--repeat`` processes,
taking turns.

With ``--against SRC`` (another checkout's ``src`` folder, e.g. ``git archive HEAD~1 src | tar
-x -C /tmp/before``), that package's ``assay.sql`` is timed too, in turn with this checkout's.

With ``--runs K`` the store holds K such runs and the query asks about the first alone
(``WHERE run_id = '<first>'``): ``assay`` (and ``--against``) runs it over every run's records,
copying and checking all K files, and ``narrowed`` runs it with ``runs=[first]``
(``assay sql --run``), copying and checking one; the reference reads the first run's file bare.

    python benchmarks/bench_sql.py                # 1,000,000 records
    python benchmarks/bench_sql.py --quick        # 100,000 records
    python benchmarks/bench_sql.py --repeat 5 --against /tmp/before/src
    python benchmarks/bench_sql.py --runs 4       # 4 runs: a query of one, narrowed or not
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

QUERY = "SELECT count(*) AS n, avg(score_0) AS a, max(score_9) AS m FROM {source}"

CHILD = r"""
import json, os, statistics, sys, time
kind, home, path, query, run_id = sys.argv[1:6]
def timed(fn):
    t0, c0 = time.perf_counter(), time.process_time()
    result = fn()
    return time.perf_counter() - t0, time.process_time() - c0, result
if kind == "reference":
    import duckdb
    def once():
        con = duckdb.connect(":memory:", config={"threads": 2})
        try:
            return con.sql(query.format(source=f"read_parquet('{path}')")).fetchall()[0]
        finally:
            con.close()
else:
    os.environ["ASSAY_HOME"] = home
    import duckdb, pyarrow  # imported before the clock starts, as the reference's are
    import assay
    store = assay.open_store()
    source = f"records WHERE run_id = '{run_id}'" if run_id else "records"
    named = {"runs": [run_id]} if kind == "narrowed" else {}
    once = lambda: tuple(assay.sql(query.format(source=source), store=store, **named).to_pylist()[0].values())
first_s, first_cpu, row = timed(once)
again = [timed(once) for _ in range(5)]
src = os.path.dirname(os.path.dirname(assay.__file__)) if kind != "reference" else ""
print(json.dumps({
    "src": src, "n": row[0], "row": list(row), "first_s": first_s, "first_cpu": first_cpu,
    "again_s": statistics.median(t for t, _, _ in again),
    "again_cpu": statistics.median(c for _, c, _ in again),
}))
"""

THIS = str(Path(__file__).resolve().parents[1] / "src")


def _child(*args: str, src: str = THIS) -> dict[str, object]:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([src, os.environ.get("PYTHONPATH", "")])}
    out = subprocess.run(
        [sys.executable, "-c", CHILD, *args], capture_output=True, text=True, check=True, env=env
    )
    result: dict[str, object] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def _median(runs: list[dict[str, object]], key: str) -> float:
    return statistics.median(float(r[key]) for r in runs)  # type: ignore[arg-type]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="100,000 records instead of 1,000,000")
    parser.add_argument("--repeat", type=int, default=3, help="processes per measurement (median)")
    parser.add_argument("--against", help="another checkout's src folder, timed in turn")
    parser.add_argument("--runs", type=int, default=1, help="runs in the store (of one is asked)")
    args = parser.parse_args()
    n = 100_000 if args.quick else 1_000_000
    sources = {"assay": THIS, **({"against": args.against} if args.against else {})}

    import numpy as np
    import pyarrow as pa

    import assay
    from assay.storage import record_files

    rng = np.random.default_rng(0)
    ids = [f"ex-{i:07d}" for i in range(n)]
    metrics = [f"score_{i}" for i in range(10)]
    scores = {
        m: (rng.random(n) < 0.7).astype(float) if i < 6 else rng.random(n)
        for i, m in enumerate(metrics)
    }
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp) / "store"
        os.environ["ASSAY_HOME"] = str(home)
        store = assay.open_store()
        suite = assay.make_suite("bench", pa.table({"example_id": ids}), metrics=metrics)
        assay.register_suite(suite, store=store)
        logged = [
            assay.log_run(
                pa.table({"example_id": ids, **scores}),
                suite=suite,
                model=f"bench@{k}",
                store=store,
            )
            for k in range(max(args.runs, 1))
        ]
        first = logged[0].run.run_id if args.runs > 1 else ""
        path = record_files(store).paths[logged[0].run.run_id]
        store.close()
        size = Path(path).stat().st_size / 2**20
        print(f"assay.sql over {n:,} records (10 scores; record file {size:.1f} MiB)", end="")
        if first:
            print(f": {args.runs} runs, the query asks about one (WHERE run_id = ...)")
            sources = {"assay": THIS, "narrowed": THIS, **sources}
        else:
            print(" in one run")
        print(f"each process: first query, then the median of 5 more; median of {args.repeat}")
        runs: dict[str, list[dict[str, object]]] = {"duckdb": [], **{k: [] for k in sources}}
        for _ in range(args.repeat):
            runs["duckdb"].append(_child("reference", str(home), path, QUERY, ""))
            for label, src in sources.items():
                kind = "narrowed" if label == "narrowed" else "assay"
                runs[label].append(_child(kind, str(home), path, QUERY, first, src=src))
        rows = {tuple(r["row"]) for results in runs.values() for r in results}  # type: ignore[arg-type]
        assert len(rows) == 1, rows  # every package and the reference give the same answer
        print(
            f"\n{'':8} {'first s':>8} {'CPU s':>6} {'x bare':>7} "
            f"{'again s':>8} {'CPU s':>6} {'x bare':>7}"
        )
        ref_first, ref_again = (
            _median(runs["duckdb"], "first_s"),
            _median(runs["duckdb"], "again_s"),
        )
        for label in sources:
            print(f"{label}: {runs[label][0]['src']}")
        for label, results in runs.items():
            first, again = _median(results, "first_s"), _median(results, "again_s")
            print(
                f"{label:8} {first:>8.3f} {_median(results, 'first_cpu'):>6.3f} "
                f"{first / ref_first:>6.1f}x {again:>8.3f} {_median(results, 'again_cpu'):>6.3f} "
                f"{again / ref_again:>6.1f}x"
            )


if __name__ == "__main__":
    main()
