"""The comparison of two runs once they are read, whichever way the store was read."""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypedDict

from assay._util import check_instance, check_int, check_probability
from assay.compare import compare_records
from assay.core import Comparison, ManifestDifference, Run, Suite, diff_manifests
from assay.errors import SelfComparisonWarning
from assay.workflows._planned_stop import attach_planned_stop
from assay.workflows._unsafe import withhold_unsafe_text

if TYPE_CHECKING:
    import numpy as np
    import pyarrow as pa

__all__ = ["CompareOptions", "check_compare", "check_runs", "compare_loaded"]

_RUN_REF = "a run id or unique id prefix (str)"


def check_runs(baseline: object, candidate: object, function: str) -> None:
    """Refuse a baseline or candidate that is not a run reference (a string)."""
    check_instance(baseline, "baseline", function, str, _RUN_REF)
    check_instance(candidate, "candidate", function, str, _RUN_REF)


def check_compare(baseline: object, candidate: object, confidence: float, resamples: int) -> None:
    """Refuse what :func:`compare_runs` refuses before it reads a run."""
    check_runs(baseline, candidate, "compare_runs")
    check_probability(confidence, "confidence", "compare_runs")
    check_int(resamples, "resamples", "compare_runs")


class _Arguments(TypedDict):
    confidence: float
    shared_only: bool
    rng: int | np.random.Generator
    resamples: int
    max_flips: int | None
    manifest_differences: list[ManifestDifference]
    suite_examples: Callable[[], pa.Table]


@dataclass(frozen=True)
class CompareOptions:
    """The options of :func:`compare_runs` that the comparison of two read runs takes."""

    shared_only: bool
    confidence: float
    rng: int | np.random.Generator
    resamples: int
    max_flips: int | None
    show_unsafe_text: bool

    def arguments(self, base: Run, cand: Run, examples: Callable[[str], pa.Table]) -> _Arguments:
        """The keyword arguments of the comparison of ``base`` and ``cand``."""
        return _Arguments(
            confidence=self.confidence,
            shared_only=self.shared_only,
            rng=self.rng,
            resamples=self.resamples,
            max_flips=self.max_flips,
            manifest_differences=diff_manifests(base.manifest, cand.manifest),
            suite_examples=lambda: examples(base.suite_digest),
        )


def warn_if_self(
    base_id: str, cand_id: str, base_records: pa.Table | None, cand_records: pa.Table | None
) -> None:
    """A run gated against itself (or an identical copy) passes every no-regression rule
    (records ``None``: only the same run is noticed)."""
    if base_id == cand_id:
        why = f"the baseline and the candidate are the same run ({base_id[:12]})"
    elif base_records is not None and base_records.equals(cand_records):
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
    options: CompareOptions,
) -> Comparison:
    """:func:`compare_runs` of two runs read with their records, the baseline's suite and a
    reader of a suite's examples by digest (called only when a comparison needs them)."""
    warn_if_self(base.run_id, cand.run_id, base_records, cand_records)
    comparison = compare_records(
        base,
        base_records,
        cand,
        cand_records,
        suite,
        **options.arguments(base, cand, examples),
    )

    def example_ids() -> list[str]:
        table = examples(cand.suite_digest)
        return [str(i) for i in table.column("example_id").to_pylist()]

    comparison = withhold_unsafe_text(comparison, suite, options.show_unsafe_text)
    return attach_planned_stop(
        comparison, base, base_records, cand, cand_records, suite, example_ids
    )
