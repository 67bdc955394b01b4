"""``assay fairness CANDIDATE --against BASELINE``: two stored runs of one suite version,
paired by example, group by group (:func:`assay.analysis.paired_group_fairness`)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from assay.errors import ConfigError, SuiteMismatchError
from assay.storage import Store
from assay.workflows._robustness import _label
from assay.workflows._text_use import records_with_text

if TYPE_CHECKING:
    from assay.analysis import FairnessChange
    from assay.core import Run

__all__ = ["paired_fairness"]


def _usable(st: Store, run: Run, by: str) -> dict[tuple[str, int], dict[str, Any]]:
    columns = ["example_id", "sample_index", "cluster", "reference", "output", "error", by]
    what = f"The fairness of run {run.run_id[:12]} (its outputs and references as labels)"
    rows = records_with_text(st, run.run_id, what, columns).to_pylist()
    return {
        (r["example_id"], r["sample_index"] or 0): r
        for r in rows
        if r["error"] is None and r["output"] is not None
    }


def paired_fairness(
    st: Store,
    baseline: Run,
    candidate: Run,
    *,
    by: str,
    positive: str,
    confidence: float,
    resamples: int,
    seed: int,
    min_group_size: int,
) -> FairnessChange:
    """The paired change of every group metric and disparity from ``baseline`` to
    ``candidate`` on the records both answered without an error."""
    from assay.analysis import paired_group_fairness

    if baseline.suite_digest != candidate.suite_digest:
        raise SuiteMismatchError(
            f"run {candidate.run_id[:12]} is on suite version {candidate.suite_digest[:12]} "
            f"and baseline {baseline.run_id[:12]} on {baseline.suite_digest[:12]}: a paired "
            "fairness comparison needs both on the same version"
        )
    base, cand = _usable(st, baseline, by), _usable(st, candidate, by)
    keys = sorted(base.keys() & cand.keys())
    if not keys:
        raise ConfigError(
            f"Runs {baseline.run_id[:12]} and {candidate.run_id[:12]} share no record "
            "answered without an error: nothing to pair."
        )
    truths = [_label(cand[k]["reference"]) for k in keys]
    clusters = [cand[k]["cluster"] or cand[k]["example_id"] for k in keys]
    result = paired_group_fairness(
        truths,
        [_label(base[k]["output"]) for k in keys],
        [_label(cand[k]["output"]) for k in keys],
        [cand[k][by] for k in keys],
        positive=positive,
        attribute=by,
        clusters=clusters if len(set(clusters)) < len(clusters) else None,
        confidence=confidence,
        resamples=resamples,
        rng=seed,
        min_group=min_group_size,
    )
    left_out = len(base.keys() | cand.keys()) - len(keys)
    if left_out:
        from dataclasses import replace

        note = f"{left_out:,} records answered by only one run (or errored in one) left out"
        result = replace(result, notes=(*result.notes, note))
    return result
