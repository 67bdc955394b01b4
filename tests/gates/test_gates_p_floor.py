"""A no_regression rule over slices whose bootstrap p-values cannot reach its level says so
(reason and UnderpoweredWarning) instead of passing as if it had looked; the floor is the
resamples' share through the expansion for the slice's clusters."""

from __future__ import annotations

import warnings

import pytest

from assay.compare import compare_records
from assay.core import Comparison, MetricComparison
from assay.errors import UnderpoweredWarning
from assay.gates import evaluate_policy, load_policy
from assay.gates._p_floor import regression_p_floor, unreachable
from assay.stats import expanded_p_value
from assay.testing import comparison_suite, metric_result, paired_records, run_info

POLICY = (
    "name: p\nrules:\n  quality:\n"
    "    - {name: nr, metric: label_f1, slice: every, kind: no_regression, min_slice_size: 10}\n"
)


def _compare(cluster_size: int | None, resamples: int = 2_000) -> Comparison:
    data = comparison_suite(
        40,
        metrics=("label_f1",),
        aggregates={"label_f1": "macro_f1"},
        slices={"lang": ("de", "en")},
        cluster_size=cluster_size,
        seed=5,
    )
    base = paired_records(data, 0, label_accuracy=0.95)
    cand = paired_records(data, 1, label_accuracy=0.1)  # far worse on every slice
    return compare_records(
        run_info(data, "b"), base, run_info(data, "c"), cand, data.suite, resamples=resamples
    )


def test_five_clusters_a_slice_cannot_fail_and_the_rule_says_so() -> None:
    comparison = _compare(cluster_size=8)  # 5 clusters in all, at most 5 in a slice
    slices = [r for r in comparison.results if r.metric == "label_f1"]
    assert all(r.difference.high < 0 for r in slices[1:])  # a plain regression, every slice
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        verdict = evaluate_policy(load_policy(POLICY), comparison)
    (outcome,) = verdict.rules
    assert outcome.outcome == "pass"
    assert "no judged slice could fail whatever the data" in outcome.reason
    assert "could fail" in verdict.summary and "regresses" not in verdict.summary
    said = [w for w in caught if issubclass(w.category, UnderpoweredWarning)]
    assert len(said) == 1 and "'nr'" in str(said[0].message)


def test_the_same_regression_without_clusters_fails_the_rule() -> None:
    comparison = _compare(cluster_size=None)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        (outcome,) = evaluate_policy(load_policy(POLICY), comparison).rules
    assert outcome.outcome == "fail"
    assert not [w for w in caught if issubclass(w.category, UnderpoweredWarning)]


def _boot(resamples: int, clusters: int | None, test: str = "paired bootstrap") -> MetricComparison:
    """A result of a bootstrap test (a hand-made interval) with its resamples and clusters."""
    r = metric_result((-0.1, -0.2, -0.05), test=test)
    return r.model_copy(update={"resamples": resamples, "n_clusters": clusters})


@pytest.mark.parametrize(("resamples", "clusters"), [(2_000, None), (2_000, 5), (999, 12)])
def test_the_floor_is_the_smallest_p_value_the_comparison_gives(
    resamples: int, clusters: int | None
) -> None:
    r = _boot(resamples, clusters)
    raw = 2.0 / (resamples + 1.0)  # (0 + 1) / (B + 1) on the nearer side, doubled
    two = raw if clusters is None else float(expanded_p_value(raw, "two-sided", clusters))
    assert regression_p_floor(r) == pytest.approx(two / 2.0, rel=1e-12)
    t_test = metric_result((-0.1, -0.2, -0.05), test="paired t", p_value=0.5)
    assert regression_p_floor(t_test) is None


def test_holm_multiplies_the_smallest_floor_and_bh_does_not() -> None:
    def boot(clusters: int) -> MetricComparison:
        return _boot(2_000, clusters)

    three = [boot(8), boot(8), boot(8)]  # floor 0.0089 each: 3 x 0.0089 >= 0.025
    assert unreachable(three, 0.025, holm=True) == (True, [])
    assert unreachable(three, 0.025, holm=False)[0] is False
    two = three[:2]
    assert unreachable(two, 0.025, holm=True)[0] is False
    t_test = metric_result((-0.1, -0.2, -0.05), test="paired t")
    assert unreachable([*three, t_test], 0.025, holm=True)[0] is False  # a t test can reach
    none, alone = unreachable([boot(3), t_test], 0.025, holm=True)
    assert none is False and [r.n_clusters for r, _ in alone] == [3]
