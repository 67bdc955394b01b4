"""Small factories of the stored things: suite models, runs, records, decisions, approvals."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta

import numpy as np
import pyarrow as pa

from assay.core import (
    Approval,
    CodeVersion,
    Decision,
    Manifest,
    MetricSpec,
    MetricSummary,
    ModelRef,
    Run,
    SliceSpec,
    Suite,
    Verdict,
    digest,
)
from assay.data import examples_digest
from assay.gates import default_policy
from assay.storage import Store

__all__ = [
    "T0",
    "make_approval",
    "make_decision",
    "make_examples",
    "make_records",
    "make_run",
    "make_suite_model",
    "store_runs",
]

T0 = datetime(2025, 1, 1, tzinfo=UTC)
"""When the factories' runs and decisions are made (plus their ``minutes``)."""


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


def make_suite_model(
    name: str = "qa", *, n: int = 20, seed: int = 0, version: str = "1"
) -> tuple[Suite, pa.Table]:
    """A suite and its examples; different seeds give different suite digests."""
    examples = make_examples(n, seed=seed)
    suite = Suite(
        name=name,
        version=version,
        metrics=(MetricSpec(name="accuracy"), MetricSpec(name="latency", goal="lower")),
        slices=(SliceSpec(name="lang"),),
        examples_digest=examples_digest(examples),
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


def make_decision(
    baseline: str,
    candidate: str,
    *,
    decision_id: str | None = None,
    verdict: Verdict = Verdict.SHIP,
    minutes: int = 0,
    suite_digest: str = "d" * 64,
) -> Decision:
    """A decision between two stored runs, made ``minutes`` after :data:`T0`."""
    did = decision_id or uuid.uuid4().hex
    return Decision(
        decision_id=did,
        created_at=T0 + timedelta(minutes=minutes),
        title=f"{candidate} vs {baseline}",
        verdict=verdict,
        summary=f"The policy says {verdict.value}.",
        policy="default",
        policy_digest=default_policy().digest,  # the shipped policy it names
        suite_digest=suite_digest,
        baseline_run=baseline,
        candidate_run=candidate,
        artifacts={"comparison": digest({"comparison": did}), "memo": digest({"memo": did})},
    )


def make_approval(role: str = "safety", *, status: str = "approved", minutes: int = 0) -> Approval:
    """An approval signed in ``role`` ``minutes`` after :data:`T0`."""
    return Approval.model_validate(
        {
            "role": role,
            "name": f"{role} lead",
            "status": status,
            "note": f"checked by {role}",
            "at": T0 + timedelta(minutes=minutes),
        }
    )


def store_runs(store: Store, n: int = 3) -> list[str]:
    """Store a suite and ``n`` runs of it (``run-0`` ...); returns the run ids."""
    suite, examples = make_suite_model("qa")
    store.suites.put(suite, examples)
    ids = []
    for i in range(n):
        records = make_records(20, seed=i)
        run, _ = store.runs.put(make_run(suite, records, run_id=f"run-{i}", minutes=i), records)
        ids.append(run.run_id)
    return ids
