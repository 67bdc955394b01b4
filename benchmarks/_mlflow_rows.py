"""MLflow's rows for benchmark runs, written in bulk: what its write path would store.

Runs in the interpreter that has mlflow (bench_store.py's and bench_server.py's MLflow side):
one ``SqlRun`` per spec, then its metrics (and latest metrics), tags and params.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

START_MS = 1_735_689_600_000
"""2025-01-01 00:00 UTC, in milliseconds: run ``minute`` m starts m minutes later."""


def add_mlflow_runs(
    session: Any,
    models: Any,
    experiment_id: int,
    specs: Sequence[dict[str, Any]],
    artifact_root: str,
    *,
    tags: Sequence[str] = ("team", "stage"),
) -> None:
    """Add the runs of ``specs`` with their metrics, ``tags`` and params to ``session``."""
    for s in specs:
        uuid = f"{s['run_id']:0>32}"
        when = START_MS + 60_000 * s["minute"]
        session.add(
            models.SqlRun(
                run_uuid=uuid,
                name=s["run_id"],
                experiment_id=experiment_id,
                user_id="bench",
                status="FINISHED",
                start_time=when,
                end_time=when + 1000,
                lifecycle_stage="active",
                artifact_uri=f"{artifact_root}/{uuid}",
                source_type="LOCAL",
                source_name="bench",
            )
        )
    session.flush()
    for s in specs:
        uuid = f"{s['run_id']:0>32}"
        when = START_MS + 60_000 * s["minute"]
        for key in ("accuracy", "f1", "latency"):
            row = {"key": key, "value": s[key], "timestamp": when, "step": 0, "is_nan": False}
            session.add(models.SqlMetric(run_uuid=uuid, **row))
            session.add(models.SqlLatestMetric(run_uuid=uuid, **row))
        for key in tags:
            session.add(models.SqlTag(run_uuid=uuid, key=key, value=s[key]))
        for key in ("lr", "depth"):
            session.add(models.SqlParam(run_uuid=uuid, key=key, value=str(s[key])))
