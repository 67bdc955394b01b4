"""CBPE: expected accuracy without labels, checked against a direct computation, scipy's
Wilson interval, and by simulation with a calibrated model."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats as sps

from assay.errors import DataError
from assay.monitor import (
    WatchState,
    calibration_error,
    calibration_profile,
    cbpe_accuracy,
    expected_correctness,
    look,
)


def test_cbpe_equals_a_direct_computation() -> None:
    p = [0.9, 0.2, 0.55, 0.5, 0.01, 0.7]
    direct = [max(v, 1 - v) for v in p]
    estimate = cbpe_accuracy(p, confidence=0.9)
    assert estimate.estimate == pytest.approx(sum(direct) / len(direct))
    sd = np.sqrt(sum(c * (1 - c) for c in direct)) / len(direct)
    z = sps.norm.ppf(0.95)
    assert estimate.sampling_sd == pytest.approx(sd)
    assert (estimate.low, estimate.high) == pytest.approx(
        (estimate.estimate - z * sd, min(1.0, estimate.estimate + z * sd))
    )
    assert any("calibrated" in a for a in estimate.assumptions)
    assert any("no hold-out" in a for a in estimate.assumptions)
    matrix = np.array([[0.2, 0.5, 0.3], [0.9, 0.05, 0.05]])
    assert list(expected_correctness(matrix)) == [0.5, 0.9]


@pytest.mark.parametrize("seed", range(3))
def test_cbpe_covers_a_calibrated_models_realised_accuracy(seed: int) -> None:
    """Labels drawn from the scores themselves: the interval covers the window's accuracy at
    about its nominal rate (≥ 93% of 400 windows at 95%)."""
    rng = np.random.default_rng(seed)
    covered = 0
    for _ in range(400):
        p = rng.beta(2, 2, size=300)
        y = rng.binomial(1, p)
        accuracy = float(np.mean((p >= 0.5) == y))
        estimate = cbpe_accuracy(p, confidence=0.95)
        covered += estimate.low <= accuracy <= estimate.high
    assert covered / 400 >= 0.93


def test_the_calibration_profile_uses_wilson_intervals_per_bin() -> None:
    rng = np.random.default_rng(4)
    p = rng.uniform(0, 1, size=2000)
    y = rng.binomial(1, p)
    profile = calibration_profile(p, y, bins=5, confidence=0.9)
    c = np.maximum(p, 1 - p)
    correct = (p >= 0.5) == y
    which = profile.bin_of(c)
    for b in range(5):
        m = which == b
        ci = sps.binomtest(int(correct[m].sum()), int(m.sum())).proportion_ci(
            confidence_level=1 - 0.1 / 5, method="wilson"
        )
        mean = c[m].mean()
        expected = max(abs(ci.low - mean), abs(ci.high - mean))
        assert profile.deviation[b] == pytest.approx(expected, rel=1e-9)
        assert profile.counts[b] == int(m.sum())


def test_a_miscalibrated_model_widens_the_interval_enough() -> None:
    """Scores overconfident by design: without a hold-out CBPE misses the true accuracy; with
    the hold-out's calibration term the interval covers it."""
    rng = np.random.default_rng(5)

    def draw(n: int) -> tuple[np.ndarray, np.ndarray]:
        true = rng.uniform(0.05, 0.95, size=n)
        shown = np.clip(0.5 + 1.6 * (true - 0.5), 0, 1)  # pushed towards 0 and 1
        return shown, rng.binomial(1, true)

    holdout, labels = draw(4000)
    profile = calibration_profile(holdout, labels, confidence=0.95)
    assert calibration_error(holdout, labels) > 0.05
    window, truth = draw(2000)
    accuracy = float(np.mean((window >= 0.5) == truth))
    naive = cbpe_accuracy(window)
    assert not naive.low <= accuracy <= naive.high
    honest = cbpe_accuracy(window, calibration=profile)
    assert honest.calibration_term > 0.05
    assert honest.low <= accuracy <= honest.high


def test_a_cbpe_watch_adds_the_calibration_term_to_its_sequence() -> None:
    rng = np.random.default_rng(6)
    p = rng.uniform(0, 1, size=3000)
    profile = calibration_profile(p, rng.binomial(1, p), confidence=0.99)
    watch = WatchState(
        name="accuracy:cbpe",
        metric="accuracy",
        slice=None,
        column="p",
        method="cbpe",
        goal="higher",
        reference=0.75,
        margin=0.02,
        threshold=0.73,
        alpha=0.01,
        bounds=(0.0, 1.0),
        calibration=profile,
    )
    window = rng.uniform(0, 1, size=500)
    after = look(watch, window)
    assert after.calibration_term == pytest.approx(
        profile.term(np.bincount(profile.bin_of(np.maximum(window, 1 - window)), minlength=10))
    )
    assert after.estimate == pytest.approx(np.maximum(window, 1 - window).mean())
    bare = look(watch.model_copy(update={"calibration": None}), window)
    assert after.low == pytest.approx(max(0.0, bare.low - after.calibration_term))


def test_probabilities_outside_zero_one_are_data_errors() -> None:
    with pytest.raises(DataError, match="outside"):
        cbpe_accuracy([0.2, 1.2])
    with pytest.raises(DataError, match="no predictions"):
        cbpe_accuracy([])
