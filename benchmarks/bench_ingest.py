"""Ingest 1,000,000 records (id, 3 slice columns, 10 score columns) from Parquet and JSONL.

Prints records per second and peak memory of ``assay.ingest`` (read, validate, summarise with
intervals, store atomically), against the reference of reading the same file with pyarrow
alone, measured in the same run. Each measurement runs in a fresh process so peak memory is
its own.

    python benchmarks/bench_ingest.py            # 1,000,000 records
    python benchmarks/bench_ingest.py --quick    # 100,000 records
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

CHILD = r"""
import json, sys, time
kind, path, home, fmt = sys.argv[1:5]
t0 = time.perf_counter()
if kind == "reference":
    import pyarrow.json as pj, pyarrow.parquet as pq
    table = pq.read_table(path) if fmt == "parquet" else pj.read_json(path)
    n = table.num_rows
else:
    import os
    os.environ["ASSAY_HOME"] = home
    import assay
    store = assay.open_store()
    suite = store.suites.list()[0]
    t0 = time.perf_counter()
    run = assay.ingest(path, suite=suite.digest, model="bench@" + fmt, store=store).run
    n = run.n_records
seconds = time.perf_counter() - t0
# VmHWM is this process's own peak (ru_maxrss can carry the parent's over exec on Linux)
peak = next(int(l.split()[1]) for l in open("/proc/self/status") if l.startswith("VmHWM")) / 1024
print(json.dumps({"n": n, "seconds": seconds, "peak_mb": peak}))
"""


def _child(*args: str) -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, "-c", CHILD, *args], capture_output=True, text=True, check=True
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="100,000 records instead of 1,000,000")
    n = 100_000 if parser.parse_args().quick else 1_000_000

    import numpy as np
    import pyarrow as pa
    import pyarrow.parquet as pq

    import assay

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
    records = pa.table({"example_id": ids, **scores})
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
        print(f"ingest {n:,} records (id, 3 slices, 10 scores); each timing in a fresh process\n")
        print(
            f"{'format':<8} {'assay rec/s':>12} {'peak MB':>8} {'pyarrow read rec/s':>19} {'peak MB':>8} {'assay / read time':>18}"
        )
        for fmt, path in files.items():
            ref = _child("reference", str(path), str(home), fmt)
            got = _child("assay", str(path), str(home), fmt)
            print(
                f"{fmt:<8} {got['n'] / got['seconds']:>12,.0f} {got['peak_mb']:>8.0f} "
                f"{ref['n'] / ref['seconds']:>19,.0f} {ref['peak_mb']:>8.0f} {got['seconds'] / ref['seconds']:>17.2f}x"
            )
    print("\naims: Parquet >= 1,500,000 records/s (<= 1.6x the read), JSONL >= 450,000 records/s")


if __name__ == "__main__":
    main()
