"""compare_records on a million paired examples, against reading the two record tables once.

Workload: two runs of N examples (1,000,000; 100,000 with ``--quick``) on one suite with 10
metrics (6 of 0/1 scores, 2 continuous scores, and macro-F1 and MCC recomputed from 5-class
reference and output labels) and 5 slice attributes of 10 values each (50 slices), with
latency, cost and 1% errored records, stored as Parquet the way the store keeps them (sorted
by example id). ``compare_records`` reports every metric on all examples and on the 50 slices
(plus cost per example by slice and p50/p95 latency overall) with 2,000 resamples.

Each measurement is a fresh process that reads both tables, runs ``compare_records``, judges
the default policy and renders the HTML and Markdown reports. It prints, per package:

* the reference: reading both record tables from Parquet once (median of 3 reads), wall and
  CPU seconds;
* ``compare_records`` wall time and CPU seconds (all threads, and the main thread's share; the
  rest is the statistics engine's threaded resample draws), which a busy machine disturbs less
  than wall times, and the CPU ratio to the read;
* the time spent inside the ``assay.stats`` calls compare makes (bootstrap tables, quantile
  bootstrap, replicates to intervals, power and multiplicity), and compare's own work
  (pairing, per-example averages, per-slice sums, building the results);
* the gate and both reports, and the whole (read + compare + gate + report);
* peak resident memory of the process, and its rise during ``compare_records``.

With ``--against SRC`` (the ``src`` folder of another checkout, e.g. an earlier commit's
``git archive HEAD~1 src | tar -x -C /tmp/before``), that package is measured too, one process
of each in turn, so a before/after pair shares the machine's load. Medians of ``--repeat``.

    python benchmarks/bench_compare.py            # 1,000,000 examples
    python benchmarks/bench_compare.py --quick    # 100,000 examples
    python benchmarks/bench_compare.py --repeat 3 --against /tmp/before/src
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
from _peak import peak_mib

from assay.compare import compare_records
from assay.core import MetricSpec, ModelRef, RunInfo, SliceSpec, Suite
from assay.data import record_schema

THIS = str(Path(__file__).resolve().parents[1] / "src")

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
        "paired_quantile_table",
        "compare_metric",
    ],
    "assay.compare._categories": ["paired_from_replicates", "paired_from_replicates_many"],
    "assay.compare._latency": ["paired_quantiles_table"],
    "assay.compare._nonmean": ["bootstrap_weights"],
    "assay.compare._results": ["adjust_pvalues", "mcnemar_mde", "minimum_detectable_effect"],
}
"""The ``assay.stats`` entry points compare calls, by the module that calls them (a name that
a package's modules do not have, e.g. an earlier checkout's under ``--against``, is skipped)."""


class StatsTimer:
    """Wraps the assay.stats entry points that compare calls, adding up their wall time on
    the main thread (resample counts drawn in a background thread count as the time the main
    thread waits for them)."""

    def __init__(self) -> None:
        self.seconds = 0.0
        self._depth = 0

    def wrap(self, fn: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(fn)
        def timed(*args: Any, **kwargs: Any) -> Any:
            if threading.current_thread() is not threading.main_thread():
                return fn(*args, **kwargs)  # draws beside the main thread: counted as waited for
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
            try:
                module = importlib.import_module(module_name)
            except ImportError:
                continue
            for name in names:
                if hasattr(module, name):
                    setattr(module, name, self.wrap(getattr(module, name)))
        ResampleWeights.category_counts = self.wrap(ResampleWeights.category_counts)  # type: ignore[method-assign]
        categories = importlib.import_module("assay.compare._categories")
        if hasattr(categories, "CountDraws"):  # counts drawn in a background thread
            draws = categories.CountDraws
            draws.counts = self.wrap(draws.counts)


def write_runs(n: int, folder: Path) -> None:
    """Write both runs' records (in a child process, so its memory is not counted)."""
    suite = make_suite(n)
    for name, seed, shift in (("baseline", 1, 0.0), ("candidate", 2, 0.02)):
        pq.write_table(make_records(suite, n, seed, shift), folder / f"{name}.parquet")


def measure(n: int, folder: Path) -> dict[str, float]:
    """One child process: read both tables, compare, gate, render; its figures as a dict."""
    suite = make_suite(n)
    paths = [folder / "baseline.parquet", folder / "candidate.parquet"]
    reads, read_cpus = [], []
    tables: list[pa.Table] = []
    for _ in range(3):  # the first read also imports pyarrow's dataset layer: median of 3
        tables = []  # drop the previous read first: peak memory counts one copy of the data
        start, cpu = time.perf_counter(), time.process_time()
        tables = [pq.read_table(p) for p in paths]
        reads.append(time.perf_counter() - start)
        read_cpus.append(time.process_time() - cpu)
    read_s, read_cpu = statistics.median(reads), statistics.median(read_cpus)
    rss_before = peak_mib()
    timer = StatsTimer()
    timer.install()
    base, cand = run_info(suite, "baseline"), run_info(suite, "candidate")
    start, cpu, main_cpu = time.perf_counter(), time.process_time(), time.thread_time()
    comparison = compare_records(base, tables[0], cand, tables[1], suite, rng=0)
    wall, cpu_s = time.perf_counter() - start, time.process_time() - cpu
    main_s = time.thread_time() - main_cpu
    # the rest of `assay gate` + report: judge the default policy, render both reports
    from assay.gates import default_policy, evaluate_policy
    from assay.reports import render_html, render_markdown

    start, cpu = time.perf_counter(), time.process_time()
    verdict = evaluate_policy(default_policy(), comparison)
    html = render_html(comparison, verdict)
    render_markdown(comparison, verdict)
    after_s, after_cpu = time.perf_counter() - start, time.process_time() - cpu
    return {
        "results": len(comparison.results),
        "slice_results": sum(1 for r in comparison.results if r.slice_attribute is not None),
        "read": read_s,
        "read_cpu": read_cpu,
        "compare": wall,
        "compare_cpu": cpu_s,
        "main_cpu": main_s,
        "stats": timer.seconds,
        "gate_report": after_s,
        "gate_report_cpu": after_cpu,
        "html_mib": len(html.encode()) / 2**20,
        "peak_mib": peak_mib(),
        "rise_mib": peak_mib() - rss_before,
    }


def _child(n: int, folder: str, src: str) -> dict[str, float]:
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(filter(None, [src, os.environ.get("PYTHONPATH")])),
    }
    done = subprocess.run(
        [sys.executable, __file__, "--n", str(n), "--measure", folder],
        check=True,
        capture_output=True,
        text=True,
        env=env,
        cwd=tempfile.gettempdir(),  # not this checkout, whose package a site hook may put first
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def _print(label: str, runs: list[dict[str, float]]) -> None:
    m = {key: statistics.median(r[key] for r in runs) for key in runs[0]}
    total = m["read"] + m["compare"] + m["gate_report"]
    total_cpu = m["read_cpu"] + m["compare_cpu"] + m["gate_report_cpu"]
    print(f"{label}: median of {len(runs)} processes")
    print(
        f"  results:                   {m['results']:8.0f}   ({m['slice_results']:.0f} slice results)"
    )
    print(
        f"  read both tables (Parquet):{m['read']:8.2f} s   CPU {m['read_cpu']:.2f} s   <- reference"
    )
    print(
        f"  compare_records:           {m['compare']:8.2f} s   CPU {m['compare_cpu']:.2f} s "
        f"(main thread {m['main_cpu']:.2f}); {m['compare_cpu'] / m['read_cpu']:.1f}x the read's CPU"
    )
    print(
        f"    inside assay.stats calls:{m['stats']:8.2f} s   ({m['stats'] / m['compare']:.0%} of "
        f"compare's wall time); compare's own work {m['compare'] - m['stats']:.2f} s"
    )
    print(
        f"  gate + HTML/Markdown report:{m['gate_report']:7.2f} s   CPU {m['gate_report_cpu']:.2f} s "
        f"(HTML {m['html_mib']:.2f} MiB)"
    )
    print(f"  compare + gate + report:   {total:8.2f} s   CPU {total_cpu:.2f} s (read included)")
    print(
        f"  peak RSS:                  {m['peak_mib']:8.0f} MiB (+{m['rise_mib']:.0f} after reading)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="100,000 examples")
    parser.add_argument("--n", type=int, default=None, help="examples per run")
    parser.add_argument("--repeat", type=int, default=1, help="processes per package (median)")
    parser.add_argument("--against", help="another checkout's src folder, timed in turn")
    parser.add_argument("--write", type=Path, default=None, help=argparse.SUPPRESS)
    parser.add_argument("--measure", type=Path, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    n = args.n or (100_000 if args.quick else 1_000_000)
    if args.write is not None:
        write_runs(n, args.write)
        return
    if args.measure is not None:
        print(json.dumps(measure(n, args.measure)))
        return
    sources = {
        "this checkout": THIS,
        **({f"--against {args.against}": args.against} if args.against else {}),
    }
    runs: dict[str, list[dict[str, float]]] = {label: [] for label in sources}
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run([sys.executable, __file__, "--n", str(n), "--write", tmp], check=True)
        for _ in range(args.repeat):
            for label, src in sources.items():
                runs[label].append(_child(n, tmp, str(Path(src).resolve())))
    print(
        f"examples per run: {n:,}; each measurement a fresh process; {os.cpu_count()} CPUs; load average {os.getloadavg()[0]:.1f}"
    )
    for label, measured in runs.items():
        _print(label, measured)
    if args.against:
        this, other = (statistics.median(r["compare_cpu"] for r in runs[k]) for k in sources)
        print(f"compare_records CPU seconds: {this:.2f} against {other:.2f} ({other / this:.2f}x)")


if __name__ == "__main__":
    main()
