"""The run store: assay against MLflow's SQLite tracking store, measured in the same run.

1. Listing: 10,000 stored runs (3 metrics, 2 tags, 2 params each), filtered by a metric
   threshold and a tag (``accuracy > 0.8`` and ``stage = candidate``):
   ``store.runs.list(RunQuery(...))`` against ``MlflowClient.search_runs`` with the same filter.
   Median of repeated queries after one warm-up; both must return the same number of runs.
   The first query's CPU time is also split into its steps: the SQL (ids and stored JSON of
   the matching runs) and the JSON into ``RunInfo`` models, beside ``json.loads`` alone; and
   its mean over 40 calls in one process, which carries the collector's occasional full passes
   that the median leaves out.
2. Logging 100,000 metric values from Python: assay stores one run whose records table has
   100,000 scores (``store.runs.put``, one Parquet file and one transaction) against
   ``MlflowClient.log_batch`` of 100,000 metrics into a run (batches of 1,000, MLflow's limit).

Each figure is given as wall-clock time and as the process's CPU time; on a loaded machine
the wall-clock ratio moves with whichever process the scheduler favoured, the CPU ratio barely.

Creating 10,000 runs through MLflow's API takes about 0.1 s each, so both stores are filled in
bulk with exactly the rows their own write paths produce: MLflow through its ORM models
(runs, params, tags, metrics, latest metrics), assay through its repository's insert (runs,
metrics, tags, params) with one shared records file. Only the queries and the logging are timed.

MLflow runs in a separate interpreter (``--mlflow-python``, or ``ASSAY_BENCH_MLFLOW_PYTHON``,
or this one when it has mlflow), so that its dependencies need not share assay's environment.
Without mlflow the reference is reported as unavailable and assay's times are still printed.

    python benchmarks/bench_store.py            # 10,000 runs, 100,000 values
    python benchmarks/bench_store.py --quick    # 2,000 runs, 20,000 values
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from _store_report import report

THRESHOLD = 0.8
MEAN_REPEATS = 40
STAGES = ("candidate", "baseline", "shadow", "retired")


def run_specs(n: int, seed: int = 0) -> list[dict[str, Any]]:
    """The same n runs for both stores (plain ``random``, so both interpreters agree)."""
    rng = random.Random(seed)
    return [
        {
            "run_id": f"run{i:05d}",
            "model": f"model-{i % 10}",
            "version": str(i % 3),
            "accuracy": rng.uniform(0.5, 0.95),
            "f1": rng.uniform(0.4, 0.9),
            "latency": rng.uniform(5.0, 50.0),
            "stage": STAGES[i % 4],
            "team": f"team-{i % 5}",
            "lr": rng.choice([0.01, 0.1, 0.3]),
            "depth": rng.randint(2, 8),
            "minute": i,
        }
        for i in range(n)
    ]


def expected_matches(specs: list[dict[str, Any]]) -> int:
    return sum(1 for s in specs if s["accuracy"] > THRESHOLD and s["stage"] == "candidate")


def _median_time(fn: Any, repeats: int, setup: Any = None) -> tuple[float, float, Any]:
    """Median wall-clock and CPU seconds of ``fn`` (CPU time barely moves with other load)."""
    result = fn()  # warm-up
    walls, cpus = [], []
    for _ in range(repeats):
        if setup is not None:
            setup()  # untimed: what a fresh process would not have to do
        start, cpu = time.perf_counter(), time.process_time()
        result = fn()
        walls.append(time.perf_counter() - start)
        cpus.append(time.process_time() - cpu)
    return statistics.median(walls), statistics.median(cpus), result


def _mean_time(fn: Any, repeats: int, setup: Any) -> float:
    """Mean wall-clock seconds of ``fn`` over ``repeats`` calls in this process: unlike the
    median, it carries the garbage collector's occasional full passes."""
    total = 0.0
    for _ in range(repeats):
        setup()
        start = time.perf_counter()
        fn()
        total += time.perf_counter() - start
    return total / repeats


# --------------------------------------------------------------------------- assay


def assay_bench(folder: Path, n_runs: int, n_values: int, repeats: int) -> dict[str, Any]:
    from datetime import UTC, datetime, timedelta

    import numpy as np
    import pyarrow as pa
    import sqlalchemy as sa

    from assay.core import CodeVersion, Manifest, MetricSpec, MetricSummary, ModelRef, Run, Suite
    from assay.storage import MetricFilter, RunQuery, open_store
    from assay.storage._engine import write_transaction
    from assay.storage._run_write import insert_run
    from assay.storage._schema import runs as runs_table

    store = open_store(f"sqlite:///{folder / 'assay.db'}", artifacts=str(folder / "files"))
    suite = Suite(
        name="bench",
        metrics=(MetricSpec(name="accuracy"), MetricSpec(name="f1"), MetricSpec(name="score")),
        examples_digest="0" * 64,
        n_examples=n_values,
    )
    store.suites.put(suite, pa.table({"example_id": [f"ex{i}" for i in range(n_values)]}))
    t0 = datetime(2025, 1, 1, tzinfo=UTC)

    def make_run(run_id: str, model: ModelRef, minute: int, **extra: Any) -> Run:
        manifest = Manifest(
            assay_version="0.1.0",
            created_at=t0,
            code=CodeVersion(),
            python=sys.version.split()[0],
            suite_digest=suite.digest,
            model=model,
        )
        return Run(
            run_id=run_id,
            suite_name=suite.name,
            suite_digest=suite.digest,
            model=model,
            manifest=manifest,
            status="complete",
            created_at=t0 + timedelta(minutes=minute),
            content_digest=f"{run_id:0>64}"[-64:],
            **extra,
        )

    def summary(value: float) -> MetricSummary:
        return MetricSummary(
            estimate=value, low=value - 0.02, high=value + 0.02, method="wilson", n=500
        )

    specs = run_specs(n_runs)
    first = specs[0]
    tiny = pa.table({"example_id": ["ex0"], "score": [1.0]})
    runs = [
        make_run(
            s["run_id"],
            ModelRef(name=s["model"], version=s["version"]),
            s["minute"],
            metrics={m: summary(s[m]) for m in ("accuracy", "f1", "latency")},
            tags={"stage": s["stage"], "team": s["team"]},
            params={"lr": s["lr"], "depth": s["depth"]},
            n_records=1,
        )
        for s in specs
    ]
    store.runs.put(runs[0], tiny)
    with store.engine.connect() as conn:
        path = sa.select(runs_table.c.records_path).where(runs_table.c.run_id == first["run_id"])
        shared = conn.execute(path).scalar_one()
    with write_transaction(store.engine) as conn:
        for run in runs[1:]:
            insert_run(conn, run, shared)

    query = RunQuery(
        tags={"stage": "candidate"}, metric_filters=[MetricFilter("accuracy", ">", THRESHOLD)]
    )

    def forget() -> None:
        # as in a fresh process: no RunInfo parsed from JSON and no listing kept (freeing the
        # old ones untimed); getattr: an older assay measured with --against keeps no listings
        store.runs._infos.clear()
        getattr(store.runs, "_listings", {}).clear()

    def cold() -> Any:
        forget()
        return store.runs.list(query)

    cold_s, cold_cpu_s, found = _median_time(cold, repeats, setup=forget)
    assert len(found) == expected_matches(specs), (len(found), expected_matches(specs))
    cold_mean_s = _mean_time(cold, MEAN_REPEATS, setup=forget)
    parts = first_query_parts(store, query, repeats)
    search_s, search_cpu_s, found = _median_time(lambda: store.runs.list(query), repeats)
    assert len(found) == expected_matches(specs), (len(found), expected_matches(specs))

    rng = np.random.default_rng(0)
    log_times, log_cpus = [], []
    for k in range(3):
        scores = rng.random(n_values)
        start, cpu = time.perf_counter(), time.process_time()
        records = pa.table({"example_id": [f"ex{i}" for i in range(n_values)], "score": scores})
        run = make_run(
            f"log-{k}",
            ModelRef(name="logger"),
            0,
            metrics={"score": summary(float(scores.mean()))},
        )
        store.runs.put(run, records)
        log_times.append(time.perf_counter() - start)
        log_cpus.append(time.process_time() - cpu)
    store.close()
    return {
        "search_s": search_s,
        "search_cpu_s": search_cpu_s,
        "cold_search_s": cold_s,
        "cold_search_cpu_s": cold_cpu_s,
        "cold_mean_s": cold_mean_s,
        "cold_mean_repeats": MEAN_REPEATS,
        "matches": len(found),
        "log_s": statistics.median(log_times),
        "log_cpu_s": statistics.median(log_cpus),
        "parts": parts,
    }


def first_query_parts(store: Any, query: Any, repeats: int) -> dict[str, float]:
    """Median CPU seconds of the first query's two steps: the SQL (ids and ``info`` JSON of
    the matches) and the JSON into ``RunInfo`` models; and ``json.loads`` of the same texts."""
    from assay.storage._engine import read_connection
    from assay.storage._run_infos import infos_of, read_ids

    def sql() -> Any:
        with read_connection(store.engine) as conn:
            return read_ids(conn, query, {})

    _, sql_s, (ids, texts, tags) = _median_time(sql, repeats)
    _, models_s, _ = _median_time(lambda: infos_of({}, ids, texts, tags), repeats)
    _, loads_s, _ = _median_time(lambda: [json.loads(text) for text in texts], repeats)
    return {"sql": sql_s, "models": models_s, "json_loads": loads_s}


# --------------------------------------------------------------------------- MLflow


def mlflow_worker(config: dict[str, Any]) -> None:
    """Runs in the interpreter that has mlflow; prints one JSON line of results."""
    import logging

    logging.disable(logging.WARNING)
    import mlflow  # type: ignore[import-not-found]
    from mlflow import MlflowClient
    from mlflow.entities import Metric  # type: ignore[import-not-found]
    from mlflow.store.tracking.dbmodels import models  # type: ignore[import-not-found]

    folder = Path(config["folder"])
    client = MlflowClient(tracking_uri=f"sqlite:///{folder / 'mlflow.db'}")
    experiment = client.create_experiment("bench", artifact_location=str(folder / "artifacts"))
    store = client._tracking_client.store
    from _mlflow_rows import add_mlflow_runs

    specs = run_specs(config["n_runs"])
    with store.ManagedSessionMaker() as session:
        add_mlflow_runs(
            session,
            models,
            int(experiment),
            specs,
            str(folder / "artifacts"),
            tags=("stage", "team"),
        )
    filter_string = f"metrics.accuracy > {THRESHOLD} and tags.stage = 'candidate'"

    def search() -> Any:
        return client.search_runs([experiment], filter_string, max_results=50_000)

    search_s, search_cpu_s, found = _median_time(search, config["repeats"])
    assert len(found) == expected_matches(specs), (len(found), expected_matches(specs))

    import numpy as np

    scores = np.random.default_rng(0).random(config["n_values"])
    run_id = client.create_run(experiment).info.run_id
    start, cpu = time.perf_counter(), time.process_time()
    now = int(time.time() * 1000)
    metrics = [Metric("score", float(v), now, i) for i, v in enumerate(scores)]
    for i in range(0, len(metrics), 1000):
        client.log_batch(run_id, metrics=metrics[i : i + 1000])
    log_s, log_cpu_s = time.perf_counter() - start, time.process_time() - cpu
    print(
        json.dumps(
            {
                "version": mlflow.__version__,
                "search_s": search_s,
                "search_cpu_s": search_cpu_s,
                "matches": len(found),
                "log_s": log_s,
                "log_cpu_s": log_cpu_s,
            }
        )
    )


def find_mlflow_python(explicit: str | None) -> str | None:
    candidate = explicit or os.environ.get("ASSAY_BENCH_MLFLOW_PYTHON")
    if candidate:
        return candidate
    return sys.executable if importlib.util.find_spec("mlflow") is not None else None


def mlflow_bench(python: str | None, folder: Path, config: dict[str, Any]) -> dict[str, Any] | str:
    if python is None:
        return "mlflow is not installed (pip install mlflow, or pass --mlflow-python)"
    config = {**config, "folder": str(folder)}
    done = subprocess.run(
        [python, __file__, "--mlflow-worker", json.dumps(config)],
        capture_output=True,
        text=True,
        cwd=folder,
        check=False,
    )
    if done.returncode != 0:
        return f"the MLflow reference failed: {done.stderr.strip().splitlines()[-1:]}"
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


# --------------------------------------------------------------------------- report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="2,000 runs and 20,000 values")
    parser.add_argument("--mlflow-python", help="an interpreter with mlflow installed")
    parser.add_argument("--mlflow-worker", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.mlflow_worker:
        mlflow_worker(json.loads(args.mlflow_worker))
        return
    n_runs, n_values = (2_000, 20_000) if args.quick else (10_000, 100_000)
    config = {"n_runs": n_runs, "n_values": n_values, "repeats": 5}
    with tempfile.TemporaryDirectory(prefix="bench-store-") as tmp:
        (Path(tmp) / "assay").mkdir()
        (Path(tmp) / "mlflow").mkdir()
        ours = assay_bench(Path(tmp) / "assay", n_runs, n_values, repeats=21)
        reference = mlflow_bench(
            find_mlflow_python(args.mlflow_python), Path(tmp) / "mlflow", config
        )

    report(ours, reference, n_runs=n_runs, n_values=n_values, threshold=THRESHOLD)


if __name__ == "__main__":
    main()
