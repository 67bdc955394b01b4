"""What would settle an inconclusive rule, checked against closed-form normal approximations."""

from __future__ import annotations

import math
import re
from statistics import NormalDist

import numpy as np
import pytest

from assay.core import MetricComparison, RuleOutcome
from assay.gates import evaluate_policy, load_policy, sample_size_to_settle
from assay.testing import binary_result, mean_result
from assay.testing import comparison_of as comparison
from assay.testing import given_interval as iv

Z = NormalDist().inv_cdf
Z_ALPHA, Z_BETA = Z(0.975), Z(0.8)


def _ni(res: MetricComparison, margin: float) -> RuleOutcome:
    policy = load_policy(
        "name: p\nrules:\n  quality:\n"
        f"    - {{name: ni, metric: {res.metric}, kind: non_inferiority, margin: {margin}}}\n"
    )
    (outcome,) = evaluate_policy(policy, comparison([res])).rules
    return outcome


def _numbers(to_settle: str) -> tuple[int, int]:
    match = re.match(r"about ([\d,]+) more examples \(([\d,]+) in all\)", to_settle)
    assert match, to_settle
    return int(match.group(1).replace(",", "")), int(match.group(2).replace(",", ""))


def _connor(psi: float, delta: float) -> float:
    return (Z_ALPHA * math.sqrt(psi) + Z_BETA * math.sqrt(psi - delta**2)) ** 2 / delta**2


def test_continuous_metric_needs_the_normal_approximation_sample_size() -> None:
    rng = np.random.default_rng(11)
    n = 800
    base = rng.normal(0.0, 1.0, n)
    cand = base + rng.normal(0.0, 0.5, n)
    res = mean_result(base, cand, metric="score")
    margin = 0.02
    outcome = _ni(res, margin)
    assert outcome.outcome == "inconclusive"
    assert outcome.to_settle is not None
    more, total = _numbers(outcome.to_settle)
    sd = float(np.std(cand - base, ddof=1))
    closed = ((Z_ALPHA + Z_BETA) * sd / margin) ** 2
    # The t test needs a little more than the normal approximation, never much more.
    assert closed <= total <= closed * 1.01 + 3
    assert abs(more - (total - n)) <= 0.05 * (total - n)  # "about": two significant digits
    assert "would detect a 0.02 drop with 80% power" in outcome.to_settle


def test_paired_binary_metric_uses_connor_with_the_observed_discordance() -> None:
    rng = np.random.default_rng(5)
    n = 1500
    base = (rng.random(n) < 0.8).astype(float)
    cand = base.copy()
    flip = rng.random(n) < np.where(base == 1, 0.05, 0.2)
    cand[flip] = 1 - cand[flip]
    res = binary_result(base, cand)
    assert "mcnemar" in res.test
    margin = 0.01
    outcome = _ni(res, margin)
    assert outcome.outcome == "inconclusive"
    assert outcome.to_settle is not None
    assert "would detect a 1.0-point drop with 80% power (McNemar, Connor 1987" in outcome.to_settle
    more, total = _numbers(outcome.to_settle)
    psi = float(np.mean(base != cand))  # the discordance counted from the data
    closed = _connor(psi, margin)
    assert abs(total - closed) <= 0.05 * closed
    assert abs(more - (total - n)) <= 0.05 * (total - n)


def test_the_discordance_read_from_the_interval_gives_connors_size_exactly() -> None:
    interval = iv(-0.004, -0.0165, 0.0085)
    n, effect = 1500, 0.01
    se = (interval.high - interval.low) / (2 * Z_ALPHA)
    psi = n * se**2 + interval.estimate**2
    size = sample_size_to_settle(interval, n, effect, paired_binary=True)
    assert size is not None
    assert size.total == math.ceil(_connor(psi, effect))
    assert size.sd == pytest.approx(psi)
    assert size.more == size.total - n


def test_nothing_can_be_said_without_a_usable_interval() -> None:
    assert sample_size_to_settle(iv(0.0, -math.inf, math.inf), 100, 0.01) is None
    assert sample_size_to_settle(iv(0.0, 0.0, 0.0), 100, 0.01) is None
    assert sample_size_to_settle(iv(0.0, -0.1, 0.1), 100, 0.0) is None
    enough = sample_size_to_settle(iv(0.0, -0.1, 0.1), 10_000, 0.5)
    assert enough is not None and enough.more == 0


def test_error_rate_to_settle_counts_records() -> None:
    policy = load_policy(
        "name: p\nrules:\n  cost:\n    - {name: e, kind: max_error_rate, max: 0.05}\n"
    )
    res = mean_result(np.zeros(50), np.ones(50) * 0.1)
    (outcome,) = evaluate_policy(policy, comparison([res], errors=(8, 200))).rules
    assert outcome.outcome == "inconclusive"
    assert outcome.to_settle is not None
    match = re.match(
        r"about ([\d,]+) more records \(([\d,]+) in all\) would settle whether "
        r"the error rate is at or below 5\.0% if its true value is the observed 4\.0%",
        outcome.to_settle,
    )
    assert match, outcome.to_settle
    total = int(match.group(2).replace(",", ""))
    p = 0.04
    closed = ((Z_ALPHA + Z_BETA) * math.sqrt(p * (1 - p)) / (0.05 - p)) ** 2
    # The SD is read from the Wilson interval's width, which is near sqrt(p(1-p)) here.
    assert abs(total - closed) <= 0.15 * closed
