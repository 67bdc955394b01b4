"""Properties: the running sequence, cut into any batches, is the sequence computed at once."""

from __future__ import annotations

import math

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from assay.stats import (
    empirical_bernstein_confidence_sequence,
    paired_empirical_bernstein_confidence_sequence,
)
from assay.stats.sequential import EarlyStop, Tracker
from assay.stats.sequential._running import RunningBernstein

_BOUNDS = st.sampled_from([(0.0, 1.0), (-2.0, 3.0), (0.0, 100.0), (-1.0, 1.0)])


@st.composite
def _sequences(draw: st.DrawFn) -> tuple[tuple[float, float], list[float], list[int]]:
    """Values within bounds (binary, continuous or both) and the cuts of the batches."""
    lo, hi = draw(_BOUNDS)
    unit = st.one_of(
        st.sampled_from([0.0, 1.0]),
        st.floats(0.0, 1.0, allow_nan=False, allow_infinity=False),
    )
    values = [lo + (hi - lo) * u for u in draw(st.lists(unit, min_size=1, max_size=300))]
    values = [min(max(v, lo), hi) for v in values]
    sizes = draw(st.lists(st.integers(1, 40), min_size=1, max_size=80))
    return (lo, hi), values, sizes


def _batches(n: int, sizes: list[int]) -> list[tuple[int, int]]:
    cuts, start, i = [], 0, 0
    while start < n:
        stop = min(n, start + sizes[i % len(sizes)])
        cuts.append((start, stop))
        start, i = stop, i + 1
    return cuts


@settings(max_examples=150, deadline=None)
@given(
    _sequences(),
    st.sampled_from([0.8, 0.9, 0.95, 0.99]),
    st.sampled_from([0.5, 0.75, 0.9]),
)
def test_running_sequence_equals_the_sequence_of_every_prefix(
    drawn: tuple[tuple[float, float], list[float], list[int]], confidence: float, truncation: float
) -> None:
    bounds, values, sizes = drawn
    whole = empirical_bernstein_confidence_sequence(
        values, confidence=confidence, bounds=bounds, truncation=truncation
    )
    running = RunningBernstein(confidence, bounds, truncation)
    x = np.asarray(values)
    for start, stop in _batches(x.size, sizes):
        estimate, low, high = running.update(x[start:stop])
        prefix = empirical_bernstein_confidence_sequence(
            values[:stop], confidence=confidence, bounds=bounds, truncation=truncation
        ).final
        expected = (prefix.estimate, prefix.low, prefix.high)
        np.testing.assert_allclose((estimate, low, high), expected, rtol=0, atol=1e-12)
        at = stop - 1
        assert (estimate, low, high) == (
            float(whole.estimate[at]),
            float(whole.low[at]),
            float(whole.high[at]),
        )


@settings(max_examples=100, deadline=None)
@given(
    _sequences(),
    st.lists(st.booleans(), min_size=1, max_size=300),
    st.integers(1, 60),
)
def test_tracker_looks_equal_the_paired_sequence_recomputed_at_each_look(
    drawn: tuple[tuple[float, float], list[float], list[int]],
    missing: list[bool],
    min_examples: int,
) -> None:
    bounds, cand, sizes = drawn
    lo, hi = bounds
    n = len(cand)
    ids = [f"ex-{i}" for i in range(n)]
    base = {
        eid: hi - (cand[i] - lo) * 0.5  # in bounds, related to the candidate
        for i, eid in enumerate(ids)
        if not missing[i % len(missing)]
    }
    plan = EarlyStop(metric="s", baseline=base, bounds=bounds, min_examples=min_examples)
    track = Tracker(plan, "higher", n)
    seen_b: list[float] = []
    seen_c: list[float] = []
    scores = np.asarray(cand)
    for start, stop in _batches(n, sizes):
        track.look(ids[start:stop], scores[start:stop])
        for i in range(start, stop):
            if ids[i] in base:
                seen_b.append(base[ids[i]])
                seen_c.append(cand[i])
        if seen_c and (stop >= min_examples or stop >= n):
            final = paired_empirical_bernstein_confidence_sequence(
                seen_b, seen_c, confidence=plan.confidence, bounds=bounds, truncation=0.5
            ).final
            expected = (final.estimate, final.low, final.high)
            np.testing.assert_allclose(track.interval, expected, rtol=0, atol=1e-12)
        elif not seen_c:
            assert math.isnan(track.interval[0])
    assert track.result().n_observations == len(seen_c)
