"""The runs both servers list in bench_server.py, and MLflow's side of it.

``run_specs`` is plain ``random`` so that assay's interpreter and MLflow's agree on every run.
``python benchmarks/_server_mlflow.py fill CONFIG`` runs in the interpreter that has mlflow: it
creates MLflow's tables in the database ``CONFIG["uri"]`` names (through MLflow's own store, so
its migrations run) and fills them in bulk with exactly the rows MLflow's write path produces
(runs, tags, params, metrics, latest metrics); it prints the experiment id as JSON.
"""

from __future__ import annotations

import json
import random
import sys
from typing import Any

from _mlflow_rows import add_mlflow_runs

THRESHOLD = 0.8
TEAMS = ("x", "y", "z", "w")
SUITE = "bench-list"


def run_specs(n: int, seed: int = 0) -> list[dict[str, Any]]:
    """The same ``n`` runs for both stores."""
    rng = random.Random(seed)
    return [
        {
            "run_id": f"run{i:05d}",
            "model": f"model-{i % 10}",
            "version": str(i % 3),
            "accuracy": rng.uniform(0.5, 0.95),
            "f1": rng.uniform(0.4, 0.9),
            "latency": rng.uniform(5.0, 50.0),
            "team": TEAMS[i % len(TEAMS)],
            "stage": ("candidate", "baseline")[i % 2],
            "lr": rng.choice([0.01, 0.1, 0.3]),
            "depth": rng.randint(2, 8),
            "minute": i,
        }
        for i in range(n)
    ]


def expected_matches(specs: list[dict[str, Any]]) -> int:
    """Runs with accuracy >= THRESHOLD and team x."""
    return sum(1 for s in specs if s["accuracy"] >= THRESHOLD and s["team"] == "x")


def mlflow_filter() -> str:
    return f"metrics.accuracy >= {THRESHOLD} and tags.team = 'x'"


def fill(config: dict[str, Any]) -> None:
    import logging

    logging.disable(logging.WARNING)
    import mlflow  # type: ignore[import-not-found]
    from mlflow.store.tracking.dbmodels import models  # type: ignore[import-not-found]
    from mlflow.store.tracking.sqlalchemy_store import (  # type: ignore[import-not-found]
        SqlAlchemyStore,
    )

    store = SqlAlchemyStore(config["uri"], config["artifacts"])
    experiment = store.create_experiment(SUITE, artifact_location=config["artifacts"])
    specs = run_specs(config["n_runs"])
    with store.ManagedSessionMaker() as session:
        add_mlflow_runs(session, models, int(experiment), specs, config["artifacts"])
    store.engine.dispose()
    print(json.dumps({"experiment_id": str(experiment), "version": mlflow.__version__}))


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "fill":
        fill(json.loads(sys.argv[2]))
    else:
        sys.exit("usage: _server_mlflow.py fill CONFIG_JSON")
