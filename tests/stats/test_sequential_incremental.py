"""The early stop's running sequence equals the sequence recomputed from scratch at every look."""

from __future__ import annotations

import math

import numpy as np
import pytest

from assay.errors import DataError
from assay.stats import (
    empirical_bernstein_confidence_sequence,
    paired_empirical_bernstein_confidence_sequence,
)
from assay.stats.sequential import (
    EarlyStop,
    EarlyStopDecision,
    Tracker,
    early_stop_decision,
)


def _from_scratch(plan: EarlyStop, cand: list[float], base: list[float]) -> tuple[float, ...]:
    """What every look computed before the sequence was carried: the whole prefix again."""
    if isinstance(plan.baseline, dict):
        final = paired_empirical_bernstein_confidence_sequence(
            base, cand, confidence=plan.confidence, bounds=plan.bounds, truncation=0.5
        ).final
        shift = 0.0
    else:
        final = empirical_bernstein_confidence_sequence(
            cand, confidence=plan.confidence, bounds=plan.bounds, truncation=0.5
        ).final
        shift = float(plan.baseline)
    return final.estimate - shift, final.low - shift, final.high - shift


def _data(seed: int, n: int, bounds: tuple[float, float]) -> tuple[list[str], np.ndarray, dict]:
    rng = np.random.default_rng(seed)
    lo, hi = bounds
    ids = [f"ex-{i}" for i in range(n)]
    cand = lo + (hi - lo) * (rng.random(n) < 0.62)
    if seed % 2:  # continuous scores on other seeds
        cand = lo + (hi - lo) * rng.beta(2.0, 1.5, n)
    cand[rng.random(n) < 0.03] = np.nan  # errored records do not enter the sequence
    base = {i: float(lo + (hi - lo) * (rng.random() < 0.6)) for i in ids if rng.random() > 0.02}
    return ids, cand, base


@pytest.mark.parametrize("seed", range(8))
@pytest.mark.parametrize("paired", [True, False])
def test_every_look_equals_the_sequence_recomputed_on_all_observations(
    seed: int, paired: bool
) -> None:
    bounds = (0.0, 1.0) if seed < 4 else (-2.0, 3.0)
    n = 3000
    ids, cand, base = _data(seed, n, bounds)
    plan = EarlyStop(
        metric="score",
        baseline=base if paired else 0.6,
        min_examples=1 + seed * 37,
        check_every=7 + seed * 11,
        bounds=bounds,
    )
    track = Tracker(plan, "higher", n)  # looked at after it decides, to check every look
    seen_c: list[float] = []
    seen_b: list[float] = []
    looks = 0
    rng = np.random.default_rng(100 + seed)
    start = 0
    while start < n:
        stop = min(n, start + int(rng.integers(1, 2 * plan.check_every)))  # uneven batches
        for i in range(start, stop):
            b = base.get(ids[i], math.nan) if paired else math.nan
            if math.isfinite(cand[i]) and (not paired or math.isfinite(b)):
                seen_c.append(float(cand[i]))
                seen_b.append(b)
        track.look(ids[start:stop], cand[start:stop])
        start = stop
        if seen_c and (stop >= plan.min_examples or stop >= n):
            looks += 1
            expected = _from_scratch(plan, seen_c, seen_b)
            np.testing.assert_allclose(track.interval, expected, rtol=0, atol=1e-12)
            assert track.interval == expected  # in fact bit for bit
    assert looks >= 25
    result = track.result()
    assert result.n_observations == len(seen_c)
    assert result.decision is early_stop_decision(*expected[1:], plan.margin, "higher")


@pytest.mark.parametrize("seed", range(20))
def test_decisions_and_stopping_looks_match_recomputing_from_scratch(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n = 2000
    ids = [f"ex-{i}" for i in range(n)]
    base = {i: float(rng.random() < 0.7) for i in ids}
    cand = (rng.random(n) < 0.7 + rng.choice([-0.08, 0.0, 0.06])).astype(float)
    plan = EarlyStop(metric="s", baseline=base, margin=0.02, min_examples=100, check_every=50)
    track = Tracker(plan, "higher", n)
    decision, at = EarlyStopDecision.UNDECIDED, n
    for start in range(0, n, plan.check_every):
        stop = min(n, start + plan.check_every)
        c = cand[:stop].tolist()
        b = [base[i] for i in ids[:stop]]
        low, high = _from_scratch(plan, c, b)[1:]
        expected = early_stop_decision(low, high, plan.margin, "higher")
        done = track.look(ids[start:stop], cand[start:stop])
        assert track.decision is expected
        if done:
            decision, at = expected, stop
            break
    assert track.result().n_used == at
    assert track.result().decision is decision


def test_a_score_outside_the_bounds_is_named_as_the_whole_sequence_names_it() -> None:
    ids = [f"ex-{i}" for i in range(40)]
    base = dict.fromkeys(ids, 0.5)
    scores = np.full(40, 0.25)
    scores[33] = 1.5
    plan = EarlyStop(metric="s", baseline=base, min_examples=10, check_every=10)
    track = Tracker(plan, "higher", 40)
    for start in range(0, 30, 10):
        track.look(ids[start : start + 10], scores[start : start + 10])
    with pytest.raises(DataError) as incremental:
        track.look(ids[30:], scores[30:])
    with pytest.raises(DataError) as whole:
        paired_empirical_bernstein_confidence_sequence([0.5] * 40, scores)
    assert str(incremental.value) == str(whole.value)
    assert "candidate[33]" in str(incremental.value)
