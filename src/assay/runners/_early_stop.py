"""Planned early stopping: evaluate in a random order until a confidence sequence decides.

The examples are evaluated in a seeded random order, ``check_every`` at a time. After each
batch (once ``min_examples`` have been evaluated) an anytime-valid confidence sequence for
the mean of candidate − baseline on the stop metric is updated, and the evaluation stops as
soon as its interval lies wholly on one side of −margin (in the metric's "better" direction):

* ``not_worse``: the whole interval is above −margin (with margin 0: the candidate is better);
* ``worse``: the whole interval is below −margin;
* ``undecided``: the suite ran out first.

The sequence is the predictable plug-in empirical-Bernstein sequence of Waudby-Smith & Ramdas
(2023) (:func:`assay.stats.empirical_bernstein_confidence_sequence` against a fixed baseline
value, :func:`assay.stats.paired_empirical_bernstein_confidence_sequence` against a baseline
run's per-example scores). It holds at every n at once, so looking after every batch does not
inflate the error rate: the probability that the stop decides the wrong way is at most
1 − confidence. It assumes the suite's examples are independent draws from the population the
decision is about (the random order makes every evaluated prefix such a sample) and scores
within the stated ``bounds``.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import pyarrow as pa

from assay.data import SuiteData
from assay.errors import DataError, ParameterError
from assay.runners._async_runner import AsyncModelAdapter
from assay.runners._local import evaluate_suite
from assay.runners._scoring import ProgressCallback, Scorer
from assay.runners.adapters._base import ModelAdapter
from assay.stats.sequential import (
    EarlyStop,
    EarlyStopDecision,
    EarlyStopResult,
    Goal,
    Tracker,
    check_values,
    early_stop_decision,
    evaluation_order,
    replay_early_stop,
    sequential_decision,
)

__all__ = [
    "EarlyStop",
    "EarlyStopDecision",
    "EarlyStopResult",
    "early_stop_decision",
    "evaluate_suite_early_stop",
    "evaluation_order",
    "replay_early_stop",
    "sequential_decision",
]


def _check_plan(plan: EarlyStop, data: SuiteData) -> Goal:
    fn = "evaluate_suite_early_stop"
    goals = {m.name: m.goal for m in data.suite.metrics}
    if plan.metric not in goals:
        raise ParameterError("metric", fn, f"a metric of the suite ({sorted(goals)})", plan.metric)
    clusters = data.examples.column("cluster")
    if clusters.null_count < len(clusters):
        raise ParameterError(
            "data",
            fn,
            "a suite without clusters (the sequence treats examples as independent draws, "
            "which clustered examples are not)",
            f"suite {data.suite.name!r} with {len(clusters) - clusters.null_count} clustered "
            "examples",
        )
    check_values(plan)
    return goals[plan.metric]


def evaluate_suite_early_stop(
    data: SuiteData,
    adapter: ModelAdapter | AsyncModelAdapter,
    plan: EarlyStop,
    *,
    scorers: Mapping[str, Scorer] | None = None,
    batch_size: int = 512,
    on_progress: ProgressCallback | None = None,
    cache_dir: str | Path | None = None,
) -> tuple[pa.Table, EarlyStopResult]:
    """Evaluate ``adapter`` in a seeded random order until ``plan``'s sequence decides.

    Each batch of ``plan.check_every`` examples goes through :func:`evaluate_suite` (so errors,
    retries and scoring are the same as a full run; one sample per example). Records with an
    error or without a baseline score are kept but do not enter the sequence. Returns the
    records of the evaluated examples only, in evaluation order, and the
    :class:`EarlyStopResult` for the run's provenance (``provenance["early_stop"] =
    result.to_dict()``). Unevaluated examples are absent; a comparison pairs shared examples.
    """
    goal = _check_plan(plan, data)
    n_total = data.examples.num_rows
    if n_total == 0:
        raise DataError(
            "evaluate_suite_early_stop: the suite has no examples",
            expected="at least 1 example",
            found="0",
        )
    order = evaluation_order(plan.seed, data.examples.column("example_id").to_pylist())
    track = Tracker(plan, goal, n_total)
    tables: list[pa.Table] = []
    for start in range(0, n_total, plan.check_every):
        part = SuiteData(
            suite=data.suite, examples=data.examples.take(order[start : start + plan.check_every])
        )
        records = evaluate_suite(
            part, adapter, scorers=scorers, batch_size=batch_size, cache_dir=cache_dir
        )
        tables.append(records)
        scores = records.column(plan.metric).to_numpy(zero_copy_only=False)
        done = track.look(records.column("example_id").to_pylist(), scores)
        if on_progress is not None:
            on_progress(track.used, n_total)
        if done:
            break
    return pa.concat_tables(tables), track.result()
