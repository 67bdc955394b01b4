"""The comparison of two runs once they are read, whichever way the store was read."""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import TYPE_CHECKING

from assay._util import check_instance
from assay.compare import compare_records
from assay.core import Comparison, Run, Suite, diff_manifests
from assay.errors import SelfComparisonWarning
from assay.workflows._planned_stop import attach_planned_stop
from assay.workflows._unsafe import withhold_unsafe_text

if TYPE_CHECKING:
    import numpy as np
    import pyarrow as pa

__all__ = ["check_runs", "compare_loaded"]

_RUN_REF = "a run id or unique id prefix (str)"


def check_runs(baseline: object, candidate: object, function: str) -> None:
    """Refuse a baseline or candidate that is not a run reference (a string)."""
    check_instance(baseline, "baseline", function, str, _RUN_REF)
    check_instance(candidate, "candidate", function, str, _RUN_REF)


def _warn_if_self(
    base_id: str, cand_id: str, base_records: pa.Table, cand_records: pa.Table
) -> None:
    """A run gated against itself (or an identical copy) passes every no-regression rule."""
    if base_id == cand_id:
        why = f"the baseline and the candidate are the same run ({base_id[:12]})"
    elif base_records.equals(cand_records):
        why = f"runs {base_id[:12]} and {cand_id[:12]} have identical records"
    else:
        return
    warnings.warn(
        f"{why}: every difference is zero, so this comparison is no evidence about a change.",
        SelfComparisonWarning,
        stacklevel=4,  # the caller of compare_runs
    )


def compare_loaded(
    base: Run,
    base_records: pa.Table,
    cand: Run,
    cand_records: pa.Table,
    suite: Suite,
    examples: Callable[[str], pa.Table],
    *,
    shared_only: bool,
    confidence: float,
    rng: int | np.random.Generator,
    resamples: int,
    max_flips: int | None,
    show_unsafe_text: bool = False,
) -> Comparison:
    """:func:`compare_runs` of two runs read with their records, the baseline's suite and a
    reader of a suite's examples by digest (called only when a comparison needs them)."""
    _warn_if_self(base.run_id, cand.run_id, base_records, cand_records)
    comparison = compare_records(
        base,
        base_records,
        cand,
        cand_records,
        suite,
        confidence=confidence,
        shared_only=shared_only,
        rng=rng,
        resamples=resamples,
        max_flips=max_flips,
        manifest_differences=diff_manifests(base.manifest, cand.manifest),
        suite_examples=lambda: examples(base.suite_digest),
    )

    def example_ids() -> list[str]:
        table = examples(cand.suite_digest)
        return [str(i) for i in table.column("example_id").to_pylist()]

    comparison = withhold_unsafe_text(comparison, suite, show_unsafe_text)
    return attach_planned_stop(
        comparison, base, base_records, cand, cand_records, suite, example_ids
    )
