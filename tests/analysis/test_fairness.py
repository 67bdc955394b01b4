"""Group fairness: Fairlearn's numbers on Adult, interval coverage, small groups, checks."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from assay.analysis import FairnessResult, check_fairness, group_fairness
from assay.datasets import load_adult
from assay.errors import ConfigError, DataError, ParameterError


@pytest.fixture(scope="module")
def adult() -> pd.DataFrame:
    test = load_adult("test")
    # a real, fixed predictor: degree holders working full time are predicted over $50K
    test["pred"] = np.where(
        (test.education_num >= 13) & (test.hours_per_week >= 40), ">50K", "<=50K"
    )
    test["score"] = test.education_num / 16.0
    return test


@pytest.mark.parametrize("by", ["sex", "race"])
def test_group_metrics_and_disparities_equal_fairlearns(adult: pd.DataFrame, by: str) -> None:
    from fairlearn.metrics import (
        MetricFrame,
        demographic_parity_difference,
        demographic_parity_ratio,
        equalized_odds_difference,
        equalized_odds_ratio,
        false_positive_rate,
        selection_rate,
        true_positive_rate,
    )
    from sklearn.metrics import accuracy_score

    y = (adult.income == ">50K").astype(int).to_numpy()
    p = (adult.pred == ">50K").astype(int).to_numpy()
    groups = adult[by]
    result = group_fairness(
        adult.income.tolist(),
        adult.pred.tolist(),
        groups.tolist(),
        positive=">50K",
        attribute=by,
        scores=adult.score.tolist(),
        resamples=200,
        min_group=2,
        min_class=1,
    )
    frame = MetricFrame(
        metrics={
            "selection_rate": selection_rate,
            "true_positive_rate": true_positive_rate,
            "false_positive_rate": false_positive_rate,
            "accuracy": accuracy_score,
        },
        y_true=y,
        y_pred=p,
        sensitive_features=groups,
    )
    gap = (
        adult.assign(y=y)
        .groupby(by)
        .apply(lambda g: g.score.mean() - g.y.mean(), include_groups=False)
    )
    for g in result.groups:
        for metric in frame.by_group.columns:
            assert g.values[metric].estimate == pytest.approx(
                frame.by_group.loc[g.group, metric], abs=1e-12
            )
        assert g.values["calibration_gap"].estimate == pytest.approx(gap[g.group], abs=1e-12)
        assert g.n == int((groups == g.group).sum())
    kw = {"sensitive_features": groups}
    expected = {
        "demographic_parity_difference": demographic_parity_difference(y, p, **kw),
        "demographic_parity_ratio": demographic_parity_ratio(y, p, **kw),
        "equalized_odds_difference": equalized_odds_difference(y, p, **kw),
        "equalized_odds_ratio": equalized_odds_ratio(y, p, **kw),
        "accuracy_difference": frame.difference()["accuracy"],
        "true_positive_rate_ratio": frame.ratio()["true_positive_rate"],
    }
    for name, value in expected.items():
        found = result.disparity(name)
        assert found is not None and found.estimate.estimate == pytest.approx(value, abs=1e-12)
        assert found.estimate.low <= found.estimate.estimate <= found.estimate.high


def _simulated(
    rng: np.random.Generator, n: tuple[int, int], clustered: bool
) -> tuple[list[int], ...]:
    # group a: TPR 0.7, FPR 0.10; group b: TPR 0.55, FPR 0.35; base rate 0.4 in both
    truth, pred, group, cluster = [], [], [], []
    for g, (size, tpr, fpr) in enumerate(((n[0], 0.7, 0.10), (n[1], 0.55, 0.35))):
        units = size // 4 if clustered else size
        # with clusters, four examples share a cluster effect on the prediction
        shift = (
            np.repeat(rng.normal(0.0, 0.8, units), size // units)[:size]
            if clustered
            else np.zeros(size)
        )
        y = rng.random(size) < 0.4
        logit = np.where(y, np.log(tpr / (1 - tpr)), np.log(fpr / (1 - fpr))) + shift
        p = rng.random(size) < 1.0 / (1.0 + np.exp(-logit))
        truth += y.astype(int).tolist()
        pred += p.astype(int).tolist()
        group += [g] * size
        cluster += [f"{g}-{i // 4}" for i in range(size)]
    return truth, pred, group, cluster


@pytest.mark.slow
@pytest.mark.parametrize("clustered", [False, True])
def test_disparity_intervals_cover_the_truth_in_seeded_simulation(clustered: bool) -> None:
    """Percentile bootstrap over examples (or clusters): 95% intervals cover in about 95%."""
    covered = {"demographic_parity_difference": 0, "true_positive_rate_difference": 0}
    if not clustered:  # selection rates 0.4 * TPR + 0.6 * FPR: 0.34 and 0.43
        truth_of = {"true_positive_rate_difference": 0.15, "demographic_parity_difference": 0.09}
    else:  # the cluster effect moves the rates: the truth from one very large sample
        big = _simulated(np.random.default_rng(10_000), (400_000, 400_000), True)
        ref = group_fairness(*big[:3], positive=1, resamples=100)
        truth_of = {k: ref.disparity(k).estimate.estimate for k in covered}  # type: ignore[union-attr]
    sims = 300
    for seed in range(sims):
        truth, pred, group, cluster = _simulated(np.random.default_rng(seed), (800, 400), clustered)
        result = group_fairness(
            truth,
            pred,
            group,
            positive=1,
            clusters=cluster if clustered else None,
            resamples=400,
            rng=seed,
        )
        for name in covered:
            e = result.disparity(name).estimate  # type: ignore[union-attr]
            covered[name] += e.low <= truth_of[name] <= e.high
    for name, hits in covered.items():
        assert 0.91 <= hits / sims <= 0.99, (name, hits / sims)


def test_small_groups_are_reported_and_never_a_disparity() -> None:
    truth = [1, 0] * 50 + [1, 0, 1] + [1, 0] * 40
    pred = [1, 1, 0, 0] * 25 + [1, 1, 0] + [1, 0] * 40
    group = ["big"] * 100 + ["tiny"] * 3 + ["mid"] * 80
    result = group_fairness(truth, pred, group, positive=1, resamples=200)
    assert result.too_small == ("tiny",)
    tiny = next(g for g in result.groups if g.group == "tiny")
    assert tiny.values == {} and "no interval" in tiny.notes[-1]
    assert all("tiny" not in d.groups for d in result.disparities)
    alone = group_fairness(truth[:103], pred[:103], group[:103], positive=1, resamples=200)
    assert alone.disparities == ()
    (check,) = check_fairness(alone, max_disparity={"equalized_odds_difference": 0.1})
    assert check.outcome == "inconclusive" and "tiny" in check.reason


def _result(lows: list[float], highs: list[float], gap: tuple[float, float]) -> FairnessResult:
    truth = [1, 0] * 200
    result = group_fairness(truth, truth, ["a"] * 200 + ["b"] * 200, positive=1, resamples=100)
    from dataclasses import replace

    groups = tuple(
        replace(
            g,
            values={
                "accuracy": replace(g.values["accuracy"], estimate=(lo + hi) / 2, low=lo, high=hi)
            },
        )
        for g, lo, hi in zip(result.groups, lows, highs, strict=True)
    )
    d = result.disparity("accuracy_difference")
    assert d is not None
    other = replace(d, estimate=replace(d.estimate, estimate=sum(gap) / 2, low=gap[0], high=gap[1]))
    return replace(result, groups=groups, disparities=(other,))


@pytest.mark.parametrize(
    ("lows", "highs", "gap", "outcomes"),
    [
        ([0.85, 0.82], [0.9, 0.88], (0.01, 0.04), ("pass", "pass")),
        ([0.85, 0.6], [0.9, 0.7], (0.12, 0.3), ("fail", "fail")),
        ([0.85, 0.78], [0.9, 0.84], (0.03, 0.08), ("inconclusive", "inconclusive")),
    ],
)
def test_checks_are_judged_on_the_bounds(
    lows: list[float], highs: list[float], gap: tuple[float, float], outcomes: tuple[str, str]
) -> None:
    result = _result(lows, highs, gap)
    worst, disparity = check_fairness(
        result, min_group={"accuracy": 0.8}, max_disparity={"accuracy_difference": 0.05}
    )
    assert (worst.outcome, disparity.outcome) == outcomes


def test_bad_input_is_refused() -> None:
    with pytest.raises(DataError, match="a prediction and a group"):
        group_fairness([1, 0], [1], ["a", "b"], positive=1)
    with pytest.raises(ParameterError, match="'resamples' parameter of group_fairness"):
        group_fairness([1, 0], [1, 0], ["a", "b"], positive=1, resamples=5)
    with pytest.raises(DataError, match="predicted probabilities"):
        group_fairness([1, 0], [1, 0], ["a", "b"], positive=1, scores=[0.5, 1.5])
    result = group_fairness([1, 0] * 40, [1, 0] * 40, ["a", "b"] * 40, positive=1, resamples=100)
    with pytest.raises(ConfigError, match="not a disparity"):
        check_fairness(result, max_disparity={"parity": 0.1})
    with pytest.raises(ConfigError, match="which no group has"):
        check_fairness(result, min_group={"calibration_gap": 0.1})


@settings(max_examples=80, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["y", "n", "?"]), st.sampled_from(["y", "n"]), st.text(max_size=3)
        ),
        min_size=1,
        max_size=120,
    ),
    st.booleans(),
)
def test_any_labels_and_groups_give_counts_that_add_up(
    rows: list[tuple[str, str, str]], clustered: bool
) -> None:
    truth, pred, group = (list(col) for col in zip(*rows, strict=True))
    clusters = [str(i // 3) for i in range(len(rows))] if clustered else None
    result = group_fairness(
        truth, pred, group, positive="y", clusters=clusters, resamples=100, min_group=5, min_class=2
    )
    assert sum(g.n for g in result.groups) == len(rows)
    assert sum(g.positives for g in result.groups) == truth.count("y")
    for g in result.groups:
        for e in g.values.values():
            assert 0.0 <= e.estimate <= 1.0 and (np.isnan(e.low) or e.low <= e.high)
    for d in result.disparities:
        assert set(d.groups) <= {g.group for g in result.groups} - set(result.too_small)


def test_the_markdown_section_shows_every_group_count_and_neutralises_names() -> None:
    from assay.reports import fairness_markdown

    truth = [1, 0] * 60
    group = ["a|b\x1b[31m"] * 80 + ["tiny\u202e"] * 4 + ["c"] * 36
    result = group_fairness(truth, truth, group, positive=1, resamples=100)
    checks = check_fairness(result, min_group={"accuracy": 0.9})
    text = fairness_markdown(result, checks)
    assert "| a\\|b␛[31m | 80 |" in text and "\x1b" not in text and "\u202e" not in text
    assert "| tiny<U+202E> | 4 | too small |" in text
    assert f"{result.n:,} examples" in text and "**inconclusive**" in text


def test_a_group_too_small_for_an_interval_keeps_a_rule_from_passing() -> None:
    truth = [1, 0] * 100 + [0, 0, 0] + [1, 0] * 100
    pred = [*truth[:200], 1, 1, 1, *truth[203:]]
    group = ["a"] * 200 + ["tiny"] * 3 + ["b"] * 200
    result = group_fairness(truth, pred, group, positive=1, resamples=100)
    assert result.too_small == ("tiny",)
    # before, both passed: tiny (every answer wrong) was never looked at
    worst, disparity = check_fairness(
        result, min_group={"accuracy": 0.8}, max_disparity={"accuracy_difference": 0.05}
    )
    assert (worst.outcome, disparity.outcome) == ("inconclusive", "inconclusive")
    assert "tiny (not settled)" in worst.reason and "tiny (not settled)" in disparity.reason
    worst, disparity = check_fairness(
        result,
        min_group={"accuracy": 0.8},
        max_disparity={"accuracy_difference": 0.05},
        ignore_small_groups=True,
    )
    assert (worst.outcome, disparity.outcome) == ("pass", "pass")
    assert "(ignored: ignore_small_groups)" in worst.reason
