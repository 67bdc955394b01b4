"""A store for the dashboard's tests: two runs on one suite (the candidate's outputs and model
name hostile), a recorded decision between them, and a long output to fold."""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa

import assay
from assay.core import ModelRef
from assay.storage import Store
from assay.testing import comparison_suite, paired_records

SCRIPT = "<script>alert(1)</script>"
IMG = '"><img src=x onerror=alert(1)>'
LONG = "a long answer " * 200
CONTROL_NAME = "cand\x1b[31m\u202e"


@dataclass(frozen=True)
class DashboardData:
    """What the dashboard store holds."""

    baseline: str
    candidate: str
    decision: str
    hostile_examples: tuple[str, str]


def fill_dashboard_store(store: Store, reports: Path, n: int = 120) -> DashboardData:
    """Two runs and a decision in ``store`` (reports written under ``reports``)."""
    data = comparison_suite(n, seed=1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assay.register_suite(data, store=store)
        base = paired_records(data, 1, accuracy=0.7)
        cand = paired_records(data, 2, accuracy=0.8)
        outputs = cand.column("output").to_pylist()
        outputs[0], outputs[1], outputs[2] = SCRIPT, IMG, LONG
        i = cand.column_names.index("output")
        cand = cand.set_column(i, "output", pa.array(outputs, pa.string()))
        ids = cand.column("example_id").to_pylist()
        b = assay.log_run(base, suite=data, model="base@1", store=store, tags={"stage": "baseline"})
        c = assay.log_run(
            cand,
            suite=data,
            model=ModelRef(name=CONTROL_NAME, version="2"),
            store=store,
            tags={"stage": "candidate", "note": SCRIPT},
        )
        assay.note_run(c.run.run_id, IMG, store=store)
        record = assay.decide(b.run.run_id, c.run.run_id, store=store, output=reports)
    return DashboardData(
        b.run.run_id, c.run.run_id, record.decision.decision_id, (str(ids[0]), str(ids[1]))
    )
