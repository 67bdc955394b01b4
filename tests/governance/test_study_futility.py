"""The futility rule by simulation and properties: stopping when the confidence sequence's upper
bound falls below the effect that matters is rare when the effect is real, however many looks
are taken; it is common when the candidate is no better; and the reading follows the data's
symmetries."""

from __future__ import annotations

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
    ],
)
def test_bad_arguments_are_parameter_errors(kwargs: dict[str, object], match: str):
    from assay.errors import ParameterError

    with pytest.raises(ParameterError, match=match):
        futility([1.0, 0.0], [1.0, 1.0], **kwargs)  # type: ignore[arg-type]
    with pytest.raises(ParameterError, match="paired with the baseline"):
        futility([1.0, 0.0], [1.0], minimum_effect=0.01)
