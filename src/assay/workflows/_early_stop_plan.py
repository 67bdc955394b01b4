"""An early-stop plan from a release policy and a stored baseline run.

The plan stops on the policy's primary comparison: the first blocking, unsliced
``non_inferiority`` or ``superiority`` rule of the safety and quality tiers, in judging order.
Its metric is the rule's (for ``metric: "*"``, the suite's first metric, or the one asked
for), its margin the rule's (``relative_margin`` times the baseline run's mean; without
one, the metric's default, :func:`assay.gates.non_inferiority_margin`; 0 for superiority), and its confidence the policy's. The baseline is the stored run's per-example
scores (the mean over its samples; errored records left out), so the sequence is paired. Metrics that do not aggregate as a mean, and
suites with clustered examples, are refused: the sequence is for the mean of independent
examples.

Only the first primary rule shapes the stop. A policy with non-inferiority on every metric and
superiority on one stops as soon as the first is decided, which leaves the second judged on
the examples evaluated so far; ask for the superiority metric with ``metric=`` to stop on it.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from assay.core import MetricSpec
from assay.data import SuiteData
from assay.errors import ConfigError
from assay.gates import ALL_METRICS, Policy, Rule, non_inferiority_margin
from assay.runners import EarlyStop
from assay.storage import Store
from assay.workflows._api import _store, get_suite
from assay.workflows._gate import resolve_policy
from assay.workflows._planned_stop import example_scores, stop_metric_problem

__all__ = ["early_stop_plan"]

_PLANNED_KINDS = ("non_inferiority", "superiority")
_TIERS = ("safety", "quality")


def early_stop_plan(
    baseline: str,
    *,
    suite: SuiteData | str | Path,
    policy: Policy | str | Path | None = None,
    metric: str | None = None,
    store: Store | None = None,
    seed: int = 0,
    min_examples: int = 100,
    check_every: int = 50,
    bounds: tuple[float, float] = (0.0, 1.0),
) -> EarlyStop:
    """The :class:`~assay.runners.EarlyStop` for the policy's primary comparison with ``baseline``.

    ``baseline`` is a stored run (id or unique prefix) on ``suite``; ``policy`` a policy, a
    YAML path or ``None`` for the default policy. ``metric`` picks the comparison when the
    policy has several (it must be judged by a rule of the primary kinds). ``bounds`` is the
    range every per-example score is known to lie in (the sequence is only valid within it);
    a baseline score outside it is refused. Pass the result to
    ``assay.evaluate(..., early_stop=plan)``.
    """
    st = _store(store)
    data = get_suite(suite, store=st)
    try:
        lo, hi = (float(b) for b in bounds)
    except (TypeError, ValueError):
        lo, hi = math.nan, math.nan
    if not (math.isfinite(lo) and math.isfinite(hi) and lo < hi):
        raise ConfigError(
            f"The early stop's bounds must be two finite numbers, low < high. Got {bounds!r}."
        )
    run = st.runs.get(baseline)
    if run.suite_digest != data.suite.digest:
        raise ConfigError(
            f"Baseline run {run.run_id} was evaluated on suite digest "
            f"{run.suite_digest[:12]}, not on {data.suite.name!r} "
            f"({data.suite.digest[:12]}); an early stop pairs examples of one suite. Pick a "
            "baseline run on this suite version (assay runs list)."
        )
    chosen = resolve_policy(policy)
    rule, name = _primary_rule(chosen, data, metric)
    clustered = data.examples.column("cluster").null_count < data.examples.num_rows
    problem = stop_metric_problem(data.suite, name, clustered)
    if problem is not None:
        raise ConfigError(
            f"No early stop on {name!r}: {problem}. Run the whole suite, or stop on another "
            "metric (metric=..., --early-stop-metric)."
        )
    scores = example_scores(st.runs.records(run.run_id), name)
    if not scores:
        raise ConfigError(
            f"Baseline run {run.run_id} has no scored record of {name!r} to pair with; pick "
            "another baseline run or metric."
        )
    values = np.fromiter(scores.values(), dtype=np.float64, count=len(scores))
    if values.min() < lo or values.max() > hi:
        raise ConfigError(
            f"Baseline run {run.run_id}: {name!r} scores range from {values.min():g} to "
            f"{values.max():g}, outside the early stop's bounds [{lo:g}, {hi:g}]; give the "
            "range every score is known to lie in (bounds=(low, high), --early-stop-bounds), "
            "or stop on another metric (metric=..., --early-stop-metric)."
        )
    return EarlyStop(
        metric=name,
        baseline=scores,
        margin=_margin(rule, values, data.suite.metric(name)),
        confidence=chosen.confidence,
        min_examples=min_examples,
        check_every=check_every,
        seed=seed,
        bounds=(lo, hi),
        baseline_run=run.run_id,
    )


def _primary_rule(policy: Policy, data: SuiteData, metric: str | None) -> tuple[Rule, str]:
    names = data.suite.metric_names
    if metric is not None and metric not in names:
        raise ConfigError(
            f"The early-stop metric {metric!r} is not a metric of suite {data.suite.name!r} "
            f"(its metrics: {names})."
        )
    candidates = [
        rule
        for tier, _, rule in policy.tiered()
        if tier in _TIERS
        and rule.kind in _PLANNED_KINDS
        and rule.blocking
        and rule.selector.scope == "overall"
    ]
    if metric is not None:  # a rule naming the metric wins over a rule on every metric
        for rule in candidates:
            if rule.metric == metric:
                return rule, metric
    for rule in candidates:
        if rule.metric == ALL_METRICS:
            return rule, metric or names[0]
        if metric is None and rule.metric in names:
            return rule, rule.metric
    which = f" on {metric!r}" if metric is not None else ""
    raise ConfigError(
        f"Policy {policy.name!r} has no blocking, unsliced non_inferiority or superiority "
        f"rule{which} for a metric of suite {data.suite.name!r}, so it has no primary "
        "comparison to stop early on. Add one to the policy, or pass --policy with one "
        "(assay.runners.EarlyStop builds a plan by hand, which gates do not use without "
        "baseline_run)."
    )


def _margin(rule: Rule, values: np.ndarray, spec: MetricSpec | None) -> float:
    if rule.kind == "superiority":
        return 0.0
    zero_one = bool(np.isin(values, (0.0, 1.0)).all())
    margin, _ = non_inferiority_margin(
        rule.params.get("margin"),
        rule.params.get("relative_margin"),
        spec,
        float(values.mean()),
        zero_one=zero_one,
    )
    return margin
