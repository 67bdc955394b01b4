"""Baseline against candidate by group: Fairlearn's numbers on each run of Adult and their
difference, properties of the pairing, and the paired cluster bootstrap's coverage."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from assay.analysis import paired_group_fairness
from assay.datasets import load_adult
from assay.errors import DataError, ParameterError


@pytest.fixture(scope="module")
def adult() -> pd.DataFrame:
    test = load_adult("test")
    # two real, fixed predictors: degree holders working full time (baseline), and the same
    # or anyone with capital gains (candidate)
    base = (test.education_num >= 13) & (test.hours_per_week >= 40)
    test["base"] = np.where(base, ">50K", "<=50K")
    test["cand"] = np.where(base | (test.capital_gain > 5000), ">50K", "<=50K")
    return test


@pytest.mark.slow
@pytest.mark.parametrize("by", ["sex", "race"])
def test_each_run_and_the_change_equal_fairlearns(adult: pd.DataFrame, by: str) -> None:
    from fairlearn.metrics import (
        MetricFrame,
        demographic_parity_difference,
        equalized_odds_difference,
        false_positive_rate,
        selection_rate,
        true_positive_rate,
    )
    from sklearn.metrics import accuracy_score

    y = (adult.income == ">50K").astype(int).to_numpy()
    metrics = {
        "selection_rate": selection_rate,
        "true_positive_rate": true_positive_rate,
        "false_positive_rate": false_positive_rate,
        "accuracy": accuracy_score,
    }
    frames, named = {}, {}
    for role in ("base", "cand"):
        p = (adult[role] == ">50K").astype(int).to_numpy()
        frames[role] = MetricFrame(
            metrics=metrics, y_true=y, y_pred=p, sensitive_features=adult[by]
        )
        named[role] = {
            "demographic_parity_difference": demographic_parity_difference(
                y, p, sensitive_features=adult[by]
            ),
            "equalized_odds_difference": equalized_odds_difference(
                y, p, sensitive_features=adult[by]
            ),
        }
    change = paired_group_fairness(
        adult.income.tolist(),
        adult.base.tolist(),
        adult.cand.tolist(),
        adult[by].tolist(),
        positive=">50K",
        attribute=by,
        resamples=200,
        min_group=2,
        min_class=1,
    )
    assert change.n == len(adult) and "paired percentile bootstrap" in change.method
    for g in change.groups:
        for metric in metrics:
            before = frames["base"].by_group.loc[g.group, metric]
            after = frames["cand"].by_group.loc[g.group, metric]
            assert g.baseline.values[metric].estimate == pytest.approx(before, abs=1e-12)
            assert g.candidate.values[metric].estimate == pytest.approx(after, abs=1e-12)
            diff = g.change[metric]
            assert diff.estimate == pytest.approx(after - before, abs=1e-12)
            assert diff.low <= diff.estimate <= diff.high
    for name, values in named["base"].items():
        d = change.disparity(name)
        assert d is not None
        assert d.baseline.estimate == pytest.approx(values, abs=1e-12)
        assert d.candidate.estimate == pytest.approx(named["cand"][name], abs=1e-12)
        assert d.change.estimate == pytest.approx(named["cand"][name] - values, abs=1e-12)


def test_a_run_against_itself_changes_nothing_and_swapping_flips_the_sign(
    adult: pd.DataFrame,
) -> None:
    args = (adult.income.tolist(), adult.base.tolist())
    same = paired_group_fairness(
        *args, adult.base.tolist(), adult.sex.tolist(), positive=">50K", resamples=200
    )
    for g in same.groups:
        assert all((d.estimate, d.low, d.high) == (0.0, 0.0, 0.0) for d in g.change.values())
    assert all(d.change.high == 0.0 == d.change.low for d in same.disparities)
    forward = paired_group_fairness(
        *args, adult.cand.tolist(), adult.sex.tolist(), positive=">50K", resamples=200
    )
    backward = paired_group_fairness(
        adult.income.tolist(),
        adult.cand.tolist(),
        adult.base.tolist(),
        adult.sex.tolist(),
        positive=">50K",
        resamples=200,
    )
    for f, b in zip(forward.disparities, backward.disparities, strict=True):
        assert f.change.estimate == pytest.approx(-b.change.estimate, abs=1e-12)
        assert f.change.low == pytest.approx(-b.change.high, abs=1e-12)
    # the paired interval is narrower than one that ignores the pairing would be
    f = forward.disparity("demographic_parity_difference")
    assert f is not None
    independent = np.hypot(f.baseline.high - f.baseline.low, f.candidate.high - f.candidate.low)
    assert f.change.high - f.change.low < independent


def test_small_groups_and_bad_input() -> None:
    y = ["a", "b"] * 40 + ["a"] * 4
    groups = ["big"] * 80 + ["tiny"] * 4
    result = paired_group_fairness(y, y, y[::-1], groups, positive="a", resamples=100)
    assert result.too_small == ("tiny",) and "tiny" in result.notes[0]
    tiny = next(g for g in result.groups if g.group == "tiny")
    assert tiny.change == {} and result.disparities == ()  # one group left: no disparity
    with pytest.raises(DataError, match="both runs' predictions"):
        paired_group_fairness(y, y, y[:-1], groups, positive="a")
    with pytest.raises(ParameterError, match="resamples"):
        paired_group_fairness(y, y, y, groups, positive="a", resamples=5)


def _simulated(
    rng: np.random.Generator,
) -> tuple[list[int], list[int], list[int], list[str], list[int]]:
    """Two groups (200 and 100 clusters of four); a cluster's type (0/1) sets both runs'
    selection probabilities; both runs read one uniform per example (strongly paired)."""
    p = {"A": (0.5, 0.3), "B": (0.3, 0.1)}  # baseline: A 0.40, B 0.20
    r = {"A": (0.6, 0.3), "B": (0.5, 0.1)}  # candidate: A 0.45, B 0.30 (changes differ by type)
    rows = []
    for group, clusters in (("A", 200), ("B", 100)):
        for c in range(clusters):
            kind = int(rng.integers(0, 2))
            u = rng.random(4)
            truth = (rng.random(4) < 0.5).astype(int)
            for i in range(4):
                rows.append(
                    (
                        truth[i],
                        int(u[i] < p[group][kind]),
                        int(u[i] < r[group][kind]),
                        group,
                        f"{group}{c}",
                    )
                )
    y, b, c, g, k = (list(x) for x in zip(*rows, strict=True))
    return y, b, c, g, k


@pytest.mark.slow
def test_paired_cluster_bootstrap_covers_the_true_changes() -> None:
    truth = {"A": 0.05, "B": 0.10, "dp": (0.45 - 0.30) - (0.40 - 0.20)}
    covered = {"A": 0, "B": 0, "dp": 0}
    trials = 300
    for seed in range(trials):
        y, b, c, g, k = _simulated(np.random.default_rng(seed))
        res = paired_group_fairness(
            y, b, c, g, positive=1, clusters=k, resamples=400, rng=seed, min_class=1
        )
        by = {x.group: x.change["selection_rate"] for x in res.groups}
        dp = res.disparity("demographic_parity_difference")
        assert dp is not None
        for key, est in (("A", by["A"]), ("B", by["B"]), ("dp", dp.change)):
            covered[key] += est.low <= truth[key] <= est.high
    rates = {key: n / trials for key, n in covered.items()}
    # 95% intervals; 300 data sets give a standard error of about 1.3 points
    assert all(0.91 <= v <= 0.99 for v in rates.values()), rates


def test_runs_of_different_suite_versions_are_refused(home) -> None:  # type: ignore[no-untyped-def]
    import assay
    from assay.errors import SuiteMismatchError
    from assay.workflows import fairness

    runs = []
    for size in (40, 41):
        rows = [
            {
                "example_id": f"e{i}",
                "input": f"x{i}",
                "reference": "yes" if i % 2 else "no",
                "slices": {"sex": "F" if i % 3 else "M"},
            }
            for i in range(size)
        ]
        suite = assay.make_suite(
            f"s{size}", rows, metrics=[{"name": "ok", "scorer": "exact_match"}], slices=["sex"]
        )
        runs.append(assay.evaluate(lambda p: "yes", suite=suite, model=f"m{size}@1").run.run_id)
    with pytest.raises(SuiteMismatchError, match="same version"):
        fairness(runs[1], against=runs[0], by="sex", positive="yes", resamples=100)
