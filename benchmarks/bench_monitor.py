"""Drift of a window against a reference profile: assay against Evidently's DataDriftPreset.

Writes a reference and a current table of ROWS rows x 50 columns (25 numeric, 25 categorical
with 12 categories; 5 numeric and 5 categorical columns shifted in the current table) to
Parquet, then, each in a fresh process so that peak memory is its own:

* profile: ``assay.monitor.profile`` of the reference (read from Parquet): rows/s;
* drift: read the current Parquet file and ``assay.monitor.drift`` it against the stored
  reference profile (distances with bootstrap intervals, KS / chi-squared, BH, quality);
* merge: ``merge_profiles`` of 1,000 window profiles (1,000 rows each, on the reference bins);
* evidently: ``Report([DataDriftPreset()]).run(current, reference)`` on the same two tables
  (read from the same Parquet files into pandas), in the interpreter given by
  ``--evidently-python`` (a virtual environment with ``pip install evidently``); without it
  Evidently is "not measured".

Prints wall time and peak resident memory of each and the ratio Evidently / assay. With
``--evidently-python`` it also cross-checks the statistics (``_monitor_agreement``): on two
smaller pairs of the same tables (1,000 rows: Evidently's KS and chi-squared p-values; 20,000
rows: its normalised Wasserstein and Jensen-Shannon distances), assay's value of each column
against Evidently's, with the largest difference, the stated tolerance, how often both flag
the same columns, and how many of the 40 unchanged columns each flags.

    python benchmarks/bench_monitor.py                      # 1,000,000 rows
    python benchmarks/bench_monitor.py --quick              # 100,000 rows
    python benchmarks/bench_monitor.py --evidently-python /tmp/evidently-venv/bin/python
    python benchmarks/bench_monitor.py --agreement-only --evidently-python …/bin/python
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from _peak import peak_mib

NUMERIC, CATEGORICAL, SHIFTED = 25, 25, 5


def write_data(folder: Path, rows: int, seed: int = 0) -> None:
    import numpy as np
    import pyarrow as pa
    import pyarrow.parquet as pq

    cats = np.array([f"category_{i}" for i in range(12)])
    probs = np.linspace(1.0, 2.0, 12)
    probs /= probs.sum()
    for name, shift in (("reference", 0.0), ("current", 1.0)):
        rng = np.random.default_rng(seed + (shift > 0))
        cols = {}
        for j in range(NUMERIC):
            moved = shift * 0.3 if j < SHIFTED else 0.0
            cols[f"num_{j}"] = rng.gamma(2.0 + j % 3, 1.0, rows) + moved
        for j in range(CATEGORICAL):
            p = probs[::-1] if (shift and j < SHIFTED) else probs
            cols[f"cat_{j}"] = pa.array(cats[rng.choice(12, size=rows, p=p)]).dictionary_encode()
        pq.write_table(pa.table(cols), folder / f"{name}.parquet")


def worker(kind: str, folder: str) -> None:
    import pyarrow.parquet as pq

    from assay.monitor import drift, merge_profiles, profile, profile_from_bytes

    base = Path(folder)
    t0 = time.perf_counter()
    out: dict[str, object] = {}
    if kind == "profile":
        prof = profile(pq.read_table(base / "reference.parquet"), name="reference")
        (base / "reference.profile").write_bytes(prof.to_bytes())
        out["rows"] = prof.rows
    elif kind == "drift":
        ref = profile_from_bytes((base / "reference.profile").read_bytes())
        table = pq.read_table(base / "current.parquet")
        out["read_seconds"] = time.perf_counter() - t0
        result = drift(table, ref)
        out["drifted"] = sorted(result.drifted)
        out["verdicts"] = {c.column: c.verdict for c in result.columns}
    elif kind == "merge":
        ref = profile_from_bytes((base / "reference.profile").read_bytes())
        table = pq.read_table(base / "current.parquet")
        windows = [profile(table.slice(i * 1000, 1000), bins=ref) for i in range(1000)]
        out["window_seconds"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        merged = merge_profiles(windows)
        out["rows"] = merged.rows
    out.update(seconds=time.perf_counter() - t0, peak_mb=peak_mib())
    print(json.dumps(out))


EVIDENTLY = """
import json, sys, time
import pandas as pd
t0 = time.perf_counter()
ref = pd.read_parquet(sys.argv[1] + "/reference.parquet")
cur = pd.read_parquet(sys.argv[1] + "/current.parquet")
from evidently import Report
from evidently.presets import DataDriftPreset
snapshot = Report([DataDriftPreset()]).run(cur, ref)
snapshot.dict()
peak = next(int(l.split()[1]) for l in open("/proc/self/status") if l.startswith("VmHWM")) / 1024
print(json.dumps({"seconds": time.perf_counter() - t0, "peak_mb": peak}))
"""


def run(cmd: list[str]) -> dict[str, Any]:
    done = subprocess.run(cmd, check=True, capture_output=True, text=True)
    loaded: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return loaded


def statistics_agreement(python: str) -> None:
    """Print assay's drift values against Evidently's defaults on the same tables."""
    from _monitor_agreement import agreement, assay_values, evidently_values, print_table

    unchanged = {f"{kind}_{j}" for kind in ("num", "cat") for j in range(SHIFTED, NUMERIC)}
    for rows, regime in ((1000, "<= 1,000 reference rows"), (20_000, "> 1,000 reference rows")):
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp)
            write_data(folder, rows, seed=7)
            rows_ = agreement(assay_values(folder), evidently_values(python, folder), unchanged)
            print_table(f"statistics on {rows:,} rows x 50 ({regime}):", rows_)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="100,000 rows instead of 1,000,000")
    parser.add_argument("--rows", type=int, default=None, help="rows of each table")
    parser.add_argument("--evidently-python", default=None, help="interpreter that has evidently")
    parser.add_argument(
        "--agreement-only", action="store_true", help="only the statistics cross-check"
    )
    parser.add_argument("--worker", nargs=2, metavar=("KIND", "FOLDER"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(*args.worker)
        return
    if args.evidently_python:
        statistics_agreement(args.evidently_python)
        if args.agreement_only:
            return
    rows = args.rows or (100_000 if args.quick else 1_000_000)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        write_data(folder, rows)
        me = [sys.executable, __file__, "--worker"]
        prof = run([*me, "profile", tmp])
        print(
            f"profile {rows:,} rows x 50 columns: {prof['seconds']:.2f} s, "
            f"{rows / float(prof['seconds']):,.0f} rows/s, peak {prof['peak_mb']:.0f} MB"
        )
        res = run([*me, "drift", tmp])
        print(
            f"assay drift of {rows:,} x 50 against the reference profile: {res['seconds']:.2f} s "
            f"(of which reading the Parquet file {res['read_seconds']:.2f} s), "
            f"peak {res['peak_mb']:.0f} MB; drifted: {', '.join(res['drifted'])}"
        )
        if rows >= 1_000_000:
            merged = run([*me, "merge", tmp])
            print(
                f"merge of 1,000 window profiles (1,000 rows each): {merged['seconds']:.2f} s "
                f"(building them: {merged['window_seconds']:.1f} s), peak {merged['peak_mb']:.0f} MB"
            )
        if args.evidently_python:
            ev = run([args.evidently_python, "-c", EVIDENTLY, tmp])
            ratio = float(ev["seconds"]) / float(res["seconds"])
            print(f"Evidently DataDriftPreset: {ev['seconds']:.2f} s, peak {ev['peak_mb']:.0f} MB")
            print(
                f"ratio Evidently / assay drift: {ratio:.1f}x time, "
                f"{float(ev['peak_mb']) / float(res['peak_mb']):.1f}x peak memory"
            )
        else:
            print("Evidently DataDriftPreset: not measured (give --evidently-python)")


if __name__ == "__main__":
    main()
