"""Whether two checkouts give bit-identical comparisons and statistics.

Runs the same cases on this checkout's package and on another's (``--against SRC``, e.g. an
earlier commit's ``git archive HEAD~1 src | tar -x -C /tmp/before``), each in its own process,
and compares what they produce byte for byte:

* ``compare_records`` on the workload of ``bench_compare.py`` (1,000,000 examples; 100,000
  with ``--quick``), multinomial and Poisson resampling: the comparison's JSON, the default
  policy's verdict and both reports (HTML and Markdown);
* the same on small, awkward runs: a handful of examples, one slice value, ties (every score
  equal), constant labels, clusters of examples, repeated samples, errored records;
* the statistics of ``bench_stats.py`` workload (c) (closed-form paired means per slice,
  paired bootstrap of macro-F1 with BCa on slices, p95 quantile bootstrap), at 1,000,000 and
  at a few hundred examples, both resampling kinds: every interval, standard error, note and
  p-value, written with ``repr`` (every bit of each float).

Prints one line per case and exits non-zero when any differs.

    python benchmarks/check_identical.py --against /tmp/before/src
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import subprocess
import sys
import tempfile
import warnings
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from assay.stats import ResampleKind

THIS = str(Path(__file__).resolve().parents[1] / "src")
HERE = Path(__file__).resolve().parent
KINDS: tuple[ResampleKind, ...] = ("multinomial", "poisson")


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _rendered(comparison: Any) -> dict[str, str]:
    from assay.gates import default_policy, evaluate_policy
    from assay.reports import render_html, render_markdown

    comparison = _fixed(comparison)  # made "now": the one field that differs by design
    verdict = evaluate_policy(default_policy(), comparison)
    return {
        "json": comparison.model_dump_json(),
        "verdict": verdict.model_dump_json(),
        "html": render_html(comparison, verdict),
        "markdown": render_markdown(comparison, verdict),
    }


def _fixed(info: Any) -> Any:
    return info.model_copy(update={"created_at": datetime(2026, 1, 1, tzinfo=UTC)})


def _big_compare(n: int, folder: Path) -> dict[str, str]:
    import pyarrow.parquet as pq

    sys.path.insert(0, str(HERE))
    from bench_compare import make_suite, run_info

    from assay.compare import compare_records

    suite = make_suite(n)
    tables = [pq.read_table(folder / f"{name}.parquet") for name in ("baseline", "candidate")]
    base, cand = (_fixed(run_info(suite, name)) for name in ("baseline", "candidate"))
    out = {}
    for kind in KINDS:
        comparison = compare_records(
            base, tables[0], cand, tables[1], suite, rng=0, resampling=kind
        )
        for key, text in _rendered(comparison).items():
            out[f"compare {n:,} {kind} {key}"] = text
    return out


def _small_cases() -> dict[str, str]:
    import pyarrow as pa
    import pyarrow.compute as pc

    from assay.compare import compare_records
    from assay.testing import comparison_suite, paired_records, run_info

    aggregates = {"label_f1": "macro_f1", "label_mcc": "mcc"}
    metrics = ("accuracy", "score", "label_f1", "label_mcc")
    cases: dict[str, dict[str, Any]] = {
        "n=6": {"n": 6},
        "n=40 clusters of 4": {"n": 40, "cluster_size": 4},
        "n=300 clusters of 7": {"n": 300, "cluster_size": 7},
        "n=250 one slice value": {"n": 250, "slices": {"lang": ("de",)}},
        "n=500 repeated samples": {"n": 500, "samples": 3},
        "n=400 errors": {"n": 400, "error_rate": 0.2},
        "n=120 ties": {"n": 120, "ties": True},
        "n=90 one label": {"n": 90, "one_label": True},
    }
    out = {}
    for name, case in cases.items():
        n = case["n"]
        data = comparison_suite(
            n,
            metrics=metrics,
            aggregates=aggregates,
            slices=case.get("slices"),
            cluster_size=case.get("cluster_size"),
            seed=3,
        )
        kw = {"samples": case.get("samples", 1), "error_rate": case.get("error_rate", 0.0)}
        base = paired_records(data, 0, **kw)
        cand = paired_records(data, 1, shift=0.2, label_accuracy=0.6, **kw)
        if case.get("ties"):  # every score and latency the same in both runs
            for col in ("accuracy", "score", "latency_ms"):
                if col in base.column_names:
                    i = base.column_names.index(col)
                    same = pa.array(np.full(base.num_rows, 1.0))
                    base, cand = base.set_column(i, col, same), cand.set_column(i, col, same)
        if case.get("one_label"):  # every output the same label
            i = cand.column_names.index("output")
            one = pc.if_else(pc.is_valid(cand.column("output")), "alpha", None)
            cand = cand.set_column(i, "output", one)
        infos = [_fixed(run_info(data, r)) for r in ("base", "cand")]
        for kind in KINDS:
            comparison = compare_records(
                infos[0], base, infos[1], cand, data.suite, resamples=500, resampling=kind
            )
            for key, text in _rendered(comparison).items():
                out[f"small {name} {kind} {key}"] = text
    return out


def _stats_workload(n: int) -> dict[str, str]:
    sys.path.insert(0, str(HERE))
    from bench_stats import _comparison_data, _macro_f1, _stats

    from assay.stats import (
        PairedStats,
        bootstrap_weights,
        paired_binary_difference,
        paired_bootstrap_table,
        paired_mean_difference,
        paired_quantile_table,
    )

    n_slices = 50 if n >= 10_000 else 4
    data = _comparison_data(n, n_slices)
    masks = {"all": np.ones(n, dtype=bool)}
    masks.update({f"s{g}": data["slice"] == g for g in range(n_slices)})
    lines = []
    for name in [f"bin{i}" for i in range(6)] + [f"cont{i}" for i in range(2)]:
        base, cand = data[name]
        method = paired_binary_difference if name.startswith("bin") else paired_mean_difference
        for s, m in masks.items():
            lines.append(f"{name} {s} {method(base[m], cand[m])!r}")
    out = {f"stats {n:,} means": "\n".join(lines)}
    for kind in KINDS:
        weights = bootstrap_weights(n, 2000, rng=8, kind=kind)
        stats = PairedStats(_stats(data["y"], data["a"]), _stats(data["y"], data["b"]), _macro_f1)
        table = paired_bootstrap_table({"macro_f1": stats}, slices=masks, weights=weights)
        lat_a, lat_b = data["latency"]
        q = paired_quantile_table(lat_a, lat_b, 0.95, slices=masks, weights=weights)
        text = [f"{k} {v!r}" for k, v in table.items()] + [f"p95 {k} {v!r}" for k, v in q.items()]
        out[f"stats {n:,} bootstrap {kind}"] = "\n".join(text)
    return out


def produce(n: int, folder: Path, dump: Path | None) -> dict[str, str]:
    texts = {**_big_compare(n, folder), **_small_cases()}
    texts |= _stats_workload(n)
    texts |= _stats_workload(300)
    if dump is not None:
        dump.mkdir(parents=True, exist_ok=True)
        for key, text in texts.items():
            (dump / (key.replace(" ", "_").replace("=", "") + ".txt")).write_text(text)
    return {key: _digest(text) for key, text in texts.items()}


def _child(src: str, n: int, folder: str, dump: str | None) -> dict[str, str]:
    env = {**os.environ, "PYTHONPATH": src}
    cmd = [sys.executable, __file__, "--n", str(n), "--produce", folder]
    done = subprocess.run(
        cmd + (["--dump", dump] if dump else []),
        check=True,
        capture_output=True,
        text=True,
        env=env,
        cwd=tempfile.gettempdir(),
    )
    result: dict[str, str] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--against", required=False, help="another checkout's src folder")
    parser.add_argument("--quick", action="store_true", help="100,000 examples")
    parser.add_argument("--n", type=int, default=None)
    parser.add_argument("--dump", default=None, help="write every output under this folder")
    parser.add_argument("--produce", type=Path, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    n = args.n or (100_000 if args.quick else 1_000_000)
    if args.produce is not None:
        warnings.simplefilter("ignore")  # small slices warn in the gate, the same in both
        dump = None if args.dump is None else Path(args.dump)
        print(json.dumps(produce(n, args.produce, dump)))
        return
    if not args.against:
        parser.error("--against SRC is required")
    with tempfile.TemporaryDirectory() as tmp:
        bench = str(HERE / "bench_compare.py")
        subprocess.run([sys.executable, bench, "--n", str(n), "--write", tmp], check=True)
        sources = {"this": THIS, "against": str(Path(args.against).resolve())}
        got = {
            label: _child(src, n, tmp, None if args.dump is None else f"{args.dump}/{label}")
            for label, src in sources.items()
        }
    differ = 0
    for key in got["this"]:
        same = got["this"][key] == got["against"].get(key)
        differ += not same
        print(f"{'same  ' if same else 'DIFFER'} {key}")
    print(f"{len(got['this'])} outputs, {differ} differ")
    sys.exit(1 if differ else 0)


if __name__ == "__main__":
    main()
