"""A/B readout from unit-level Parquet rows: assay against a plain pandas group-by.

Writes 10,000,000 unit-level rows (2 arms, 5 metrics, one pre-period covariate each) to a
temporary Parquet file, then, each in a fresh process so peak memory is its own:

* assay: ``assay.online.readout(path, cuped=True)`` — aggregation and the full readout;
* pandas: ``pd.read_parquet`` then ``groupby("arm").sum()`` of the same sufficient statistics
  (values, squares, cross-products, counts) — the aggregation only.

Prints wall time and peak resident memory of each, and the ratio pandas / assay.

    python benchmarks/bench_online.py            # 10,000,000 rows
    python benchmarks/bench_online.py --quick    # 1,000,000 rows
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _peak import peak_mib

METRICS = [f"m{i}" for i in range(5)]


def write_data(path: Path, rows: int, seed: int = 0) -> None:
    import numpy as np
    import pyarrow as pa
    import pyarrow.parquet as pq

    rng = np.random.default_rng(seed)
    batch = 1_000_000
    writer = None
    start = 0
    while start < rows:
        size = min(batch, rows - start)
        arm = np.where(rng.random(size) < 0.5, "control", "treatment")
        cols = {"unit": np.arange(start, start + size, dtype=np.int64), "arm": arm}
        for m in METRICS:
            pre = rng.gamma(2.0, 5.0, size)
            cols[m] = 0.8 * pre + rng.gamma(2.0, 3.0, size) + 0.05 * (arm == "treatment")
            cols[f"{m}_pre"] = pre
        table = pa.table(cols)
        if writer is None:
            writer = pq.ParquetWriter(path, table.schema)
        writer.write_table(table)
        start += size
    assert writer is not None
    writer.close()


def worker(kind: str, path: str) -> None:
    import pandas as pd

    from assay.online import readout

    base = peak_mib()
    t0 = time.perf_counter()
    if kind == "assay":
        result = readout(path, cuped=True, control="control")
        check = {r.metric: r.absolute.estimate for r in result.lifts}
    else:
        df = pd.read_parquet(path)
        extra = {}
        for m in METRICS:
            y, x = df[m], df[f"{m}_pre"]
            extra[f"{m}_sq"] = y * y
            extra[f"{m}_pre_sq"] = x * x
            extra[f"{m}_cross"] = y * x
        df = df.drop(columns="unit").assign(**extra)
        sums = df.groupby("arm", observed=True).sum()
        counts = df.groupby("arm", observed=True).size()
    seconds = time.perf_counter() - t0
    if kind != "assay":
        from assay.stats import MeanSums, ab_lift

        def arm(a: str, m: str) -> MeanSums:
            s = sums.loc[a]
            return MeanSums(int(counts[a]), s[m], s[f"{m}_sq"], s[f"{m}_pre"],
                            s[f"{m}_pre_sq"], s[f"{m}_cross"])  # fmt: skip

        check = {
            m: ab_lift(arm("control", m), arm("treatment", m), cuped=True).absolute.estimate
            for m in METRICS
        }
    print(
        json.dumps({"seconds": seconds, "peak_mb": peak_mib(), "import_mb": base, "check": check})
    )


def run(kind: str, path: Path) -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, __file__, "--worker", kind, str(path)],
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="1,000,000 rows instead of 10,000,000")
    parser.add_argument("--rows", type=int, default=None, help="number of unit-level rows")
    parser.add_argument("--worker", nargs=2, metavar=("KIND", "PATH"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(*args.worker)
        return
    rows = args.rows or (1_000_000 if args.quick else 10_000_000)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "units.parquet"
        t0 = time.perf_counter()
        write_data(path, rows)
        print(f"wrote {rows:,} rows ({path.stat().st_size / 1e6:.0f} MB Parquet) "
              f"in {time.perf_counter() - t0:.1f} s")  # fmt: skip
        ours = run("assay", path)
        ref = run("pandas", path)
    for m in METRICS:
        if abs(ours["check"][m] - ref["check"][m]) > 1e-6 * max(1.0, abs(ref["check"][m])):
            raise SystemExit(f"results differ on {m}: {ours['check'][m]} vs {ref['check'][m]}")
    print(f"{'':28s}{'wall s':>10s}{'peak RSS MB':>14s}{'RSS over imports MB':>22s}")
    for name, r in (("assay readout (CUPED on)", ours), ("pandas groupby (sums only)", ref)):
        print(
            f"{name:28s}{r['seconds']:10.2f}{r['peak_mb']:14.0f}{r['peak_mb'] - r['import_mb']:22.0f}"
        )
    print(f"speed-up pandas/assay: {ref['seconds'] / ours['seconds']:.2f}x; "
          f"peak memory pandas/assay: {ref['peak_mb'] / ours['peak_mb']:.2f}x")  # fmt: skip


if __name__ == "__main__":
    main()
