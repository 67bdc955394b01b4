"""A safety rate from judge labels: PPI++ covers the human rate with a biased judge, refusal
without human labels, the raw rate with a visible warning, and bad labels."""

from __future__ import annotations

import numpy as np
import pytest

from assay.errors import DataError, UnvalidatedJudgeWarning
from assay.metrics import judged_rate
from assay.stats import binary_mean_interval, ppi_mean


def biased_judge_data(
    rng: np.random.Generator, n: int = 2000, labelled: int = 200, rate: float = 0.3
) -> tuple[np.ndarray, np.ndarray]:
    """People's labels at ``rate``; a judge that finds 80% of their 1s and calls 25% of their
    0s a 1 (its own rate about 0.415); human labels kept on a random subset only."""
    people = rng.random(n) < rate
    judge = np.where(people, rng.random(n) < 0.8, rng.random(n) < 0.25).astype(float)
    human = np.full(n, np.nan)
    chosen = rng.choice(n, labelled, replace=False)
    human[chosen] = people[chosen]
    return judge, human


@pytest.mark.slow
def test_ppi_covers_the_human_rate_at_its_level_and_is_narrower_than_labels_alone() -> None:
    rng = np.random.default_rng(0)
    reps, rate = 2000, 0.3
    covered = {"ppi": 0, "human": 0, "judge": 0}
    widths = {"ppi": 0.0, "human": 0.0}
    for _ in range(reps):
        result = judged_rate(*biased_judge_data(rng, rate=rate))
        covered["ppi"] += result.estimate.contains(rate)
        assert result.human_only is not None
        covered["human"] += result.human_only.contains(rate)
        covered["judge"] += result.judge_only.contains(rate)
        widths["ppi"] += result.estimate.width / reps
        widths["human"] += result.human_only.width / reps
    tolerance = 3 * np.sqrt(0.95 * 0.05 / reps)  # three binomial standard errors
    assert abs(covered["ppi"] / reps - 0.95) < tolerance
    assert abs(covered["human"] / reps - 0.95) < tolerance + 0.01  # Wilson/t, a little under
    assert covered["judge"] / reps < 0.05  # the judge's own rate is for the judge
    assert widths["ppi"] < 0.95 * widths["human"]


def test_the_estimate_is_ppi_mean_on_the_labelled_split() -> None:
    judge, human = biased_judge_data(np.random.default_rng(5))
    result = judged_rate(judge, human, confidence=0.9)
    known = ~np.isnan(human)
    reference = ppi_mean(human[known], judge[known], judge[~known], confidence=0.9)
    assert result.human_rate is True
    assert result.estimate.estimate == reference.estimate.estimate
    assert (result.estimate.low, result.estimate.high) == (
        reference.estimate.low,
        reference.estimate.high,
    )
    assert result.lam == reference.lam and 0.0 < result.lam <= 1.0
    assert result.n_labelled == 200 and result.n == 2000
    assert result.human_only == binary_mean_interval(human[known], confidence=0.9)
    assert "ppi++" in result.summary() and result.warning is None


def test_no_human_labels_refuses_ppi_and_raw_warns_visibly() -> None:
    judge = np.array([0, 1, 1, 0, 1, 0, 0, 1] * 10, dtype=float)
    with pytest.raises(DataError, match="PPI\\+\\+ needs human labels") as info:
        judged_rate(judge)
    assert "raw=True" in str(info.value)
    with pytest.raises(DataError, match="PPI\\+\\+ needs human labels"):
        judged_rate(judge, [None] * judge.size)
    with pytest.warns(UnvalidatedJudgeWarning, match="not a human rate"):
        result = judged_rate(judge, raw=True)
    assert result.human_rate is False and result.human_only is None
    assert result.estimate.estimate == pytest.approx(0.5)
    assert "warning: the judge's own rate, not a human rate" in result.summary()


def test_bad_labels_are_refused_with_their_row() -> None:
    with pytest.raises(DataError, match="not 0 or 1") as info:
        judged_rate([0, 1, 2, 1])
    assert "row 2" in str(info.value)
    with pytest.raises(DataError, match="not 0 or 1"):
        judged_rate([0, 1, float("nan")], raw=True)
    with pytest.raises(DataError, match="not 0 or 1"):
        judged_rate([0, 1, 1], [0.5, np.nan, np.nan])
    with pytest.raises(DataError, match="one human label"):
        judged_rate([0, 1, 1], [0, 1])
    with pytest.raises(DataError, match="must be 0/1 numbers"):
        judged_rate(["a", "b"], raw=True)
    with pytest.raises(DataError, match="10 or more human labels and 2 or more unlabelled"):
        judged_rate([0, 1, 1, 0], [1, np.nan, np.nan, np.nan])
