"""What a study's evidence says so far: the paired comparison and the confidence-sequence
reading of an offline study, the newest readout of an online one, and the deviations from
the registered plan in each."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

import numpy as np

from assay._util import result_scale
from assay.governance import (
    StudyDeviation,
    futility,
    hypothesis_outcome,
    in_points,
    offline_deviations,
    policy_floors,
    weak_policy,
)
from assay.storage import Store
from assay.workflows._study import LoadedStudy

__all__ = ["offline_evidence", "online_evidence"]


def _paired_scores(st: Store, base: str, cand: str, metric: str) -> tuple[Any, Any, list[Any]]:
    """Per-example scores of both runs on ``metric`` (means over samples, errored records
    left out), paired by example id in the order of the baseline's records (the evaluation
    order), with each pair's cluster as the baseline records it (``None`` without one)."""

    def scores(run_id: str) -> tuple[Any, Any, Any]:
        table = st.runs.records(run_id, columns=["example_id", "cluster", metric])
        ids = np.asarray(table.column("example_id").to_pylist(), dtype=object)
        clusters = np.asarray(table.column("cluster").to_pylist(), dtype=object)
        values = np.asarray(table.column(metric).to_numpy(zero_copy_only=False), dtype=float)
        keep = ~np.isnan(values)
        ids, values, clusters = ids[keep], values[keep], clusters[keep]
        unique, first, inverse = np.unique(ids, return_index=True, return_inverse=True)
        means = np.bincount(inverse, weights=values) / np.bincount(inverse)
        order = np.argsort(first, kind="stable")
        return unique[order], means[order], clusters[first[order]]

    base_ids, base_values, base_clusters = scores(base)
    cand_ids, cand_values, _ = scores(cand)
    position = {key: i for i, key in enumerate(cand_ids)}
    kept = [i for i, k in enumerate(base_ids) if k in position]
    if not kept:
        return np.empty(0), np.empty(0), []
    return (
        base_values[kept],
        cand_values[[position[base_ids[i]] for i in kept]],
        list(base_clusters[kept]),
    )


def offline_evidence(study: LoadedStudy, st: Store, rng: int) -> dict[str, Any]:
    from assay.workflows._gate import compare_runs

    reg, plan = study.registration, study.registration.plan
    runs = study.attached("run")
    infos = [st.runs.get(r) for r in runs]
    found: dict[str, Any] = {"evidence": None, "futility": None, "hypothesis": None}
    looks = max(len(runs) - 1, 0)
    n, points = None, False
    if len(runs) >= 2:
        comparison = compare_runs(
            runs[0], runs[-1], confidence=plan.stopping_rule.confidence, rng=rng, store=st
        )
        overall = [
            r
            for r in comparison.results
            if r.metric == plan.primary_metric and r.slice_attribute is None
        ]
        found["hypothesis"] = hypothesis_outcome(plan, overall[0] if overall else None)
        if overall:
            r = overall[0]
            n, points = r.n, in_points(r)
            found["scale"] = result_scale(r)
            found["evidence"] = {
                "baseline_run": runs[0],
                "candidate_run": runs[-1],
                "metric": r.metric,
                "difference": r.difference.estimate,
                "low": r.difference.low,
                "high": r.difference.high,
                "confidence": r.difference.confidence,
                "method": f"{r.difference.method}; test: {r.test}",
                "n": r.n,
            }
            base, cand, clusters = _paired_scores(st, runs[0], runs[-1], plan.primary_metric)
            if base.size:
                found["futility"] = futility(
                    base,
                    cand,
                    minimum_effect=plan.minimum_effect,
                    goal=plan.goal,
                    confidence=plan.stopping_rule.confidence,
                    looks=plan.stopping_rule.max_looks,
                    tuned_for_n=max(reg.sample_size.planned, 2),
                    clusters=clusters,
                ).to_dict()
    decisions = study.attached("decision")
    found["deviations"] = offline_deviations(
        reg,
        run_suites=[(i.run_id, i.suite_digest) for i in infos],
        n=n,
        looks=looks,
        metrics=_decided(decisions[-1], st)["metrics"] if decisions else None,
    )
    for decision_id in decisions:  # every decision's deviations stay listed
        decided = _decided(decision_id, st)
        rules = decided.pop("rules")
        weak = weak_policy(
            plan, decided["policy"][0], policy_floors(rules, plan.primary_metric), points=points
        )
        found["deviations"] += [
            replace(d, decision=decision_id)
            for d in [*offline_deviations(reg, **decided), *([weak] if weak else [])]
        ]
    return found


def _decided(decision_id: str, st: Store) -> dict[str, Any]:
    """What an attached decision did: its policy, the metrics its verdict judged, its day, and
    its verdict's rule outcomes (``rules``)."""
    decision = st.decisions.get(decision_id)
    verdict = json.loads(st.artifacts.get(decision.artifacts["verdict"]))
    rules = verdict.get("rules", [])
    return {
        "policy": (decision.policy, decision.policy_digest),
        "metrics": sorted(
            {str(r["metric"]) for r in rules if r.get("kind") not in ("deviation", "hypothesis")}
        ),
        "decided_on": decision.created_at.date(),
        "rules": rules,
    }


def online_evidence(study: LoadedStudy, st: Store) -> dict[str, Any]:
    """An online study's evidence: its experiment's newest stored readout (judged against the
    experiment's plan by :func:`assay.online.check_deviations` when it was read out), and
    where the stored experiment departs from the study: another plan, another metric read,
    fewer units per arm than planned."""
    from assay.workflows._experiments_store import experiment_history, experiment_plan

    registered = study.registration.experiment_plan or {}
    name = str(registered.get("name"))
    _, stored = experiment_plan(name, store=st)
    history = experiment_history(name, store=st)
    deviations = []
    if stored.to_dict() != registered:
        deviations.append(
            StudyDeviation(
                "experiment",
                f"the plan registered with the study ({name})",
                "another plan stored under that name",
                f"experiment {name!r} is stored with another plan than the study registered",
            )
        )
    if not history:
        return {"evidence": None, "futility": None, "deviations": deviations}
    last = history[-1]
    arms = last.get("arms") or [{}]
    n = min(last.get("n_by_arm", {"": 0}).values())
    primary = study.registration.plan.primary_metric
    if last.get("metric") != primary:
        deviations.append(
            StudyDeviation(
                "primary_metric",
                primary,
                str(last.get("metric")),
                f"the newest readout reports {last.get('metric')!r}, not the registered "
                f"primary metric {primary!r}",
            )
        )
    planned = study.registration.sample_size.planned
    if n < planned:
        deviations.append(
            StudyDeviation(
                "sample_size",
                f"{planned:,} units per arm",
                f"{n:,} units per arm",
                f"{n:,} units in the smallest arm, {100 * n / planned:.3g}% of the planned "
                f"{planned:,}",
            )
        )
    return {
        "evidence": {
            "metric": last.get("metric"),
            "difference": arms[0].get("lift"),
            "low": arms[0].get("low"),
            "high": arms[0].get("high"),
            "confidence": arms[0].get("confidence"),
            "method": f"relative lift: {last.get('method')}",
            "n": n,
            "readouts": len(history),
            "verdict": last.get("verdict"),
        },
        "futility": None,
        "deviations": deviations,
    }
