"""compare_runs: a candidate run against a baseline run, paired by example."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pyarrow as pa

from assay._util import check_choice, check_int, check_probability, warn_renamed
from assay.compare._align import PairedRuns, example_means, pair_runs, record_scores
from assay.compare._assemble import assemble, no_shared_example
from assay.compare._checks import _attributes as _attributes
from assay.compare._checks import _check_suites as _check_suites
from assay.compare._checks import _seed as _seed
from assay.compare._checks import _suite_values as _suite_values
from assay.compare._flips import build_flips, find_flips
from assay.compare._groups import (
    Layout,
    build_layout,
    cluster_codes,
    empty_slices,
    overall_family,
    slice_family,
)
from assay.compare._means import compare_means, is_binary
from assay.compare._methods import describe_methods
from assay.compare._nonmean import NonMeanPlan, NonMeanWork, finish_non_means, start_non_means
from assay.compare._operational import COST_METRIC as COST_METRIC
from assay.compare._operational import LATENCY_QUANTILES as LATENCY_QUANTILES
from assay.compare._operational import operational
from assay.compare._results import Collected, Kind, MetricOutcome, metric_rows
from assay.core import (
    Comparison,
    Coverage,
    FlipCount,
    ManifestDifference,
    MetricSpec,
    Run,
    RunErrors,
    RunInfo,
    Suite,
)
from assay.metrics import get_metric
from assay.stats import ResampleKind

__all__ = ["compare_records", "compare_runs"]

_FN = "compare_records"


def _spread_note(sd_b: float | None, sd_c: float | None, samples: int) -> str:
    parts = [f"{sd:.3g} ({name})" for sd, name in ((sd_b, "baseline"), (sd_c, "candidate")) if sd]
    spread = "; mean within-example SD " + ", ".join(parts) if parts else ""
    return f"repeated samples averaged per example (up to {samples} per example){spread}"


def _mean_metric(
    spec: MetricSpec,
    paired: PairedRuns,
    layout: Layout,
    conf: float,
    max_flips: int | None,
    out: Collected,
) -> None:
    scores = {}
    for side in (paired.baseline, paired.candidate):
        values = record_scores(side, spec.name)
        out.missing[side.name][spec.name] = int(np.isnan(values).sum())
        scores[side.name] = example_means(side, values, paired.n)
    b, c = scores["baseline"].means, scores["candidate"].means
    if not (~np.isnan(b) & ~np.isnan(c)).any():
        out.unscored.append(spec.name)
        return
    binary = is_binary(b, c)
    notes = []
    if paired.max_samples > 1:
        sds = (scores["baseline"].within_sd, scores["candidate"].within_sd)
        notes.append(_spread_note(*sds, paired.max_samples))
    groups = compare_means(b, c, layout, conf, binary)
    kind: Kind = "binary" if binary else "mean"
    out.outcomes.append(MetricOutcome(spec.name, spec.goal, kind, groups, notes))
    count, listed = find_flips(spec.name, spec.goal, b, c, max_flips)
    out.flip_counts.append(count)
    out.flips += listed


def _ordered_counts(counts: list[FlipCount], rank: dict[str, int]) -> list[FlipCount]:
    return sorted(counts, key=lambda c: rank.get(c.metric, len(rank)))


def compare_records(
    baseline: RunInfo | Run,
    baseline_records: pa.Table,
    candidate: RunInfo | Run,
    candidate_records: pa.Table,
    suite: Suite,
    *,
    confidence: float = 0.95,
    shared_only: bool = False,
    slices: Sequence[str] | None = None,
    rng: int | np.random.Generator = 0,
    resamples: int = 2000,
    max_flips: int | None = 50,
    min_slice_size: int = 30,
    manifest_differences: list[ManifestDifference] | None = None,
    suite_examples: pa.Table | Callable[[], pa.Table] | None = None,
    resampling: ResampleKind = "multinomial",
) -> Comparison:
    """Compare a candidate run with a baseline run, paired by example, on every metric × slice.

    ``baseline_records`` and ``candidate_records`` are the runs' record tables
    (:func:`assay.data.record_schema`); ``suite`` is the baseline's suite. Runs on different
    suite versions are refused (:class:`~assay.errors.SuiteMismatchError`) unless
    ``shared_only``, which pairs the examples both runs have; ``coverage`` says how many.

    Conventions (DESIGN.md, statistical conventions): examples are paired by ``example_id``
    and repeated samples averaged per example first; a record that errored or has no score
    is left out, pairwise, for that metric and counted in ``errors``. Metrics of 0/1 scores use
    McNemar's test with an interval that agrees with it (exact test and exact conditional
    interval under 25 discordant pairs, else asymptotic and Newcombe's paired score interval);
    other means the paired t; with clusters both become the clustered paired t (CR1, G-1
    degrees of freedom). Metrics whose ``aggregate`` names a registered metric that is not a
    mean (``"macro_f1"``, ``"mcc"``, ...) are recomputed from the records' reference and
    output columns and compared by the paired bootstrap on one seeded set of resample weights
    (BCa, ``resamples``, seed ``rng``; p = (c+1)/(B+1)). Each metric's slice results are
    adjusted by Benjamini-Hochberg over all its slice results; overall results are not
    adjusted here (gates adjust their gated family). The minimum detectable effect is at 80%
    power and alpha = 1 - ``confidence``. When the records have ``cost`` and ``latency_ms``,
    ``cost_per_example`` (paired t) and ``latency_p50`` / ``latency_p95`` (paired bootstrap of
    the quantile difference, all examples only) are added, lower being better. ``methods``
    lists every method used, in words.

    Flips: ``flip_counts`` holds, per metric with a per-example score, the true number of
    examples on which the candidate scored worse and better. ``flips`` lists, per metric, up
    to ``max_flips`` of them (``None``: all), shared fairly between the two directions (half
    each, regressions the odd one; what one direction cannot use goes to the other): every
    regression first, then the improvements, each direction by the size of the change
    (``Flip.change``, in the metric's units, positive when the candidate is better), ties by
    example id, with the records' text.

    A slice that a run's records or the suite's examples (``suite_examples``: the table, or a
    function returning it, called only when the runs pair fewer examples than the suite has)
    name but no paired example falls in, as when a partial run leaves out a language, has no
    result; ``coverage.empty_slices`` names it.

    ``resampling``: the bootstrap weights of the functions of sums, ``"multinomial"`` (the
    classic bootstrap) or ``"poisson"`` (independent Poisson(1) weights, as the streaming
    comparison :func:`compare_record_streams` draws them: with it both give the same
    intervals).
    """
    conf = check_probability(confidence, "confidence", _FN)
    n_resamples = check_int(resamples, "resamples", _FN, minimum=1)
    flips_cap = None if max_flips is None else check_int(max_flips, "max_flips", _FN, minimum=0)
    small = check_int(min_slice_size, "min_slice_size", _FN, minimum=0)
    attributes = _attributes(slices, suite)
    kinds: tuple[ResampleKind, ...] = ("multinomial", "poisson")
    kind = check_choice(resampling, "resampling", _FN, kinds)
    seed = _seed(rng)  # an int: the methods section reports it
    _check_suites(baseline, candidate, suite, shared_only)
    paired = pair_runs(baseline_records, candidate_records)
    if paired.n == 0:
        raise no_shared_example(baseline, candidate, paired.baseline_only, paired.candidate_only)
    families = (overall_family(paired.n), *(slice_family(paired, a) for a in attributes))
    layout = build_layout(families, cluster_codes(paired))
    out, ops = Collected(), Collected()
    plan = NonMeanPlan()
    means = []
    for spec in suite.metrics:
        if spec.aggregate == "mean" or get_metric(spec.aggregate).is_mean:
            means.append(spec)
        else:
            plan.add(spec)
    # the resample counts of the functions of sums are drawn in a background thread while
    # the means and the operational metrics are computed (each family's counts come from its
    # own streams: the same numbers whenever they are drawn)
    try:
        work, failed = start_non_means(plan, paired, layout, conf, seed, n_resamples, kind), None
    except Exception as exc:  # raised after the means' own errors, which come first
        work, failed = NonMeanWork([], None), exc
    try:
        for spec in means:
            _mean_metric(spec, paired, layout, conf, flips_cap, out)
        if failed is not None:
            raise failed
        operational(paired, layout, conf, seed, n_resamples, suite, ops)
        finish_non_means(work, paired, layout, conf, seed, n_resamples, flips_cap, out)
    finally:
        work.close()
    rank = {name: i for i, name in enumerate(suite.metric_names)}
    out.outcomes.sort(key=lambda o: rank.get(o.name, len(rank)))
    out.outcomes += ops.outcomes
    out.not_compared += ops.not_compared
    results = [row for outcome in out.outcomes for row in metric_rows(outcome, layout, conf, small)]
    errors = {
        side.name: RunErrors(
            records=side.table.num_rows,
            errors=int(side.errored.sum()),
            missing_scores=out.missing[side.name],
        )
        for side in (paired.baseline, paired.candidate)
    }
    return assemble(
        baseline,
        candidate,
        suite,
        confidence=conf,
        coverage=Coverage(
            shared=paired.n,
            baseline_only=paired.baseline_only,
            candidate_only=paired.candidate_only,
            suite_examples=suite.n_examples,
            empty_slices=empty_slices(
                paired, families, _suite_values(suite_examples, paired.n, suite, attributes)
            ),
        ),
        results=results,
        flips=build_flips(paired, sorted(out.flips, key=lambda f: rank.get(f.metric, len(rank)))),
        flip_counts=_ordered_counts(out.flip_counts, rank),
        errors=errors,
        manifest_differences=manifest_differences,
        methods=describe_methods(
            out.outcomes,
            layout,
            (paired.n, paired.max_samples),
            conf,
            seed,
            n_resamples,
            small,
            out.unscored,
            out.not_compared,
            kind,
        ),
    )


def compare_runs(
    baseline: RunInfo | Run,
    baseline_records: pa.Table,
    candidate: RunInfo | Run,
    candidate_records: pa.Table,
    suite: Suite,
    **options: Any,
) -> Comparison:
    """Deprecated: :func:`compare_records` under its old name.

    ``assay.compare_runs`` (the store-level function) is a different function: it reads the
    runs from a store. This pure one, which takes the record tables, is
    :func:`compare_records`.
    """
    warn_renamed("assay.compare.compare_runs", "assay.compare.compare_records")
    return compare_records(
        baseline, baseline_records, candidate, candidate_records, suite, **options
    )
