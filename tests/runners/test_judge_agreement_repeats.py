"""Judge agreement intervals with repeated texts: a cluster bootstrap over the texts."""

from __future__ import annotations

import numpy as np

from assay.runners.judges._validation import JudgeValidation, _kappa_alpha, agreement_with_people
from assay.stats import Estimate


def _labels(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    human = rng.integers(0, 2, n)
    return human, np.where(rng.random(n) < 0.8, human, 1 - human)


def _check(
    human: np.ndarray, judge: np.ndarray, groups: np.ndarray | None = None
) -> JudgeValidation:
    return agreement_with_people(
        human, judge, kind="refusal", n_groups=60, folds=5, seed=0, source="t", groups=groups
    )


def test_the_weighted_formulas_equal_the_library_kappa_and_alpha() -> None:
    human, judge = _labels(60, 0)
    plain = _check(human, judge)
    kappa, alpha = _kappa_alpha(
        np.bincount(2 * human + judge, minlength=4)[None, :].astype(np.float64)
    )
    assert kappa[0] == np.float64(plain.kappa.estimate)
    assert abs(alpha[0] - plain.alpha.estimate) < 1e-12


def test_five_repeats_of_each_text_do_not_narrow_the_intervals() -> None:
    human, judge = _labels(60, 0)
    once = _check(human, judge)
    groups = np.repeat(np.arange(60), 5)
    naive = _check(np.repeat(human, 5), np.repeat(judge, 5))
    grouped = _check(np.repeat(human, 5), np.repeat(judge, 5), groups)

    def width(e: Estimate) -> float:
        return e.high - e.low

    # treating the 300 rows as independent made the interval about sqrt(5) too narrow
    assert width(naive.kappa) < 0.6 * width(once.kappa)
    for name in ("kappa", "alpha"):
        w = width(getattr(grouped, name))
        assert 0.8 * width(getattr(once, name)) < w < 1.25 * width(getattr(once, name))
    assert "cluster bootstrap over 60 distinct texts" in grouped.kappa.method
    assert grouped.kappa.estimate == naive.kappa.estimate
    distinct = _check(human, judge, np.arange(60))
    assert distinct.kappa.method == once.kappa.method
