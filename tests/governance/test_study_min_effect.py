"""Superiority by at least a minimum effect δ (``min_effect``): judged on the improvement's
interval like every kind, checked against the normal interval's closed form and by a seeded
simulation of its false-ship rate at a true effect of exactly δ; a study whose decision rule
requires at least its registered effect is not flagged as having a weak policy, one that
requires less is."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pytest
from adult_runs import adult_subset, log_adult_run, write_study
from scipy import stats

import assay
from assay.errors import AssayWarning
from assay.gates import evaluate_policy, load_policy
from assay.stats import paired_mean_difference
from assay.storage import Store
from assay.testing import comparison_of, metric_result
from assay.workflows import decide, register_study

DELTA = 0.02


def _policy(effect: float) -> str:
    return (
        "name: better\nconfidence: 0.95\nrules:\n  quality:\n"
        f"    - {{name: better, metric: accuracy, kind: superiority, min_effect: {effect}}}\n"
    )


def _judge(diff: tuple[float, float, float], goal: str = "higher") -> str:
    result = metric_result(diff, goal=goal)  # type: ignore[arg-type]
    (rule,) = evaluate_policy(load_policy(_policy(DELTA)), comparison_of([result])).rules
    return rule.outcome


def test_the_rule_reads_its_bounds_against_the_minimum_effect() -> None:
    assert _judge((0.03, 0.021, 0.039)) == "pass"
    assert _judge((0.03, 0.02, 0.04)) == "inconclusive"  # touches δ from the better side
    assert _judge((0.01, 0.0, 0.02)) == "fail"  # at or below δ
    assert _judge((-0.03, -0.039, -0.021), goal="lower") == "pass"
    assert _judge((-0.01, -0.02, 0.0), goal="lower") == "fail"
    result = metric_result((0.031, 0.024, 0.038))
    (rule,) = evaluate_policy(load_policy(_policy(DELTA)), comparison_of([result])).rules
    assert rule.reason == (
        "accuracy: +3.1 points [+2.4, +3.8], entirely above the +2.0-point minimum effect"
    )
    assert rule.margins == {"accuracy": DELTA}


def test_a_negative_minimum_effect_is_refused() -> None:
    with pytest.raises(assay.errors.ConfigError, match="min_effect"):
        load_policy(_policy(-0.01))


def test_the_gate_agrees_with_the_normal_intervals_closed_form() -> None:
    """With the normal interval d ± z·se, the rule passes exactly when (d − δ)/se > z and
    fails exactly when (d − δ)/se ≤ −z."""
    z = stats.norm.ppf(0.975)
    rng = np.random.default_rng(7)
    seen = set()
    for _ in range(300):
        d, se = rng.normal(DELTA, 0.02), rng.uniform(0.002, 0.02)
        outcome = _judge((d, d - z * se, d + z * se))
        t = (d - DELTA) / se
        expected = "pass" if t > z else "fail" if t <= -z else "inconclusive"
        assert outcome == expected, (d, se)
        seen.add(outcome)
    assert seen == {"pass", "fail", "inconclusive"}


@pytest.mark.slow
def test_its_false_ship_rate_at_a_true_effect_of_delta_is_at_most_a_tail() -> None:
    """2,000 seeded paired samples whose true improvement is exactly δ: a 95% two-sided
    interval ships at most 2.5% of them (one tail), within three binomial standard errors."""
    rng = np.random.default_rng(2026)
    policy, reps, n, shipped = load_policy(_policy(DELTA)), 2000, 200, 0
    for _ in range(reps):
        baseline = rng.normal(0.5, 0.1, n)
        candidate = baseline + rng.normal(DELTA, 0.05, n)
        d = paired_mean_difference(baseline, candidate).difference
        result = metric_result((d.estimate, d.low, d.high), n=n)
        shipped += evaluate_policy(policy, comparison_of([result])).verdict.value == "SHIP"
    rate, tail = shipped / reps, 0.025
    assert rate <= tail + 3 * np.sqrt(tail * (1 - tail) / reps)
    assert rate > 0.01  # the gate is not simply never shipping


@pytest.mark.parametrize(("effect", "weak"), [(0.01, False), (0.02, False), (0.005, True)])
def test_weak_policy_fires_only_when_the_rule_requires_less_than_the_registered_effect(
    study_store: Store, tmp_path: Path, effect: float, weak: bool
) -> None:
    assay.register_suite(adult_subset(), store=study_store)
    (tmp_path / "better.yaml").write_text(_policy(effect), encoding="utf-8")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        register_study(write_study(tmp_path, policy="better.yaml"), store=study_store)
    said = [str(w.message) for w in caught if w.category is AssayWarning]
    assert bool(said) == weak
    baseline = log_adult_run(study_store, "income-logreg@1")
    candidate = log_adult_run(study_store, "income-logreg-noisy@2", flip=0.1, seed=1)
    rec = decide(
        baseline,
        candidate,
        policy=tmp_path / "better.yaml",
        study="adult-retrain",
        output=tmp_path / "out",
        store=study_store,
    )
    assert not [r for r in rec.verdict.rules if r.rule == "study_deviation_policy"]
    flagged = [r for r in rec.verdict.rules if r.rule == "study_deviation_weak_policy"]
    assert bool(flagged) == weak
    if weak:
        words = "ships on superiority by at least a minimum effect of +0.5 points"
        assert words in said[0] and words in flagged[0].reason
        assert "the study registered +1.0 point as the effect that matters" in said[0]
