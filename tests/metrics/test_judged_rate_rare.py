"""Coverage of judged_rate's human-rate interval for rare rates and few human labels."""

from __future__ import annotations

import numpy as np
import pytest

from assay.errors import DataError
from assay.metrics import judged_rate
from assay.metrics._judged_rate import EXACT_METHOD, MIN_LABELS


def _coverage(
    rate: float, labelled: int, accuracy: float, reps: int, seed: int
) -> tuple[float, float]:
    """Share of seeded datasets (1,000 judged examples, a judge right with probability
    ``accuracy``, ``labelled`` random human labels) whose 95% interval holds ``rate``, and the
    mean width."""
    rng = np.random.default_rng(seed)
    hits, width = 0, 0.0
    for _ in range(reps):
        n = 1000
        human = (rng.random(n) < rate).astype(np.float64)
        judge = np.where(rng.random(n) < accuracy, human, 1.0 - human)
        labels = np.full(n, np.nan)
        chosen = rng.choice(n, labelled, replace=False)
        labels[chosen] = human[chosen]
        est = judged_rate(judge, labels).estimate
        hits += int(est.low <= rate <= est.high)
        width += est.high - est.low
    return hits / reps, width / reps


@pytest.mark.parametrize(
    ("rate", "labelled", "accuracy"),
    [(0.05, 10, 0.9), (0.05, 20, 0.95), (0.02, 30, 0.97), (0.05, 100, 0.95), (0.02, 200, 0.9)],
)
def test_rare_rate_interval_covers_at_its_level(
    rate: float, labelled: int, accuracy: float
) -> None:
    # the PPI++ normal interval alone covered 0.27, 0.56, 0.27, 0.88 and 0.87 here
    reps = 200
    coverage, width = _coverage(rate, labelled, accuracy, reps, seed=labelled)
    assert coverage >= 0.95 - 3 * np.sqrt(0.95 * 0.05 / reps)
    assert width < 0.6


def test_no_disagreement_gives_the_conservative_interval_and_says_so() -> None:
    human = np.zeros(1000)
    human[:50] = 1.0
    judge = human.copy()
    judge[50:100] = 1.0  # the judge flags 10%, people 5%
    labels = np.full(1000, np.nan)
    chosen = [0, 200, 300, 400, 500, 600, 700, 800, 900, 999]
    labels[chosen] = human[chosen]
    result = judged_rate(judge, labels)
    assert result.estimate.method == EXACT_METHOD
    assert result.estimate.low <= 0.05 <= result.estimate.high
    assert "10 human labels, 0 disagreements" in result.summary()


def test_fewer_than_the_minimum_labels_is_refused() -> None:
    labels = np.full(100, np.nan)
    labels[: MIN_LABELS - 1] = 0.0
    with pytest.raises(DataError, match=f"{MIN_LABELS} or more human labels"):
        judged_rate(np.zeros(100), labels)


@pytest.mark.slow
def test_rare_rate_grid_covers_at_its_level() -> None:
    reps = 400
    for rate in (0.02, 0.05):
        for labelled in (10, 30, 100, 200):
            coverage, _ = _coverage(rate, labelled, 0.9, reps, seed=7 * labelled)
            assert coverage >= 0.95 - 3 * np.sqrt(0.95 * 0.05 / reps), (rate, labelled)
