"""What would settle an inconclusive rule, checked against closed-form normal approximations."""

from __future__ import annotations

import math
import re
from fractions import Fraction
from statistics import NormalDist

import numpy as np
import pytest

from assay.core import MetricComparison, RuleOutcome
from assay.gates import default_policy, evaluate_policy, load_policy, sample_size_to_settle
from assay.stats import proportion_interval
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
    # the observed difference lies between the margin and 0: the interval must fit between
    distance = margin + min(res.difference.estimate, 0.0)
    closed = ((Z_ALPHA + Z_BETA) * sd / distance) ** 2
    # The t test needs a little more than the normal approximation, never much more.
    assert closed <= total <= closed * 1.01 + 3
    assert abs(more - (total - n)) <= 0.05 * (total - n)  # "about": two significant digits
    assert res.difference.estimate < 0
    assert "would rule out a 0.02 drop if the true difference is the observed" in outcome.to_settle


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
    assert "would rule out a 1.0-point drop if the true difference is the observed" in (
        outcome.to_settle
    )
    assert "with 80% power (McNemar, Connor 1987" in outcome.to_settle
    more, total = _numbers(outcome.to_settle)
    psi = float(np.mean(base != cand))  # the discordance counted from the data
    closed = _connor(psi, margin + min(res.difference.estimate, 0.0))
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


def _error_rule(limit: float, errors: int, records: int) -> RuleOutcome:
    policy = load_policy(
        f"name: p\nrules:\n  cost:\n    - {{name: e, kind: max_error_rate, max: {limit}}}\n"
    )
    res = mean_result(np.zeros(50), np.ones(50) * 0.1)
    (outcome,) = evaluate_policy(policy, comparison([res], errors=(errors, records))).rules
    return outcome


def _records_in_all(to_settle: str) -> tuple[int, int]:
    match = re.match(r"([\d,]+) more records \(([\d,]+) in all\) would show", to_settle)
    assert match, to_settle
    return int(match.group(1).replace(",", "")), int(match.group(2).replace(",", ""))


def _brute_force(errors: int, records: int, limit: float, most: int) -> int | None:
    """The first record count whose Wilson interval, at the observed rate, is off the limit."""
    for n in range(records + 1, most):
        held = math.floor(Fraction(errors * n, records) + Fraction(1, 2))
        est = proportion_interval(held, n, method="wilson", confidence=0.95)
        if est.high <= limit or est.low > limit:
            return n
    return None


def test_zero_errors_of_fifty_need_73_records_at_the_default_5_percent() -> None:
    (rule,) = [r for r in default_policy().rules.cost if r.kind == "max_error_rate"]
    limit = rule.params["max"]
    assert limit == 0.05
    outcome = _error_rule(limit, 0, 50)
    assert outcome.outcome == "inconclusive"
    assert outcome.to_settle is not None
    assert _records_in_all(outcome.to_settle) == (23, 73)
    assert "at or below the 5.0% maximum if no errors continue" in outcome.to_settle
    # 73 is where 0 of n first has a Wilson upper bound at or below 5%: z²/(n + z²) <= 0.05
    assert math.ceil(Z_ALPHA**2 * (1 / 0.05 - 1)) == 73


@pytest.mark.parametrize(
    ("errors", "records", "limit"),
    [
        (0, 50, 0.05),
        (0, 10, 0.05),
        (0, 200, 0.01),
        (0, 30, 0.1),
        (1, 20, 0.1),
        (1, 50, 0.05),
        (2, 40, 0.1),
        (3, 100, 0.05),
        (8, 200, 0.05),
        (5, 60, 0.05),
        (9, 100, 0.05),
        (4, 30, 0.2),
        (12, 50, 0.2),
        (26, 100, 0.2),
        (2, 10, 0.1),
    ],
)
def test_error_rate_to_settle_is_the_first_count_the_rules_interval_settles(
    errors: int, records: int, limit: float
) -> None:
    outcome = _error_rule(limit, errors, records)
    assert outcome.outcome == "inconclusive"
    assert outcome.to_settle is not None
    more, total = _records_in_all(outcome.to_settle)
    assert more == total - records
    assert total == _brute_force(errors, records, limit, most=20_000)
    side = "at or below" if errors / records < limit else "above"
    assert f"would show the error rate {side} the {limit:.1%} maximum" in outcome.to_settle


def test_an_error_rate_on_or_hard_by_its_limit_has_no_count_to_settle() -> None:
    outcome = _error_rule(0.05, 5, 100)
    assert outcome.outcome == "inconclusive"
    assert outcome.to_settle is not None
    assert "sits on the limit" in outcome.to_settle
    close = _error_rule(0.05, 499, 10_000)
    assert close.outcome == "inconclusive"
    assert close.to_settle is not None
    assert "no practical number of records would settle it" in close.to_settle
