"""Team-draft interleaving and its readout: invariants, fairness, scipy's binomial test."""

from __future__ import annotations

import doctest
import math

import numpy as np
import pytest
from scipy import stats

from assay.errors import DataError, ParameterError
from assay.stats import ab_quantile_lift, interleaving_test, team_draft_interleave


@pytest.mark.parametrize("function", [team_draft_interleave, interleaving_test, ab_quantile_lift])
def test_docstring_examples_run(function: object) -> None:
    runner = doctest.DocTestRunner()
    globs = {
        "team_draft_interleave": team_draft_interleave,
        "interleaving_test": interleaving_test,
        "ab_quantile_lift": ab_quantile_lift,
    }
    tests = doctest.DocTestFinder().find(function, globs=globs)
    for test in tests:
        runner.run(test)
    result = runner.summarize(verbose=False)
    assert result.attempted >= 2 and result.failed == 0


@pytest.mark.parametrize("seed", range(30))
def test_team_draft_invariants(seed: int) -> None:
    rng = np.random.default_rng(seed)
    a = [f"d{i}" for i in rng.permutation(12)[:8]]
    b = [f"d{i}" for i in rng.permutation(12)[:9]]
    merged = team_draft_interleave(a, b, rng=seed)
    assert sorted(merged.items) == sorted(set(a) | set(b))
    for team, ranking in (("a", a), ("b", b)):
        picks = [item for item, t in zip(merged.items, merged.teams, strict=True) if t == team]
        ranks = [ranking.index(item) for item in picks]
        assert ranks == sorted(ranks)  # each ranker contributes in its own order
    counts = np.cumsum([1 if t == "a" else -1 for t in merged.teams])
    # While both rankings have items left, the teams stay within one pick of each other.
    balanced = min(len(a), len(b))
    assert np.all(np.abs(counts[:balanced]) <= 1)
    assert team_draft_interleave(a, b, rng=seed) == merged


def test_identical_rankings_are_returned_unchanged() -> None:
    ranking = list("abcdefg")
    assert team_draft_interleave(ranking, ranking, rng=1).items == tuple(ranking)


def test_length_and_duplicates() -> None:
    merged = team_draft_interleave(["x", "x", "y"], ["z"], rng=0, length=2)
    assert len(merged.items) == 2 and len(set(merged.items)) == 2
    with pytest.raises(ParameterError, match="'length' parameter"):
        team_draft_interleave(["x"], ["y"], rng=0, length=0)
    with pytest.raises(ParameterError, match="'rng' parameter"):
        team_draft_interleave(["x"], ["y"], rng=-1)


def test_first_pick_is_a_fair_coin() -> None:
    firsts = [
        team_draft_interleave(["a1", "a2"], ["b1", "b2"], rng=s).teams[0] for s in range(4000)
    ]
    assert np.mean([f == "a" for f in firsts]) == pytest.approx(0.5, abs=0.025)


def test_random_clicks_give_no_preference_end_to_end() -> None:
    rng = np.random.default_rng(9)
    clicks_a, clicks_b = [], []
    for q in range(1500):
        merged = team_draft_interleave(list(range(10)), list(range(9, -1, -1)), rng=q)
        shown = np.flatnonzero(rng.random(10) < 0.15)
        a, b = merged.credit([int(p) for p in shown])
        clicks_a.append(a)
        clicks_b.append(b)
    res = interleaving_test(clicks_a, clicks_b)
    assert res.share_a.contains(0.5)


def test_readout_matches_scipy_binomial_test() -> None:
    a = np.array([3, 0, 1, 2, 0, 1, 0, 0, 4, 1, 2, 0])
    b = np.array([1, 2, 1, 0, 0, 0, 3, 1, 0, 1, 1, 0])
    res = interleaving_test(a, b, confidence=0.9, alternative="greater")
    assert (res.wins_a, res.wins_b, res.ties, res.no_clicks) == (5, 3, 2, 2)
    ref = stats.binomtest(5, 8, 0.5, alternative="greater")
    assert res.test.p_value == pytest.approx(ref.pvalue, rel=1e-12)
    ci = ref.proportion_ci(confidence_level=0.9, method="exact")
    assert (res.share_a.low, res.share_a.high) == pytest.approx((ci.low, ci.high))
    assert res.delta_ab == pytest.approx((5 + 1) / 10 - 0.5)
    swapped = interleaving_test(b, a)
    assert swapped.delta_ab == pytest.approx(-interleaving_test(a, b).delta_ab)
    assert swapped.test.p_value == pytest.approx(interleaving_test(a, b).test.p_value)


def test_readout_degenerate_and_bad_input() -> None:
    res = interleaving_test([1, 0, 2], [1, 0, 2])
    assert res.wins_a == res.wins_b == 0 and math.isnan(res.test.p_value)
    assert res.delta_ab == 0.0 and res.notes
    with pytest.raises(DataError, match=r"clicks_b\[1\]"):
        interleaving_test([1, 2], [0, -1])
    with pytest.raises(DataError, match=r"clicks_a\[0\]"):
        interleaving_test([math.nan], [1])
    with pytest.raises(ParameterError, match="'clicks_b'"):
        interleaving_test([1, 2], [1])
    with pytest.raises(DataError, match="outside the list"):
        team_draft_interleave(["x"], ["y"], rng=0).credit([5])
