"""A watch's look is its confidence sequence at the end of each window, judged like a gate."""

from __future__ import annotations

import numpy as np
import pytest

from assay.errors import DataError
from assay.monitor import WatchState, judge, look, normal_mixture_bounds
from assay.stats.sequential import (
    empirical_bernstein_confidence_sequence,
    normal_mixture_confidence_sequence,
    normal_mixture_rho,
)


def _watch(method: str = "bernstein", **kw: object) -> WatchState:
    base: dict[str, object] = dict(
        name="accuracy",
        metric="accuracy",
        slice=None,
        column="accuracy",
        method=method,
        goal="higher",
        reference=0.8,
        margin=0.02,
        threshold=0.78,
        alpha=0.01,
        bounds=(0.0, 1.0) if method != "normal" else None,
    )
    base.update(kw)
    return WatchState.model_validate(base)


@pytest.mark.parametrize("seed", range(5))
def test_bernstein_looks_equal_the_sequence_at_each_window_end(seed: int) -> None:
    rng = np.random.default_rng(seed)
    sizes = rng.integers(1, 60, size=12)
    x = rng.binomial(1, 0.8, size=int(sizes.sum())).astype(float)
    cs = empirical_bernstein_confidence_sequence(x, confidence=0.99)
    watch, end = _watch(), 0
    for size in sizes:
        watch = look(watch, x[end : end + size])
        end += int(size)
        assert watch.n == end
        assert watch.low == pytest.approx(cs.low[end - 1], abs=1e-12)
        assert watch.high == pytest.approx(cs.high[end - 1], abs=1e-12)
        assert watch.estimate == pytest.approx(x[:end].mean())


def test_normal_looks_equal_the_normal_mixture_sequence() -> None:
    rng = np.random.default_rng(3)
    x = rng.normal(10.0, 2.0, size=400)
    cs = normal_mixture_confidence_sequence(x, confidence=0.99, tuned_for_n=1000)
    watch = _watch("normal", reference=10.0, margin=0.5, threshold=9.5)
    for end in range(20, 401, 20):
        watch = look(watch, x[end - 20 : end])
        if end < 30:
            assert watch.low is None and watch.state == "inconclusive"
        else:
            assert watch.low == pytest.approx(cs.low[end - 1], rel=1e-9)
            assert watch.high == pytest.approx(cs.high[end - 1], rel=1e-9)


def test_normal_mixture_bounds_match_the_closed_form() -> None:
    rho = normal_mixture_rho(1000, 0.95)
    x = np.arange(1.0, 51.0)
    low, high = normal_mixture_bounds(50, x.sum(), (x**2).sum(), alpha=0.05, rho=rho)
    radius = x.std(ddof=1) * np.sqrt((50 + rho) * np.log((50 + rho) / (rho * 0.05**2))) / 50
    assert (float(low), float(high)) == pytest.approx((x.mean() - radius, x.mean() + radius))


def test_judge_is_like_a_gate_in_both_directions() -> None:
    low = np.array([0.81, 0.70, 0.75])
    high = np.array([0.90, 0.77, 0.85])
    assert list(judge(low, high, 0.78, "higher")) == ["ok", "alarm", "inconclusive"]
    assert list(judge(low, high, 0.78, "lower")) == ["alarm", "ok", "inconclusive"]


def test_an_alarm_is_final_and_spends_the_watch_budget() -> None:
    rng = np.random.default_rng(0)
    watch = _watch()
    for _ in range(6):
        watch = look(watch, rng.binomial(1, 0.5, 500))
    assert watch.state == "alarm" and watch.remaining == 0.0
    first = watch.alarm_look
    assert first is not None
    for _ in range(20):
        watch = look(watch, np.ones(500))
    assert watch.state == "alarm" and watch.alarm_look == first


def test_an_unchanged_model_becomes_ok_and_keeps_its_budget() -> None:
    rng = np.random.default_rng(1)
    watch = _watch()
    for _ in range(40):
        watch = look(watch, rng.binomial(1, 0.85, 500))
    assert watch.state == "ok" and watch.remaining == watch.alpha


def test_an_empty_window_counts_as_a_look_and_changes_nothing() -> None:
    watch = look(_watch(), np.array([1.0, 0.0, 1.0]))
    after = look(watch, np.array([]))
    assert after.looks == 2
    assert (after.n, after.low, after.high) == (watch.n, watch.low, watch.high)


@pytest.mark.parametrize(
    ("values", "message"),
    [([0.5, np.nan], "not finite"), ([0.5, 1.5], "outside its bounds"), ([np.inf], "not finite")],
)
def test_bad_scores_are_data_errors(values: list[float], message: str) -> None:
    with pytest.raises(DataError, match=message):
        look(_watch(), np.array(values))
