"""Ingest 1,000,000 records (id, 3 slice columns, 10 score columns) from Parquet and JSONL.

Prints records per second and peak memory of ``assay.ingest`` (read, validate, summarise with
intervals, store atomically), against two references measured in the same run, each a fresh
process timed from before its imports to the end:

* the read: pyarrow alone reading the same file, importing only the module it needs
  (``pq.ParquetFile(path).read()``; ``pyarrow.json.read_json(path)``). Not ``pq.read_table``,
  which goes through ``pyarrow.dataset`` and imports pandas (about 0.4 CPU-s here), making the
  reference slower than any reader of one file needs to be;
* the floor: that read and the zstd Parquet encoding of the table read, in memory, by pyarrow
  alone (``pq.write_table(table, pa.BufferOutputStream(), compression="zstd")``), the two
  steps an ingest cannot skip.

Each measurement runs in a fresh process so peak memory is its own; beside the wall time, the
process's CPU seconds, which a busy machine disturbs less. Medians of ``--repeat`` processes,
taking turns (with ``--against``, the two packages in the opposite order on every other turn:
an even ``--repeat`` gives each the same places).

With ``--against SRC`` (another checkout's ``src`` folder, e.g. ``git archive HEAD~1 src | tar
-x -C /tmp/before``), that package's ingest is timed too, in turn with this checkout's, so a
before/after pair shares the machine's load.

    python benchmarks/bench_ingest.py            # 1,000,000 records
    python benchmarks/bench_ingest.py --quick    # 100,000 records
    python benchmarks/bench_ingest.py --repeat 5 --against /tmp/before/src
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
from typing import Any

CHILD = r"""
import json, sys, time
kind, path, home, fmt = sys.argv[1:5]
t0, c0 = time.perf_counter(), time.process_time()
if kind in ("read", "floor"):
    if fmt == "parquet":
        import pyarrow.parquet as pq
        table = pq.ParquetFile(path).read()
    else:
        import pyarrow.json as pj
        table = pj.read_json(path)
    if kind == "floor":
        import pyarrow as pa, pyarrow.parquet as pq
        pq.write_table(table, pa.BufferOutputStream(), compression="zstd")
    n = table.num_rows
else:
    import os
    os.environ["ASSAY_HOME"] = home
    import assay
    # a checkout's own path hook can put another src first: time the package asked for
    src = os.path.realpath(sys.argv[5])
    assert os.path.realpath(assay.__file__).startswith(src + os.sep), (assay.__file__, src)
    store = assay.open_store()
    suite = store.suites.list()[0]
    t0, c0 = time.perf_counter(), time.process_time()
    run = assay.ingest(path, suite=suite.digest, model="bench@" + fmt, store=store).run
    n = run.n_records
seconds, cpu = time.perf_counter() - t0, time.process_time() - c0
# VmHWM is this process's own peak (ru_maxrss can carry the parent's over exec on Linux)
peak = next(int(l.split()[1]) for l in open("/proc/self/status") if l.startswith("VmHWM")) / 1024
print(json.dumps({"n": n, "seconds": seconds, "cpu": cpu, "peak_mb": peak}))
"""


THIS = str(Path(__file__).resolve().parents[1] / "src")


def _child(*args: str, src: str = THIS) -> dict[str, float]:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([src, os.environ.get("PYTHONPATH", "")])}
    out = subprocess.run(
        [sys.executable, "-c", CHILD, *args], capture_output=True, text=True, check=True, env=env
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def _medians(runs: list[dict[str, float]]) -> dict[str, float]:
    return {key: statistics.median(r[key] for r in runs) for key in runs[0]}


def bench_data(n: int) -> tuple[Any, list[str], Any]:
    """The suite's examples (id and 3 slice columns), its 10 metrics and the records of one
    run (6 binary, 4 continuous scores), seeded."""
    import numpy as np
    import pyarrow as pa

    rng = np.random.default_rng(0)
    ids = [f"ex-{i:07d}" for i in range(n)]
    examples = pa.table(
        {
            "example_id": ids,
            "lang": rng.choice(["en", "de", "fr", "es", "ja"], n),
            "domain": rng.choice(["news", "chat", "code", "legal"], n),
            "length": rng.choice(["short", "medium", "long"], n),
        }
    )
    metrics = [f"score_{i}" for i in range(10)]
    scores = {
        m: (rng.random(n) < 0.7).astype(float) if i < 6 else rng.random(n)
        for i, m in enumerate(metrics)
    }
    return examples, metrics, pa.table({"example_id": ids, **scores})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="100,000 records instead of 1,000,000")
    parser.add_argument("--repeat", type=int, default=1, help="processes per measurement (median)")
    parser.add_argument("--against", help="another checkout's src folder, timed in turn")
    args = parser.parse_args()
    n = 100_000 if args.quick else 1_000_000
    sources = {"assay": THIS, **({"against": args.against} if args.against else {})}

    import pyarrow.parquet as pq

    import assay

    examples, metrics, records = bench_data(n)
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp) / "store"
        os.environ["ASSAY_HOME"] = str(home)
        store = assay.open_store()
        suite = assay.make_suite(
            "bench", examples, metrics=metrics, slices=["lang", "domain", "length"]
        )
        assay.register_suite(suite, store=store)
        store.close()
        files = {"parquet": Path(tmp) / "records.parquet", "jsonl": Path(tmp) / "records.jsonl"}
        pq.write_table(records, files["parquet"])
        records.to_pandas().to_json(files["jsonl"], orient="records", lines=True)
        print(f"ingest {n:,} records (id, 3 slices, 10 scores); each timing in a fresh process")
        print(f"median of {args.repeat}, {os.cpu_count()} CPUs\n")
        print(
            f"{'format':<8} {'package':<8} {'rec/s':>10} {'CPU s':>6} {'peak MB':>8} "
            f"{'read rec/s':>11} {'read CPU s':>10} {'x read time':>12} "
            f"{'floor CPU s':>11} {'x floor time':>12}"
        )
        for fmt, path in files.items():
            runs: dict[str, list[dict[str, float]]] = {"read": [], "floor": []}
            runs.update({k: [] for k in sources})
            for attempt in range(args.repeat):
                for kind in ("read", "floor"):
                    runs[kind].append(_child(kind, str(path), str(home), fmt))
                # the package timed right after the references ran slower in every run here
                # (by up to a third), whichever it was: each turn reverses the order
                turn = list(sources.items())
                for label, src in turn[:: -1 if attempt % 2 else 1]:
                    model = f"{fmt}-{label}-{attempt}"  # a new run each time, not a repeat
                    runs[label].append(_child("assay", str(path), str(home), model, src, src=src))
            ref, floor = _medians(runs["read"]), _medians(runs["floor"])
            for label in sources:
                got = _medians(runs[label])
                print(
                    f"{fmt:<8} {label:<8} {got['n'] / got['seconds']:>10,.0f} {got['cpu']:>6.2f} "
                    f"{got['peak_mb']:>8.0f} {ref['n'] / ref['seconds']:>11,.0f} "
                    f"{ref['cpu']:>10.2f} {got['seconds'] / ref['seconds']:>11.2f}x "
                    f"{floor['cpu']:>11.2f} {got['seconds'] / floor['seconds']:>11.2f}x"
                )
    print("\naims: Parquet >= 1,500,000 records/s (<= 1.6x the read), JSONL >= 450,000 records/s")


if __name__ == "__main__":
    main()
