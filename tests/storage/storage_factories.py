"""Small factories of real suites, runs and records for the storage tests."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta

import numpy as np
import pyarrow as pa

from assay.core import (
    CodeVersion,
    Manifest,
    MetricSpec,
    MetricSummary,
    ModelRef,
    Run,
    SliceSpec,
    Suite,
    digest,
)

T0 = datetime(2025, 1, 1, tzinfo=UTC)


def make_examples(n: int = 20, *, seed: int = 0) -> pa.Table:
    """An examples table with ids, clusters, a slice attribute and references."""
    rng = np.random.default_rng(seed)
    return pa.table(
        {
            "example_id": [f"ex-{i:05d}" for i in range(n)],
            "cluster": [f"c{i // 4}" for i in range(n)],
            "lang": rng.choice(["en", "fr"], size=n).tolist(),
            "reference": rng.integers(0, 2, size=n).tolist(),
        }
    )


def make_suite(
    name: str = "qa", *, n: int = 20, seed: int = 0, version: str = "1"
) -> tuple[Suite, pa.Table]:
    """A suite and its examples; different seeds give different suite digests."""
    examples = make_examples(n, seed=seed)
    suite = Suite(
        name=name,
        version=version,
        metrics=(MetricSpec(name="accuracy"), MetricSpec(name="latency", goal="lower")),
        slices=(SliceSpec(name="lang"),),
        examples_digest=digest({"examples": examples.to_pylist()}),
        n_examples=n,
    )
    return suite, examples


def make_records(n: int = 20, *, seed: int = 0, errors: int = 0) -> pa.Table:
    """Per-example records with two metric columns; the first ``errors`` rows failed."""
    rng = np.random.default_rng(seed)
    error = [("timeout" if i < errors else None) for i in range(n)]
    return pa.table(
        {
            "example_id": [f"ex-{i:05d}" for i in range(n)],
            "accuracy": rng.integers(0, 2, size=n).astype(float),
            "latency": rng.gamma(2.0, 10.0, size=n),
            "error": pa.array(error, type=pa.string()),
        }
    )


def make_run(
    suite: Suite,
    records: pa.Table,
    *,
    run_id: str | None = None,
    model: str = "clf@1",
    accuracy: float = 0.8,
    tags: Mapping[str, str] | None = None,
    params: Mapping[str, str | int | float | bool | None] | None = None,
    minutes: int = 0,
    content_digest: str | None = None,
) -> Run:
    """A complete run of ``model`` on ``suite`` whose stored accuracy estimate is ``accuracy``."""
    ref = ModelRef.parse(model, {"depth": 3})
    created = T0 + timedelta(minutes=minutes)
    manifest = Manifest(
        assay_version="0.1.0",
        created_at=created,
        code=CodeVersion(commit="abc123", describe="abc123 (clean)"),
        python="CPython 3.11",
        packages={"numpy": "2.4"},
        seeds={"model": 0},
        suite_digest=suite.digest,
        model=ref,
        provenance={"prompt": "Answer: {{input}}"},
        source="python",
    )
    metrics = {
        "accuracy": MetricSummary(
            estimate=accuracy,
            low=accuracy - 0.05,
            high=accuracy + 0.05,
            method="wilson",
            n=records.num_rows,
        ),
        "latency": MetricSummary(
            estimate=20.0, low=18.0, high=22.0, method="t", n=records.num_rows
        ),
    }
    rid = run_id or uuid.uuid4().hex
    return Run(
        run_id=rid,
        suite_name=suite.name,
        suite_digest=suite.digest,
        model=ref,
        manifest=manifest,
        params=dict(params or {"lr": 0.1}),
        tags=dict(tags or {}),
        status="complete",
        created_at=created,
        content_digest=content_digest if content_digest is not None else digest([rid, accuracy]),
        n_records=records.num_rows,
        metrics=metrics,
    )
