"""Suite metrics whose aggregate is a registered metric that is not a mean (F1, MCC, AUC, ...)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from assay.compare._align import PairedRuns, example_means, record_scores
from assay.compare._categories import MAX_CATEGORIES
from assay.compare._flips import find_flips
from assay.compare._groups import Layout
from assay.compare._inputs import RecordInputs, example_inputs
from assay.compare._resampled import PendingSums, SumsMetric, compare_custom, start_sums
from assay.compare._results import Collected, MetricOutcome
from assay.compare._sums_inputs import SharedInputs, bind, example_statistics
from assay.core import MetricSpec
from assay.metrics import MetricDefinition, get_metric
from assay.stats import ResampleKind, bootstrap_weights

__all__ = ["NonMeanPlan", "NonMeanWork", "finish_non_means", "start_non_means"]


@dataclass
class NonMeanPlan:
    """The suite's non-mean metrics, in suite order."""

    specs: list[MetricSpec] = field(default_factory=list)

    def add(self, spec: MetricSpec) -> None:
        """Plan ``spec`` for the bootstrap."""
        self.specs.append(spec)


def _flips(spec: MetricSpec, paired: PairedRuns, max_flips: int | None, out: Collected) -> None:
    """Flips of a non-mean metric follow its per-example score column, when it has one."""
    tables = (paired.baseline.table, paired.candidate.table)
    if not all(spec.name in t.column_names for t in tables):
        return
    b, c = (
        example_means(s, record_scores(s, spec.name), paired.n).means
        for s in (paired.baseline, paired.candidate)
    )
    if (~np.isnan(b) & ~np.isnan(c)).any():
        count, listed = find_flips(spec.name, spec.goal, b, c, max_flips)
        out.flip_counts.append(count)
        out.flips += listed


@dataclass(eq=False)
class _Prepared:
    """One planned metric's inputs, and its statistics when it is a function of sums."""

    spec: MetricSpec
    definition: MetricDefinition
    missing: tuple[int, int]
    """Records of each run left out (errored, or an input missing)."""
    inputs: list[RecordInputs] | None
    """Both runs' inputs, kept for a metric with its own resampling."""
    scored: bool = True
    """False when no example has statistics in both runs (a function of sums)."""


@dataclass(eq=False)
class NonMeanWork:
    """The non-mean metrics with their inputs read and their resample counts being drawn:
    :func:`start_non_means` starts it, :func:`finish_non_means` collects the results."""

    prepared: list[_Prepared]
    sums: PendingSums | None

    def close(self) -> None:
        """Stop the draws not yet started (after an error elsewhere)."""
        if self.sums is not None:
            self.sums.close()


def start_non_means(
    plan: NonMeanPlan,
    paired: PairedRuns,
    layout: Layout,
    confidence: float,
    rng: int,
    resamples: int,
    resampling: ResampleKind = "multinomial",
) -> NonMeanWork:
    """Read every planned metric's inputs and start drawing the resample counts of the
    functions of sums (of ``resampling`` weights, one draw shared by all of them), in a
    background thread, so the comparison's other metrics are computed meanwhile."""
    n = paired.n
    # Poisson weights draw label combinations as a stream does, up to its bound
    limit = MAX_CATEGORIES if resampling == "poisson" else max(1024, n // 4)
    sums: list[SumsMetric] = []
    prepared: list[_Prepared] = []
    shared = SharedInputs(paired, limit)
    sides = (paired.baseline, paired.candidate)
    for spec in plan.specs:
        d = get_metric(spec.aggregate)
        inputs = [shared.record_inputs(s, d, spec) for s in sides]
        missing = (int((~inputs[0].usable).sum()), int((~inputs[1].usable).sum()))
        keep = None if d.aggregation == "sums" else inputs
        prepared.append(_Prepared(spec, d, missing, keep))
        if d.aggregation == "sums":
            bound = bind(d, spec, inputs[0], inputs[1], shared)
            assert bound.value is not None
            (sb, vb, kb), (sc, vc, kc) = (
                example_statistics(bound, inp, shared.usable_of(side, inp), n)
                for side, inp in zip(sides, inputs, strict=True)
            )
            if not (vb & vc).any():
                prepared[-1].scored = False
                continue
            codes = None if kb is None or kc is None else shared.pair_codes(kb, kc)
            sums.append(SumsMetric(spec.name, bound.value, sb, sc, vb & vc, codes))
    pending = None
    if sums:
        weights = bootstrap_weights(layout.units, resamples, rng=rng, kind=resampling)
        pending = start_sums(sums, layout, weights, confidence)
    return NonMeanWork(prepared, pending)


def finish_non_means(
    work: NonMeanWork,
    paired: PairedRuns,
    layout: Layout,
    confidence: float,
    rng: int,
    resamples: int,
    max_flips: int | None,
    out: Collected,
) -> None:
    """Bootstrap every planned metric on every group into ``out``, in the plan's order."""
    n = paired.n
    goals: dict[str, Any] = {}
    try:
        for item in work.prepared:
            spec, d, inputs = item.spec, item.definition, item.inputs
            for side, missing in zip(
                (paired.baseline, paired.candidate), item.missing, strict=True
            ):
                out.missing[side.name][spec.name] = missing
            _flips(spec, paired, max_flips, out)
            if inputs is None:
                if item.scored:
                    goals[spec.name] = spec.goal
                else:
                    out.unscored.append(spec.name)
                continue
            eb, ec = (
                example_inputs(side, inp, n, paired.max_samples, spec.name)
                for side, inp in zip((paired.baseline, paired.candidate), inputs, strict=True)
            )
            valid = eb.valid & ec.valid
            if not valid.any():
                out.unscored.append(spec.name)
                continue
            groups = compare_custom(
                d, eb.inputs, ec.inputs, valid, layout, rng, resamples, confidence
            )
            out.outcomes.append(MetricOutcome(spec.name, spec.goal, "custom", groups))
        if work.sums is not None:
            results = work.sums.finish()
            for name, _ in work.sums.named:
                out.outcomes.append(MetricOutcome(name, goals[name], "bootstrap", results[name]))
    finally:
        work.close()
