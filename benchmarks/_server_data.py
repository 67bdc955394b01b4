"""What bench_server.py stores: many small runs to list, and runs of many records to page.

The small runs are inserted in bulk with exactly the rows the store's own write path produces
(one shared records file), as in bench_store.py; the large runs go through ``assay.log_run``.
"""

from __future__ import annotations

import sys
from datetime import UTC, datetime, timedelta
from typing import Any

from _server_mlflow import SUITE, run_specs

LANGS = ("en", "de", "fr", "es", "ja")
DOMAINS = ("news", "chat", "code", "legal")
WORDS = ("river", "castle", "engine", "violet", "harbor", "lantern", "meadow", "quartz")
RECORD_SUITE = "bench-records"


def fill_runs(store: Any, n: int) -> None:
    """Store the ``n`` runs of ``run_specs(n)`` on a suite named ``bench-list``."""
    import pyarrow as pa

    from assay.core import CodeVersion, Manifest, MetricSpec, MetricSummary, ModelRef, Run, Suite
    from assay.storage._engine import write_transaction

    suite = Suite(
        name=SUITE,
        metrics=(MetricSpec(name="accuracy"), MetricSpec(name="f1"), MetricSpec(name="latency")),
        examples_digest="0" * 64,
        n_examples=1,
    )
    store.suites.put(suite, pa.table({"example_id": ["ex0"]}))
    t0 = datetime(2025, 1, 1, tzinfo=UTC)

    def summary(value: float) -> MetricSummary:
        return MetricSummary(
            estimate=value, low=value - 0.02, high=value + 0.02, method="wilson", n=500
        )

    runs = []
    for s in run_specs(n):
        model = ModelRef(name=s["model"], version=s["version"])
        manifest = Manifest(
            assay_version="0.1.0",
            created_at=t0,
            code=CodeVersion(),
            python=sys.version.split()[0],
            suite_digest=suite.digest,
            model=model,
        )
        runs.append(
            Run(
                run_id=s["run_id"],
                suite_name=suite.name,
                suite_digest=suite.digest,
                model=model,
                manifest=manifest,
                status="complete",
                created_at=t0 + timedelta(minutes=s["minute"]),
                content_digest=f"{s['run_id']:0>64}"[-64:],
                metrics={m: summary(s[m]) for m in ("accuracy", "f1", "latency")},
                tags={"team": s["team"], "stage": s["stage"]},
                params={"lr": s["lr"], "depth": s["depth"]},
                n_records=1,
            )
        )
    stored, _ = store.runs.put(runs[0], pa.table({"example_id": ["ex0"], "accuracy": [1.0]}))
    import sqlalchemy as sa

    from assay.storage._schema import runs as runs_table

    with store.engine.connect() as conn:
        path = sa.select(runs_table.c.records_path).where(runs_table.c.run_id == stored.run_id)
        shared = conn.execute(path).scalar_one()
    with write_transaction(store.engine) as conn:
        for run in runs[1:]:
            store.runs._insert(conn, run, shared)


def record_suite(n: int) -> Any:
    """A suite of ``n`` examples with two slices (language, domain) and text inputs."""
    import numpy as np
    import pyarrow as pa

    import assay

    rng = np.random.default_rng(0)
    ids = [f"ex-{i:07d}" for i in range(n)]
    examples = pa.table(
        {
            "example_id": ids,
            "input": [f"question {i}" for i in range(n)],
            "lang": rng.choice(LANGS, n),
            "domain": rng.choice(DOMAINS, n),
        }
    )
    return assay.make_suite(
        RECORD_SUITE, examples, metrics=["correct", "score"], slices=["lang", "domain"]
    )


def records(n: int, seed: int) -> Any:
    """Per-example results of one model: an output text, a 0/1 and a continuous score."""
    import numpy as np
    import pyarrow as pa

    rng = np.random.default_rng(seed)
    words = rng.choice(WORDS, n)
    outputs = [f"the {w} answer {i}" for i, w in enumerate(words.tolist())]
    return pa.table(
        {
            "example_id": [f"ex-{i:07d}" for i in range(n)],
            "output": outputs,
            "correct": (rng.random(n) < 0.7 + 0.02 * seed).astype(float),
            "score": rng.random(n),
        }
    )
