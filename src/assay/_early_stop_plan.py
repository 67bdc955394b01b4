"""An early-stop plan from a release policy and a stored baseline run.

The plan stops on the policy's primary comparison: the first blocking, unsliced
``non_inferiority`` or ``superiority`` rule of the safety and quality tiers, in judging order.
Its metric is the rule's (for ``metric: "*"``, the suite's first metric, or the one asked
for), its margin the rule's (``relative_margin`` times the baseline run's mean; 0 for
superiority), and its confidence the policy's. The baseline is the stored run's per-example
scores (the mean over its samples; errored records left out), so the sequence is paired.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from assay._api import get_suite
from assay._decide import resolve_policy
from assay.data import SuiteData
from assay.errors import ConfigError
from assay.gates import ALL_METRICS, Policy, Rule
from assay.runners import EarlyStop
from assay.storage import Store, open_store

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
    st = store if store is not None else open_store()
    data = get_suite(suite, store=st)
    run = st.runs.get(baseline)
    if run.suite_digest != data.suite.digest:
        raise ConfigError(
            f"Baseline run {run.run_id} was evaluated on suite digest "
            f"{run.suite_digest[:12]}, not on {data.suite.name!r} "
            f"({data.suite.digest[:12]}); an early stop pairs examples of one suite."
        )
    chosen = resolve_policy(policy)
    rule, name = _primary_rule(chosen, data, metric)
    scores = _baseline_scores(st.runs.records(run.run_id), name, run.run_id)
    lo, hi = bounds
    values = np.fromiter(scores.values(), dtype=np.float64, count=len(scores))
    if values.size and (values.min() < lo or values.max() > hi):
        raise ConfigError(
            f"Baseline run {run.run_id}: {name!r} scores range from {values.min():g} to "
            f"{values.max():g}, outside the early stop's bounds [{lo:g}, {hi:g}]; give the "
            "range every score is known to lie in (bounds=(low, high), --early-stop-bounds)."
        )
    return EarlyStop(
        metric=name,
        baseline=scores,
        margin=_margin(rule, values, name),
        confidence=chosen.confidence,
        min_examples=min_examples,
        check_every=check_every,
        seed=seed,
        bounds=(float(lo), float(hi)),
        baseline_run=run.run_id,
    )


def _primary_rule(policy: Policy, data: SuiteData, metric: str | None) -> tuple[Rule, str]:
    names = data.suite.metric_names
    if metric is not None and metric not in names:
        raise ConfigError(
            f"The early-stop metric {metric!r} is not a metric of suite {data.suite.name!r} "
            f"(its metrics: {names})."
        )
    for tier, _, rule in policy.tiered():
        if tier not in _TIERS or rule.kind not in _PLANNED_KINDS:
            continue
        if not rule.blocking or rule.selector.scope != "overall":
            continue
        if rule.metric == ALL_METRICS:
            return rule, metric or names[0]
        if rule.metric in names and metric in (None, rule.metric):
            return rule, rule.metric
    which = f" on {metric!r}" if metric is not None else ""
    raise ConfigError(
        f"Policy {policy.name!r} has no blocking, unsliced non_inferiority or superiority "
        f"rule{which} for a metric of suite {data.suite.name!r}, so it has no primary "
        "comparison to stop early on; build the plan with assay.runners.EarlyStop instead."
    )


def _baseline_scores(records: pa.Table, metric: str, run_id: str) -> dict[str, float]:
    ok = records.filter(pc.is_null(records.column("error")))
    table = ok.select(["example_id", metric]).filter(pc.is_finite(ok.column(metric)))
    means = table.group_by("example_id").aggregate([(metric, "mean")])
    ids = means.column("example_id").to_pylist()
    values = means.column(f"{metric}_mean").to_pylist()
    if not ids:
        raise ConfigError(f"Baseline run {run_id} has no scored record of {metric!r} to pair with.")
    return {str(i): float(v) for i, v in zip(ids, values, strict=True)}


def _margin(rule: Rule, values: np.ndarray, metric: str) -> float:
    if rule.kind == "superiority":
        return 0.0
    margin = rule.params.get("margin")
    if margin is not None:
        return float(margin)
    share = float(rule.params["relative_margin"])
    base = float(values.mean())
    if not math.isfinite(base):  # pragma: no cover - values is non-empty and finite
        raise ConfigError(f"The baseline's mean {metric!r} is not finite.")
    return share * abs(base)
