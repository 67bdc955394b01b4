"""The end of a streaming comparison: from merged totals to the comparison users read."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import pyarrow as pa

from assay.compare._assemble import assemble
from assay.compare._compare import COST_METRIC, LATENCY_QUANTILES, _spread_note, _suite_values
from assay.compare._groups import Family
from assay.compare._methods import describe_methods
from assay.compare._results import Collected, Kind, MetricOutcome, metric_rows
from assay.core import Comparison, Coverage, ManifestDifference, Run, RunErrors, RunInfo, Suite
from assay.stats import bootstrap_weights

if TYPE_CHECKING:
    from assay.compare._stream_state import StreamState

__all__ = ["finish_stream"]


def _empty_slices(
    state: StreamState,
    layout_families: tuple[Family, ...],
    suite_values: dict[str, list[str]] | None,
) -> list[str]:
    out = []
    seen = {s.attribute: s.seen for s in state.layout.slices}
    for family in layout_families:
        if family.attribute is None:
            continue
        known = set(seen[family.attribute])
        if suite_values is not None:
            known |= {str(v) for v in suite_values.get(family.attribute, ())}
        out += [f"{family.attribute}={v}" for v in sorted(known - set(family.values))]
    return out


def finish_stream(
    state: StreamState,
    baseline: RunInfo | Run,
    candidate: RunInfo | Run,
    suite: Suite,
    attributes: list[str],
    conf: float,
    seed: int,
    resamples: int,
    small: int,
    manifest_differences: list[ManifestDifference] | None,
    suite_examples: pa.Table | Callable[[], pa.Table] | None,
    chunk_rows: int,
) -> Comparison:
    """The comparison of everything ``state`` has accumulated."""
    layout, groups_of_codes = state.layout.finish()
    out = Collected()
    out.missing = state.missing
    for spec, totals in state.means:
        if not totals.scored:
            out.unscored.append(spec.name)
            continue
        notes = []
        if state.max_samples > 1:
            sds = (totals.within_sd("baseline"), totals.within_sd("candidate"))
            notes.append(_spread_note(*sds, state.max_samples))
        groups = totals.results(layout, conf)
        kind: Kind = "binary" if totals.binary else "mean"
        out.outcomes.append(MetricOutcome(spec.name, spec.goal, kind, groups, notes))
    if state.sums is not None:
        for side, gone in state.sums.missing.items():
            out.missing[side].update(gone)
        weights = bootstrap_weights(None, resamples, rng=seed, kind="poisson")
        sizes = [f.size for f in layout.families]
        resampled = state.sums.results(groups_of_codes, sizes, weights, conf)
        for i, (spec, _) in enumerate(state.sums.specs):
            if not state.sums.scored(i):
                out.unscored.append(spec.name)
                continue
            out.outcomes.append(
                MetricOutcome(spec.name, spec.goal, "bootstrap", resampled[spec.name])
            )
    rank = {name: i for i, name in enumerate(suite.metric_names)}
    out.outcomes.sort(key=lambda o: rank.get(o.name, len(rank)))
    present = [s.columns for s in state.sides.values()]
    taken = set(suite.metric_names)
    if all("cost" in p for p in present) and COST_METRIC not in taken and state.cost.scored:
        state.cost.as_continuous()
        cost = state.cost.results(layout, conf)
        out.outcomes.append(MetricOutcome(COST_METRIC, "lower", "mean", cost))
    latency = [name for name, _ in LATENCY_QUANTILES if name not in taken]
    if all("latency_ms" in p for p in present) and latency:
        out.not_compared.append(
            f"{', '.join(latency)}: exact quantiles need every latency in memory at once, "
            "which a streaming comparison does not hold (compare latency in memory, or as a "
            "mean metric)"
        )
    results = [row for o in out.outcomes for row in metric_rows(o, layout, conf, small)]
    flip_counts, flips = state.flips.finish(rank)
    errors = {
        name: RunErrors(records=s.records, errors=s.errors, missing_scores=out.missing[name])
        for name, s in state.sides.items()
    }
    reading = (
        f"Streaming: each run's records were read in example-id order, about {chunk_rows:,} "
        f"records of each at a time ({state.chunks} chunks), and every statistic was kept as "
        "a sum merged exactly across chunks, so the results do not depend on the chunk size; "
        "metrics that are not means are resampled by the Poisson bootstrap (independent "
        "Poisson(1) example weights, drawn as category counts)."
    )
    return assemble(
        baseline,
        candidate,
        suite,
        confidence=conf,
        coverage=Coverage(
            shared=state.n,
            baseline_only=state.only_b,
            candidate_only=state.only_c,
            suite_examples=suite.n_examples,
            empty_slices=_empty_slices(
                state, layout.families, _suite_values(suite_examples, state.n, suite, attributes)
            ),
        ),
        results=results,
        flips=flips,
        flip_counts=flip_counts,
        errors=errors,
        manifest_differences=manifest_differences,
        methods=describe_methods(
            out.outcomes,
            layout,
            (state.n, state.max_samples),
            conf,
            seed,
            resamples,
            small,
            out.unscored,
            out.not_compared,
            "poisson",
            reading,
        ),
    )
