"""The futility rule by simulation and properties: stopping when the confidence sequence's upper
bound falls below the effect that matters is rare when the effect is real, however many looks
are taken; it is common when the candidate is no better; and the reading follows the data's
symmetries."""

from __future__ import annotations

import math

import numpy as np
import pytest

from assay.governance import futility

LOOKS = range(100, 1001, 100)


def _pairs(rng: np.random.Generator, n: int, effect: float):  # type: ignore[no-untyped-def]
    """Paired 0/1 scores whose mean improvement is exactly ``effect``: the runs disagree on
    10% of examples, the candidate winning (0.10 + effect) / 2 of them and losing the rest."""
    u = rng.random(n)
    up, down = (0.10 + effect) / 2, (0.10 - effect) / 2
    same = (rng.random(n) < 0.8).astype(float)
    base = np.where(u < up, 0.0, np.where(u < up + down, 1.0, same))
    cand = np.where(u < up, 1.0, np.where(u < up + down, 0.0, same))
    return base, cand


def _ever_stops(base: np.ndarray, cand: np.ndarray, effect: float) -> bool:
    return any(futility(base[:n], cand[:n], minimum_effect=effect).outcome == "stop" for n in LOOKS)


def test_a_real_effect_is_rarely_stopped_for_futility_at_any_look():
    # the true improvement equals the effect that matters: a stop at any of 10 looks is an
    # error; the 95% sequence's upper bound falls below the truth at some look with
    # probability at most 2.5% (one side of the two-sided sequence)
    runs = 300
    stops = sum(
        _ever_stops(*_pairs(np.random.default_rng(seed), max(LOOKS), 0.01), 0.01)
        for seed in range(runs)
    )
    assert stops / runs <= 0.025 + 3 * (0.025 * 0.975 / runs) ** 0.5


def _wrong_stop(rng: np.random.Generator, kind: str, looks: int, n: int, effect: float) -> bool:
    """One study: a fixed baseline and ``looks`` candidate runs whose true improvement is the
    effect that matters, each read at every 50th example (as if read while evaluated)."""
    # bounded: 0/1 scores, the baseline right on 70%; a candidate loses 5% of the baseline's
    # right answers and wins enough of its wrong ones for a mean improvement of ``effect``
    base = (rng.random(n) < 0.7).astype(float) if kind == "bounded" else rng.normal(0, 1, n)
    for _ in range(looks):
        if kind == "bounded":
            win, lose = (effect + 0.7 * 0.05) / 0.3, 0.05
            u = rng.random(n)
            cand = np.where(base == 0, (u < win).astype(float), (u >= lose).astype(float))
        else:
            cand = base + effect + rng.normal(0.0, 1.0, n)
        for m in range(50, n + 1, 50):
            found = futility(base[:m], cand[:m], minimum_effect=effect, looks=looks, tuned_for_n=n)
            if found.outcome == "stop":
                return True
    return False


@pytest.mark.slow
@pytest.mark.parametrize(("kind", "effect"), [("bounded", 0.01), ("normal", 0.1)])
def test_over_many_looks_a_real_effect_is_wrongly_stopped_at_most_alpha(kind: str, effect: float):
    # 10 registered looks, each a new candidate run read at 8 points: the study's 5% is spent
    # across the looks (each look's sequence at 99.5%). The stop is one-sided, so the rate of
    # any wrong stop is at most 2.5%; allow 3 standard errors of the simulation
    runs, alpha = 300, 0.05
    n = 600 if kind == "bounded" else 400
    stops = sum(
        _wrong_stop(np.random.default_rng(seed), kind, 10, n, effect) for seed in range(runs)
    )
    assert stops / runs <= alpha / 2 + 3 * (alpha / 2 * (1 - alpha / 2) / runs) ** 0.5


def test_the_normal_mixture_bound_matches_its_closed_form():
    # Howard et al. (2021): radius = sd * sqrt((t + rho) log((t + rho) / (rho a^2))) / t, rho
    # tuned for the planned n (not the n read), a = alpha / looks
    rng = np.random.default_rng(7)
    base = rng.normal(10.0, 3.0, 300)
    cand = base + rng.normal(0.2, 2.0, 300)
    found = futility(base, cand, minimum_effect=0.5, looks=4, tuned_for_n=2000)
    d = cand - base
    a = 0.05 / 4
    two_log = 2 * math.log(1 / a)
    rho = 2000 / (two_log + math.log(1 + two_log))
    t = d.size
    radius = d.std(ddof=1) * math.sqrt((t + rho) * math.log((t + rho) / (rho * a**2))) / t
    assert found.high == pytest.approx(d.mean() + radius, rel=1e-10)
    assert found.low == pytest.approx(d.mean() - radius, rel=1e-10)
    assert "tuned for n = 2,000" in found.method and "Bonferroni over 4 looks" in found.method
    # the tuning is the registered one: reading more examples does not change it
    longer = futility(base, cand + 0, minimum_effect=0.5, looks=4, tuned_for_n=2000)
    assert longer.method == found.method


def test_clusters_are_the_unit_and_weigh_equally():
    rng = np.random.default_rng(3)
    sizes = rng.integers(1, 8, 120)
    clusters = [f"passage-{i}" for i, k in enumerate(sizes) for _ in range(k)]
    n = len(clusters)
    base = (rng.random(n) < 0.7).astype(float)
    cand = (rng.random(n) < 0.72).astype(float)
    found = futility(base, cand, minimum_effect=0.01, clusters=clusters)
    means = {}
    for label, b, c in zip(clusters, base, cand, strict=True):
        means.setdefault(label, []).append((b, c))
    diffs = [np.mean([c for _, c in v]) - np.mean([b for b, _ in v]) for v in means.values()]
    assert (found.unit, found.units, found.n) == ("cluster", 120, n)
    assert found.estimate == pytest.approx(np.mean(diffs))
    assert "over 120 cluster means" in found.method
    # a pair without a cluster is a cluster of its own; no labels at all means examples
    alone = futility(base, cand, minimum_effect=0.01, clusters=[None] * n)
    assert (alone.unit, alone.units) == ("example", n)


def test_a_candidate_that_is_clearly_no_better_is_stopped():
    stopped = sum(
        _ever_stops(*_pairs(np.random.default_rng(seed), max(LOOKS), -0.05), 0.01)
        for seed in range(50)
    )
    assert stopped >= 45


@pytest.mark.parametrize("seed", range(5))
def test_swapping_the_runs_flips_the_estimate_and_lower_is_better_mirrors(seed: int):
    rng = np.random.default_rng(seed)
    base, cand = _pairs(rng, 500, 0.02)
    forward = futility(base, cand, minimum_effect=0.01)
    backward = futility(cand, base, minimum_effect=0.01)
    assert backward.estimate == pytest.approx(-forward.estimate)
    # a lower-is-better score (an error rate) read with goal=lower is the same improvement
    mirrored = futility(1 - base, 1 - cand, minimum_effect=0.01, goal="lower")
    assert mirrored.estimate == pytest.approx(forward.estimate)
    assert (mirrored.low, mirrored.high) == pytest.approx((forward.low, forward.high))


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"minimum_effect": 0.0}, "'minimum_effect' parameter of futility must be a number > 0"),
        ({"minimum_effect": 0.01, "goal": "up"}, "'goal' parameter of futility"),
        ({"minimum_effect": 0.01, "confidence": 1.5}, "'confidence' parameter of futility"),
        ({"minimum_effect": 0.01, "looks": 0}, "'looks' parameter of futility"),
        ({"minimum_effect": 0.01, "tuned_for_n": 1}, "'tuned_for_n' parameter of futility"),
        ({"minimum_effect": 0.01, "clusters": ["a"]}, "'clusters' parameter of futility"),
    ],
)
def test_bad_arguments_are_parameter_errors(kwargs: dict[str, object], match: str):
    from assay.errors import ParameterError

    with pytest.raises(ParameterError, match=match):
        futility([1.0, 0.0], [1.0, 1.0], **kwargs)  # type: ignore[arg-type]
    with pytest.raises(ParameterError, match="paired with the baseline"):
        futility([1.0, 0.0], [1.0], minimum_effect=0.01)
