"""Builders of suites, runs (validated records tables) and run metadata for comparisons.

Every run of one suite shares a per-example latent quality, so two runs' continuous scores
are paired the way a baseline and a candidate on the same examples are.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from assay.core import ModelRef, RunInfo
from assay.data import Location, SuiteData, make_suite, validate_records
from assay.testing._factories import synthetic_records, synthetic_suite

__all__ = ["LABELS", "comparison_suite", "paired_records", "run_info"]

LABELS = ("bird", "cat", "dog")
"""The class labels of :func:`comparison_suite` with ``aggregates``."""


def comparison_suite(
    n: int = 400,
    *,
    metrics: Sequence[str] = ("accuracy", "score"),
    slices: Mapping[str, Sequence[str]] | None = None,
    cluster_size: int | None = None,
    seed: int = 0,
    aggregates: Mapping[str, str] | None = None,
    name: str = "cmp",
) -> SuiteData:
    """:func:`assay.testing.synthetic_suite`, or with ``aggregates`` (metric to aggregate) a
    suite whose references are class labels."""
    slices = {"lang": ("de", "en", "fr"), "tier": ("free", "paid")} if slices is None else slices
    if not aggregates:
        data = synthetic_suite(
            n, name=name, metrics=metrics, slices=dict(slices), cluster_size=cluster_size, seed=seed
        )
        # paired_records scores "score" on a continuous scale, which exact_match cannot give
        specs = [
            {"name": m.name} if m.name == "score" else m.model_dump() for m in data.suite.metrics
        ]
        return make_suite(name, data.examples, metrics=specs, slices=list(slices))
    rng = np.random.default_rng(seed)
    columns: dict[str, object] = {"example_id": [f"ex-{i:06d}" for i in range(n)]}
    if cluster_size:
        columns["cluster"] = [f"c-{i // cluster_size:05d}" for i in range(n)]
    for attr, values in slices.items():
        columns[attr] = rng.choice(list(values), size=n).tolist()
    columns["input"] = [f"question {i}" for i in range(n)]
    columns["reference"] = rng.choice(list(LABELS), size=n).tolist()
    specs = [{"name": m, "aggregate": (aggregates or {}).get(m, "mean")} for m in metrics]
    return make_suite(name, pa.table(columns), metrics=specs, slices=list(slices))


def _latent(n: int) -> np.ndarray[Any, np.dtype[np.float64]]:
    # one quality per example shared by every run, so the runs' scores are paired
    return np.random.default_rng(12345).normal(size=n)


def paired_records(
    data: SuiteData,
    seed: int,
    *,
    accuracy: float | Mapping[str, float] = 0.75,
    continuous: Sequence[str] = ("score",),
    shift: float = 0.0,
    samples: int = 1,
    error_rate: float = 0.0,
    label_accuracy: float = 0.7,
) -> pa.Table:
    """Validated records: 0/1 scores, continuous scores in (0, 1), labels, latency, cost."""
    rate = dict(accuracy) if isinstance(accuracy, Mapping) else accuracy
    table = synthetic_records(
        data, accuracy=rate, samples=samples, error_rate=error_rate, seed=seed
    )
    rng = np.random.default_rng(seed + 1000)
    rows = table.num_rows
    n = data.suite.n_examples
    latent = np.repeat(_latent(n), samples)
    errored = np.asarray(pc.is_valid(table.column("error")).to_numpy(zero_copy_only=False))
    for name in continuous:
        if name in table.column_names:
            x = 1.0 / (1.0 + np.exp(-(latent + shift + rng.normal(0.0, 0.7, rows))))
            x[errored] = np.nan
            i = table.column_names.index(name)
            table = table.set_column(i, name, pa.array(x))
    refs = np.repeat(
        np.asarray(data.examples.column("reference").to_pylist(), dtype=object), samples
    )
    labels = np.array([str(r).strip('"') for r in refs], dtype=object)
    wrong = rng.choice(list(LABELS), size=rows)
    outputs = np.where(rng.random(rows) < label_accuracy, labels, wrong)
    outputs = np.where(errored, None, outputs)  # type: ignore[call-overload]
    table = table.set_column(
        table.column_names.index("output"), "output", pa.array(outputs.tolist(), pa.string())
    )
    table = table.append_column("cost", pa.array(rng.gamma(2.0, 0.001 * (1 + shift), rows)))
    return validate_records(table, data, location=Location("<test>", "parquet"))


def run_info(data: SuiteData, run_id: str, model: str = "model@1") -> RunInfo:
    """Metadata of a complete run on ``data``."""
    return RunInfo(
        run_id=run_id,
        suite_name=data.suite.name,
        suite_digest=data.digest,
        model=ModelRef.parse(model),
        status="complete",
        created_at=datetime.now(UTC),
    )
