"""Runs and comparisons as pandas data frames, for notebooks.

pandas is imported inside the functions: core stays free of numeric libraries at import time,
and ``import assay`` stays fast.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

    from assay.core.comparison import Comparison
    from assay.core.run import RunInfo

__all__ = ["comparison_frame", "runs_frame"]

_RUN_COLUMNS = [
    "run_id",
    "model",
    "version",
    "suite",
    "suite_digest",
    "created",
    "status",
    "records",
    "examples",
    "errors",
    "tags",
]

_COMPARISON_COLUMNS = [
    "metric",
    "goal",
    "slice_attribute",
    "slice_value",
    "n",
    "n_clusters",
    "baseline",
    "baseline_low",
    "baseline_high",
    "candidate",
    "candidate_low",
    "candidate_high",
    "difference",
    "difference_low",
    "difference_high",
    "p",
    "p_adj",
    "test",
    "method",
    "adjustment",
]


def runs_frame(runs: list[RunInfo]) -> pd.DataFrame:
    """One row per run: who, on what, when, tags, and each metric's estimate, low and high.

    A metric's columns are ``<metric>``, ``<metric>_low`` and ``<metric>_high``, in order of
    first appearance (``metric:<metric>`` when the name is one of the fixed columns); a run
    without that metric has missing values there.
    """
    import pandas as pd

    metrics = list(dict.fromkeys(name for run in runs for name in run.metrics))
    # a metric named like a fixed column (``model``, ``records``) must not overwrite it
    column = {m: f"metric:{m}" if m in _RUN_COLUMNS else m for m in metrics}
    rows: list[dict[str, Any]] = []
    for run in runs:
        row: dict[str, Any] = {
            "run_id": run.run_id,
            "model": run.model.name,
            "version": run.model.version,
            "suite": run.suite_name,
            "suite_digest": run.suite_digest,
            "created": run.created_at,
            "status": run.status,
            "records": run.n_records,
            "examples": run.n_examples,
            "errors": run.n_errors,
            "tags": dict(run.tags),
        }
        for name in metrics:
            summary = run.metrics.get(name)
            col = column[name]
            row[col] = None if summary is None else summary.estimate
            row[f"{col}_low"] = None if summary is None else summary.low
            row[f"{col}_high"] = None if summary is None else summary.high
        rows.append(row)
    columns = _RUN_COLUMNS + [
        c for m in metrics for c in (column[m], f"{column[m]}_low", f"{column[m]}_high")
    ]
    frame = pd.DataFrame(rows, columns=columns)
    frame["created"] = pd.to_datetime(frame["created"], utc=True)
    return frame


def comparison_frame(comparison: Comparison) -> pd.DataFrame:
    """One row per metric x slice: both estimates, the paired difference with its interval,
    raw and adjusted p-values, n and the methods (overall rows have empty slice columns)."""
    import pandas as pd

    rows = [
        {
            "metric": r.metric,
            "goal": r.goal,
            "slice_attribute": r.slice_attribute,
            "slice_value": r.slice_value,
            "n": r.n,
            "n_clusters": r.n_clusters,
            "baseline": r.baseline.estimate,
            "baseline_low": r.baseline.low,
            "baseline_high": r.baseline.high,
            "candidate": r.candidate.estimate,
            "candidate_low": r.candidate.low,
            "candidate_high": r.candidate.high,
            "difference": r.difference.estimate,
            "difference_low": r.difference.low,
            "difference_high": r.difference.high,
            "p": r.p_value,
            "p_adj": r.p_adjusted,
            "test": r.test,
            "method": r.difference.method,
            "adjustment": r.adjustment,
        }
        for r in comparison.results
    ]
    frame = pd.DataFrame(rows, columns=_COMPARISON_COLUMNS)
    return frame.astype({"n_clusters": "Int64", "p_adj": "float64"})
