"""pass@k: the unbiased estimator against brute-force enumeration, by simulation, and its interval."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

from assay.errors import DataError, ParameterError
from assay.stats import binary_mean_interval, mean_interval, pass_at_k, pass_at_k_interval


@pytest.mark.parametrize(("n", "c", "k"), [(5, 0, 1), (5, 2, 1), (6, 2, 3), (7, 3, 5), (4, 4, 2)])
def test_pass_at_k_is_the_chance_that_k_of_n_samples_include_a_pass(n: int, c: int, k: int) -> None:
    samples = [1] * c + [0] * (n - c)
    subsets = list(itertools.combinations(range(n), k))
    brute = sum(any(samples[i] for i in subset) for subset in subsets) / len(subsets)
    assert pass_at_k([n], [c], k)[0] == pytest.approx(brute, abs=1e-12)
    assert pass_at_k([n], [c], k)[0] == pytest.approx(1 - math.comb(n - c, k) / math.comb(n, k))


def test_pass_at_1_is_the_pass_fraction() -> None:
    n = np.array([10, 8, 3])
    c = np.array([3, 8, 0])
    assert pass_at_k(n, c, 1) == pytest.approx(c / n)


def test_pass_at_k_is_unbiased_for_one_minus_fail_to_the_k() -> None:
    rng = np.random.default_rng(7)
    p, n, k, reps = 0.3, 10, 4, 20_000
    c = rng.binomial(n, p, size=reps)
    estimate = pass_at_k(np.full(reps, n), c, k).mean()
    truth = 1 - (1 - p) ** k
    assert estimate == pytest.approx(truth, abs=4 * math.sqrt(truth * (1 - truth) / reps))


def test_pass_at_k_checks_its_inputs() -> None:
    with pytest.raises(ParameterError):
        pass_at_k([5], [1], 0)
    with pytest.raises(DataError, match="at least 3 samples"):
        pass_at_k([2], [1], 3)
    with pytest.raises(DataError, match=r"outside 0\.\.n"):
        pass_at_k([2], [3], 1)


def test_interval_is_the_mean_interval_of_per_example_values() -> None:
    passed = [1, 0, 0, 1, 1, 1, 0, 0, 0, 0, 1, 0] * 5
    ids = [f"e{i // 3}" for i in range(len(passed))]
    est = pass_at_k_interval(passed, ids, 2)
    per_example = pass_at_k(np.full(20, 3), np.array([1, 3, 0, 1] * 5), 2)
    reference = mean_interval(per_example)
    assert est.estimate == pytest.approx(reference.estimate)
    assert (est.low, est.high) == pytest.approx((reference.low, reference.high))
    assert est.n == 20
    assert "pass@2" in est.method and "Chen et al. 2021" in est.method


def test_interval_stays_within_zero_and_one_and_says_so() -> None:
    est = pass_at_k_interval([1, 0, 0, 1, 1, 1, 0, 0, 0], list("aaabbbccc"), 2)
    assert 0.0 <= est.low <= est.estimate <= est.high <= 1.0
    assert any("clipped" in note for note in est.notes)


def test_interval_covers_the_truth_at_the_nominal_rate() -> None:
    rng = np.random.default_rng(11)
    n_examples, n_samples, k, reps = 60, 5, 2, 1000
    p = rng.beta(2, 3, size=n_examples)  # a fixed population of example difficulties
    truth = float(np.mean(1 - (1 - p) ** k))
    ids = np.repeat(np.arange(n_examples), n_samples)
    hits = 0
    for _ in range(reps):
        draw = rng.choice(n_examples, size=n_examples)  # sample examples from the population
        outcomes = (rng.random((n_examples, n_samples)) < p[draw, None]).astype(float).ravel()
        est = pass_at_k_interval(outcomes, ids, k)
        hits += est.low <= truth <= est.high
    assert abs(hits / reps - 0.95) < 0.025


def test_non_binary_outcomes_are_refused_with_their_row() -> None:
    with pytest.raises(DataError, match="0/1 outcomes") as info:
        pass_at_k_interval([1, 0, 0.5], ["a", "a", "b"], 1)
    assert info.value.row == 2


def test_all_failing_examples_get_a_wilson_interval_not_a_point() -> None:
    est = pass_at_k_interval([0.0] * 12, [f"e{i // 3}" for i in range(12)], 1)
    reference = binary_mean_interval([0.0] * 4)
    assert est.estimate == 0.0 and est.high > 0.0
    assert est.high == pytest.approx(reference.high)
    assert "wilson" in est.method.lower()
