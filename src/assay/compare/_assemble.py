"""What an in-memory and a streaming comparison build alike: the comparison users read, and
the error when the runs share no example."""

from __future__ import annotations

from datetime import UTC, datetime

from assay.core import (
    Comparison,
    Coverage,
    Flip,
    FlipCount,
    ManifestDifference,
    MetricComparison,
    Run,
    RunErrors,
    RunInfo,
    Suite,
)
from assay.errors import DataError

__all__ = ["assemble", "no_shared_example"]


def no_shared_example(
    baseline: RunInfo | Run, candidate: RunInfo | Run, baseline_only: int, candidate_only: int
) -> DataError:
    """The error of two runs with no example id in common."""
    return DataError(
        f"baseline run {baseline.run_id} and candidate run {candidate.run_id} share no "
        "example: there is nothing to pair",
        column="example_id",
        expected="at least one example id in both runs",
        found=f"{baseline_only} baseline-only and {candidate_only} candidate-only examples",
    )


def assemble(
    baseline: RunInfo | Run,
    candidate: RunInfo | Run,
    suite: Suite,
    *,
    confidence: float,
    coverage: Coverage,
    results: list[MetricComparison],
    flips: list[Flip],
    flip_counts: list[FlipCount],
    errors: dict[str, RunErrors],
    manifest_differences: list[ManifestDifference] | None,
    methods: list[str],
) -> Comparison:
    """The comparison of ``candidate`` with ``baseline`` from its computed parts."""
    return Comparison(
        baseline_run=baseline.run_id,
        candidate_run=candidate.run_id,
        baseline_model=str(baseline.model),
        candidate_model=str(candidate.model),
        suite_name=suite.name,
        suite_digest=suite.digest,
        confidence=confidence,
        coverage=coverage,
        results=results,
        flips=flips,
        flip_counts=flip_counts,
        errors=errors,
        manifest_differences=[
            {"path": d.path, "a": d.a, "b": d.b} for d in manifest_differences or []
        ],
        created_at=datetime.now(UTC),
        methods=methods,
    )
