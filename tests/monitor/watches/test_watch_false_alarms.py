"""Hourly looks for a month keep the family-wise false-alarm rate at α (seeded simulation).

100 monitors, each with the Bonferroni share α/100 of the family's budget, looked at 24 times a
day for 30 days with nothing changed: the share of simulated families in which *any* monitor
ever alarms stays ≤ α (within three binomial standard errors). The same looks judged with a
fixed-n interval at the same share alarm far more often, which shows the check can fail. Under
a real drop the time to alarm is reported. The default runs a week of looks; the full month
is marked slow.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats as sps

from assay.monitor import BURN_IN, TUNED_FOR_N, judge, normal_mixture_bounds
from assay.stats.sequential import empirical_bernstein_confidence_sequence, normal_mixture_rho

ALPHA = 0.05
MONITORS = 100
PER_LOOK = 20


def _normal_family_alarms(
    families: int, looks: int, rng: np.random.Generator, *, naive: bool = False
) -> tuple[int, int]:
    """(families with any alarm, monitors alarmed) for normal watches of N(0, 1) scores against
    threshold 0 (no margin: the tightest case), simulated from each window's sufficient
    statistics: its mean ~ N(0, 1/k) and its within sum of squares ~ χ²(k − 1)."""
    share = ALPHA / MONITORS
    rho = normal_mixture_rho(TUNED_FOR_N, 1.0 - share)
    n = PER_LOOK * np.arange(1, looks + 1, dtype=np.float64)
    any_alarm = alarmed = 0
    for _ in range(0, families, 50):
        shape = (min(50, families), MONITORS, looks)
        means = rng.normal(0.0, 1.0 / math.sqrt(PER_LOOK), size=shape)
        within = rng.chisquare(PER_LOOK - 1, size=shape)
        total = np.cumsum(PER_LOOK * means, axis=2)
        total_sq = np.cumsum(within + PER_LOOK * means**2, axis=2)
        if naive:
            sd = np.sqrt((total_sq - total**2 / n) / (n - 1))
            z = sps.norm.ppf(1 - share / 2)
            _low, high = total / n - z * sd / np.sqrt(n), total / n + z * sd / np.sqrt(n)
        else:
            _low, high = normal_mixture_bounds(n, total, total_sq, alpha=share, rho=rho)
        # judge()'s alarm for a higher-is-better watch, without building arrays of words
        alarm = (high < 0.0).any(axis=2)
        any_alarm += int(alarm.any(axis=1).sum())
        alarmed += int(alarm.sum())
    return any_alarm, alarmed


def _bound(families: int) -> float:
    return ALPHA + 3.0 * math.sqrt(ALPHA * (1 - ALPHA) / families)


@pytest.mark.parametrize(
    ("days", "families"), [(7, 200), pytest.param(30, 1000, marks=pytest.mark.slow)]
)
def test_normal_watches_keep_the_family_wise_rate(days: int, families: int) -> None:
    rng = np.random.default_rng(20261206)
    hits, monitors = _normal_family_alarms(families, 24 * days, rng)
    rate = hits / families
    print(f"normal: {days} days x 24 looks, {families} families of {MONITORS}: FWER {rate:.4f}")
    assert rate <= _bound(families), (rate, monitors)
    naive, _ = _normal_family_alarms(min(families, 200), 24 * days, rng, naive=True)
    assert naive / min(families, 200) > 2 * ALPHA  # a fixed-n interval at every look cries wolf


def _bernstein_alarms(
    families: int, looks: int, p: float, threshold: float, rng: np.random.Generator
) -> list[int | None]:
    """The look at which each monitor first alarms (None: never), for 0/1 scores."""
    share = ALPHA / MONITORS
    ends = PER_LOOK * np.arange(1, looks + 1) - 1
    first: list[int | None] = []
    for _ in range(families * MONITORS):
        x = rng.binomial(1, p, size=PER_LOOK * looks).astype(np.float64)
        cs = empirical_bernstein_confidence_sequence(x, confidence=1 - share)
        states = judge(cs.low[ends], cs.high[ends], threshold, "higher")
        hit = np.flatnonzero(states == "alarm")
        first.append(int(hit[0]) + 1 if hit.size else None)
    return first


@pytest.mark.parametrize(
    ("days", "families"), [(7, 10), pytest.param(30, 50, marks=pytest.mark.slow)]
)
def test_bernstein_watches_keep_the_family_wise_rate(days: int, families: int) -> None:
    rng = np.random.default_rng(7)
    first = _bernstein_alarms(families, 24 * days, 0.85, 0.85, rng)
    per_family = np.array([f is not None for f in first]).reshape(families, MONITORS)
    rate = float(per_family.any(axis=1).mean())
    print(f"bernstein: {days} days x 24 looks, {families} families: FWER {rate:.4f}")
    assert rate <= _bound(families)


def test_a_real_drop_is_found_and_its_time_to_alarm_reported() -> None:
    """Accuracy 0.85 at release, margin 2 points (threshold 0.83); production drops to 0.78."""
    rng = np.random.default_rng(11)
    first = _bernstein_alarms(1, 24 * 30, 0.78, 0.83, rng)
    looks = np.array([f if f is not None else np.inf for f in first])
    median = float(np.median(looks))
    print(
        f"drop 0.85 -> 0.78 at {PER_LOOK} labels an hour: median time to alarm {median:.0f} "
        f"looks ({median / 24:.1f} days), slowest {looks.max():.0f}"
    )
    assert np.isfinite(looks).all()  # every monitor finds the drop within the month
    assert median <= 24 * 7


def test_normal_watches_are_silent_before_the_burn_in() -> None:
    low, _high = normal_mixture_bounds(
        np.array([BURN_IN - 1, BURN_IN]), np.zeros(2), np.full(2, 29.0), alpha=0.05, rho=100.0
    )
    assert np.isinf(low[0]) and np.isfinite(low[1])
