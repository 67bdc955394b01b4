"""Suite metrics whose aggregate is a registered metric that is not a mean (F1, MCC, AUC, ...)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from assay.compare._align import IntArray, PairedRuns, RunSide, example_means, record_scores
from assay.compare._categories import MAX_CATEGORIES
from assay.compare._flips import find_flips
from assay.compare._groups import Layout
from assay.compare._inputs import RecordInputs, TextCache, example_inputs, record_inputs
from assay.compare._resampled import PendingSums, SumsMetric, compare_custom, start_sums
from assay.compare._results import Collected, MetricOutcome
from assay.core import MetricSpec
from assay.errors import DataError
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


def _bind(
    d: MetricDefinition, spec: MetricSpec, b: RecordInputs, c: RecordInputs
) -> MetricDefinition:
    try:
        return d.bound(b.distinct(), c.distinct())
    except TypeError as exc:
        raise DataError(
            f"metric {spec.name!r} ({spec.aggregate}): the labels of the reference and output "
            "columns cannot be ordered together",
            column="reference",
            expected="labels of one type (all numbers or all text)",
            found=str(exc),
        ) from exc


def _compact(stats: npt.NDArray[Any]) -> npt.NDArray[Any]:
    """Small whole-number statistics (confusion cells) as uint8: an eighth of the memory."""
    if stats.dtype.kind != "f" or stats.size == 0:
        return stats
    if stats.min() >= 0 and stats.max() <= 255 and np.array_equal(stats, np.rint(stats)):
        return stats.astype(np.uint8)
    return stats


def _example_statistics(
    side: RunSide, d: MetricDefinition, inputs: RecordInputs, n: int, limit: int
) -> tuple[npt.NDArray[Any], npt.NDArray[np.bool_], IntArray | None]:
    """Per-example sufficient statistics (averaged over samples), which examples have them,
    and, when the inputs are labels and at most ``limit`` combinations occur, each example's
    label combination (``m``: none)."""
    assert d.statistics is not None
    rows = np.flatnonzero(inputs.usable & (side.example >= 0))
    if rows.size == 0:  # no usable record: the metric is reported unscored
        return np.zeros((n, 0)), np.zeros(n, dtype=bool), None
    ex = side.example[rows]
    counts = np.bincount(ex, minlength=n)
    valid = counts > 0
    single = counts.max(initial=0) <= 1
    combos = inputs.combinations(limit=limit)
    if combos is not None:
        # statistics are per example: compute them once per combination of labels
        code, m, at = combos
        table = np.asarray(d.statistics(**at)).reshape(m, -1)
        table = _compact(np.vstack([table, np.zeros((1, table.shape[1]), table.dtype)]))
        if single:
            per_example = np.full(n, m, dtype=np.int64)
            per_example[ex] = code[rows]
            return table[per_example], valid, per_example
        stats = table[code[rows]]
    else:
        values = {k: inputs.values(k)[rows] for k in d.inputs}
        stats = _compact(np.asarray(d.statistics(**values)).reshape(rows.size, -1))
    if single:
        out = np.zeros((n, stats.shape[1]), dtype=stats.dtype)
        out[ex] = stats
        return out, valid, None
    sums = np.zeros((n, stats.shape[1]))
    for j in range(stats.shape[1]):
        sums[:, j] = np.bincount(ex, weights=stats[:, j], minlength=n)
    sums[valid] /= counts[valid, None]
    return sums, valid, None


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
    texts: TextCache = {}  # each text column decoded once, whichever metrics read it
    for spec in plan.specs:
        d = get_metric(spec.aggregate)
        inputs = [
            record_inputs(s, d, spec.name, spec.aggregate, texts)
            for s in (paired.baseline, paired.candidate)
        ]
        missing = (int((~inputs[0].usable).sum()), int((~inputs[1].usable).sum()))
        keep = None if d.aggregation == "sums" else inputs
        prepared.append(_Prepared(spec, d, missing, keep))
        if d.aggregation == "sums":
            bound = _bind(d, spec, inputs[0], inputs[1])
            assert bound.value is not None
            sb, vb, kb = _example_statistics(paired.baseline, bound, inputs[0], n, limit)
            sc, vc, kc = _example_statistics(paired.candidate, bound, inputs[1], n, limit)
            if not (vb & vc).any():
                prepared[-1].scored = False
                continue
            codes = None
            if kb is not None and kc is not None:
                codes = kb * (int(kc.max()) + 1) + kc
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
