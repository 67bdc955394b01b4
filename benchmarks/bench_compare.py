"""compare_records on a million paired examples, against reading the two record tables once.

Workload: two runs of N examples (1,000,000; 100,000 with ``--quick``) on one suite with 10
metrics (6 of 0/1 scores, 2 continuous scores, and macro-F1 and MCC recomputed from 5-class
reference and output labels) and 5 slice attributes of 10 values each (50 slices), with
latency, cost and 1% errored records, stored as Parquet the way the store keeps them (sorted
by example id). ``compare_records`` reports every metric on all examples and on the 50 slices
(plus cost per example by slice and p50/p95 latency overall) with 2,000 resamples.

It prints, measured in this run:

* the reference: reading both record tables from Parquet once (median of 3 reads);
* ``compare_records`` wall time (median of ``--repeat`` runs, after reading) and its ratio to the
  reference;
* the time spent inside the ``assay.stats`` calls compare makes (bootstrap tables, quantile
  bootstrap, replicates to intervals, power and multiplicity), and compare's own work
  (pairing, per-example averages, per-slice sums, building the results);
* the CPU seconds of ``compare_records`` (all threads, and the main thread's share; the rest
  is the statistics engine's threaded resample draws) and of the read, which a busy machine
  disturbs less than wall times;
* peak resident memory of this process, and its rise during ``compare_records``.

    python benchmarks/bench_compare.py            # 1,000,000 examples
    python benchmarks/bench_compare.py --quick    # 100,000 examples
"""

from __future__ import annotations

import argparse
import functools
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from assay.compare import compare_records
from assay.core import MetricSpec, ModelRef, RunInfo, SliceSpec, Suite
from assay.data import record_schema

BINARY = [f"pass_{i}" for i in range(6)]
CONTINUOUS = ["rouge", "similarity"]
NON_MEAN = {"label_f1": "macro_f1", "label_mcc": "mcc"}
ATTRIBUTES = [f"attr_{i}" for i in range(5)]
LABELS = ["alpha", "beta", "gamma", "delta", "epsilon"]


def make_suite(n: int) -> Suite:
    metrics = [MetricSpec(name=m) for m in BINARY + CONTINUOUS]
    metrics += [MetricSpec(name=m, aggregate=a) for m, a in NON_MEAN.items()]
    return Suite(
        name="bench-compare",
        metrics=tuple(metrics),
        slices=tuple(SliceSpec(name=a) for a in ATTRIBUTES),
        examples_digest=f"bench-{n}",
        n_examples=n,
    )


def make_records(suite: Suite, n: int, seed: int, shift: float) -> pa.Table:
    """One run's records in the record schema (examples shared by every run via seed 0)."""
    shared = np.random.default_rng(0)
    rng = np.random.default_rng(seed)
    ids = pa.array(np.char.add("ex-", np.char.zfill(np.arange(n).astype(str), 8)))
    quality = shared.normal(size=n)
    truth = shared.integers(0, len(LABELS), n)
    columns: dict[str, Any] = {"example_id": ids, "cluster": pa.nulls(n, pa.string())}
    columns["sample_index"] = pa.array(np.zeros(n, dtype=np.int32))
    for i, attr in enumerate(ATTRIBUTES):
        codes = np.random.default_rng(100 + i).integers(0, 10, n).astype(np.int32)
        columns[attr] = pa.DictionaryArray.from_arrays(
            pa.array(codes), pa.array([f"v{j}" for j in range(10)])
        )
    labels = np.array(LABELS, dtype=object)
    right = rng.random(n) < 0.7 + shift
    predicted = np.where(right, truth, rng.integers(0, len(LABELS), n))
    columns["input"] = pa.array(np.char.add("question ", np.arange(n).astype(str)))
    columns["reference"] = pa.array(['"' + v + '"' for v in labels[truth]])
    columns["output"] = pa.array(labels[predicted].tolist())
    errored = rng.random(n) < 0.01
    for m in BINARY:
        x = (rng.random(n) < 1.0 / (1.0 + np.exp(-(quality + 1.0 + shift)))).astype(np.float64)
        columns[m] = np.where(errored, np.nan, x)
    for m in CONTINUOUS:
        x = 1.0 / (1.0 + np.exp(-(quality + shift + rng.normal(0.0, 0.7, n))))
        columns[m] = np.where(errored, np.nan, x)
    for m in NON_MEAN:
        columns[m] = np.where(errored, np.nan, right.astype(np.float64))
    columns["latency_ms"] = rng.gamma(4.0, 25.0 * (1.0 - shift), n)
    columns["tokens_in"] = pa.nulls(n, pa.int64())
    columns["tokens_out"] = pa.nulls(n, pa.int64())
    columns["cost"] = rng.gamma(2.0, 0.001, n)
    columns["error"] = pa.array(np.where(errored, "TimeoutError", None).tolist(), pa.string())
    schema = record_schema(suite)
    arrays = [columns[f.name] for f in schema]
    arrays = [a if isinstance(a, pa.Array) else pa.array(a) for a in arrays]
    return pa.Table.from_arrays(arrays, schema=schema)


def run_info(suite: Suite, run_id: str) -> RunInfo:
    return RunInfo(
        run_id=run_id,
        suite_name=suite.name,
        suite_digest=suite.digest,
        model=ModelRef.parse(f"bench@{run_id}"),
        status="complete",
        created_at=datetime.now(UTC),
    )


# ------------------------------------------------------------------ time inside assay.stats

_STATS_CALLS = {
    "assay.compare._resampled": [
        "paired_bootstrap_table",
        "paired_from_replicates",
        "paired_quantile_table",
        "compare_metric",
    ],
    "assay.compare._nonmean": ["bootstrap_weights"],
    "assay.compare._results": ["adjust_pvalues", "mcnemar_mde", "minimum_detectable_effect"],
}


class StatsTimer:
    """Wraps the assay.stats entry points that compare calls, adding up their wall time."""

    def __init__(self) -> None:
        self.seconds = 0.0
        self._depth = 0

    def wrap(self, fn: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(fn)
        def timed(*args: Any, **kwargs: Any) -> Any:
            self._depth += 1
            start = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                self._depth -= 1
                if self._depth == 0:
                    self.seconds += time.perf_counter() - start

        return timed

    def install(self) -> None:
        import importlib

        from assay.stats import ResampleWeights

        for module_name, names in _STATS_CALLS.items():
            module = importlib.import_module(module_name)
            for name in names:
                setattr(module, name, self.wrap(getattr(module, name)))
        ResampleWeights.category_counts = self.wrap(ResampleWeights.category_counts)  # type: ignore[method-assign]


def _rss_mib() -> float:
    scale = 1 if sys.platform == "darwin" else 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * scale / 2**20


def write_runs(n: int, folder: Path) -> None:
    """Write both runs' records (in a child process, so its memory is not counted)."""
    suite = make_suite(n)
    for name, seed, shift in (("baseline", 1, 0.0), ("candidate", 2, 0.02)):
        pq.write_table(make_records(suite, n, seed, shift), folder / f"{name}.parquet")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="100,000 examples")
    parser.add_argument("--n", type=int, default=None, help="examples per run")
    parser.add_argument("--repeat", type=int, default=1, help="timed compare_records calls")
    parser.add_argument("--write", type=Path, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    n = args.n or (100_000 if args.quick else 1_000_000)
    if args.write is not None:
        write_runs(n, args.write)
        return
    suite = make_suite(n)
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run([sys.executable, __file__, "--n", str(n), "--write", tmp], check=True)
        paths = [Path(tmp) / "baseline.parquet", Path(tmp) / "candidate.parquet"]
        reads, read_cpus = [], []
        tables: list[pa.Table] = []
        for _ in range(3):
            tables = []  # drop the previous read first: peak memory counts one copy of the data
            start, cpu = time.perf_counter(), time.process_time()
            tables = [pq.read_table(p) for p in paths]
            reads.append(time.perf_counter() - start)
            read_cpus.append(time.process_time() - cpu)
        read_s, read_cpu = statistics.median(reads), statistics.median(read_cpus)
    rss_before = _rss_mib()
    timer = StatsTimer()
    timer.install()
    base, cand = run_info(suite, "baseline"), run_info(suite, "candidate")
    walls, stats_s, cpus, mains = [], [], [], []
    for _ in range(args.repeat):
        timer.seconds = 0.0
        start, cpu, main_cpu = time.perf_counter(), time.process_time(), time.thread_time()
        comparison = compare_records(base, tables[0], cand, tables[1], suite, rng=0)
        walls.append(time.perf_counter() - start)
        cpus.append(time.process_time() - cpu)
        mains.append(time.thread_time() - main_cpu)
        stats_s.append(timer.seconds)
    wall, in_stats = statistics.median(walls), statistics.median(stats_s)
    cpu_s, main_s = statistics.median(cpus), statistics.median(mains)
    rss_peak = _rss_mib()
    slices = sum(1 for r in comparison.results if r.slice_attribute is not None)
    print(f"examples per run:            {n:,}")
    print(f"results:                     {len(comparison.results)} ({slices} slice results)")
    print(f"read both tables (Parquet):  {read_s:8.2f} s   <- reference")
    print(f"compare_records:             {wall:8.2f} s   ratio {wall / read_s:5.1f}x the read")
    print(f"  inside assay.stats calls:  {in_stats:8.2f} s   ({in_stats / wall:.0%} of compare)")
    print(
        f"  compare's own work:        {wall - in_stats:8.2f} s   ratio {(wall - in_stats) / read_s:5.1f}x the read"
    )
    print(
        f"  CPU seconds:               {cpu_s:8.2f}     main thread {main_s:.2f}, worker threads "
        f"{cpu_s - main_s:.2f} (the statistics engine's resample draws); read {read_cpu:.2f}"
    )
    # the rest of `assay gate` + report: judge the default policy, render both reports
    from assay.gates import default_policy, evaluate_policy
    from assay.reports import render_html, render_markdown

    start = time.perf_counter()
    verdict = evaluate_policy(default_policy(), comparison)
    gate_s = time.perf_counter() - start
    start = time.perf_counter()
    html = render_html(comparison, verdict)
    render_markdown(comparison, verdict)
    render_s = time.perf_counter() - start
    total = read_s + wall + gate_s + render_s
    outside = total - in_stats
    rss_peak = _rss_mib()
    print(f"gate (default policy):       {gate_s:8.2f} s   verdict {verdict.verdict.value}")
    print(
        f"render HTML + Markdown:      {render_s:8.2f} s   HTML {len(html.encode()) / 2**20:.2f} MiB"
    )
    print(
        f"compare + gate + report:     {total:8.2f} s   (read included); outside the statistics "
        f"engine {outside:.2f} s = {outside / in_stats:.2f}x its own time (aim <= 2x, total < 15 s)"
    )
    print(
        f"peak RSS:                    {rss_peak:8.0f} MiB (+{rss_peak - rss_before:.0f} MiB after reading)"
    )


if __name__ == "__main__":
    main()
