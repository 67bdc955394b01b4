"""Operational metrics of a comparison: cost per example and latency quantiles."""

from __future__ import annotations

import numpy as np

from assay.compare._align import PairedRuns, example_means, record_scores
from assay.compare._groups import Layout
from assay.compare._latency import compare_quantiles, latency_units
from assay.compare._means import GroupResults, compare_means
from assay.compare._results import Collected, MetricOutcome
from assay.core import Suite

__all__ = ["COST_METRIC", "LATENCY_QUANTILES", "operational"]

LATENCY_QUANTILES = (("latency_p50", 0.5), ("latency_p95", 0.95))
COST_METRIC = "cost_per_example"


def _present(paired: PairedRuns, column: str) -> bool:
    return all(
        column in side.table.column_names
        and side.table.column(column).null_count < side.table.num_rows
        for side in (paired.baseline, paired.candidate)
    )


def operational(
    paired: PairedRuns,
    layout: Layout,
    conf: float,
    rng: int,
    resamples: int,
    suite: Suite,
    out: Collected,
) -> None:
    taken = set(suite.metric_names)
    n = paired.n
    if _present(paired, "cost") and COST_METRIC not in taken:
        b, c = (
            example_means(s, record_scores(s, "cost", exclude_errors=False), n).means
            for s in (paired.baseline, paired.candidate)
        )
        if (~np.isnan(b) & ~np.isnan(c)).any():
            cost = compare_means(b, c, layout, conf, binary=False)
            out.outcomes.append(MetricOutcome(COST_METRIC, "lower", "mean", cost))
    if _present(paired, "latency_ms"):
        b, c = (
            example_means(s, record_scores(s, "latency_ms", exclude_errors=False), n).means
            for s in (paired.baseline, paired.candidate)
        )
        groups = latency_units(b, c, layout)
        wanted = [(name, q) for name, q in LATENCY_QUANTILES if name not in taken]
        levels = [q for _, q in wanted]
        found = compare_quantiles(b, c, levels, groups, rng, resamples, conf)
        for (name, _), r in zip(wanted, found, strict=True):
            if r is None and int(groups.valid.sum()) >= 2:
                out.not_compared.append(
                    f"{name}: examples timed together (one batch, one shared latency) are "
                    "resampled together, with the suite's clusters kept whole, and that leaves "
                    "a single unit, so there is no interval"
                )
            if r is not None:
                overall: GroupResults = [[r]]
                overall += [[None] * f.size for f in layout.families[1:]]
                out.outcomes.append(MetricOutcome(name, "lower", "bootstrap", overall))
