"""Flipped examples: true counts in both directions, ordering by the size of the change, caps."""

from __future__ import annotations

import json
from collections import defaultdict

import numpy as np
import pyarrow as pa
import pytest

import assay
from assay.cli import main
from assay.compare import compare_records
from assay.compare._flips import listed_counts
from assay.data import SuiteData, make_suite
from assay.testing import comparison_suite as suite
from assay.testing import paired_records as records
from assay.testing import run_info, synthetic_records, synthetic_suite


@pytest.fixture(scope="module")
def data() -> SuiteData:
    return suite(500, metrics=("accuracy", "score"), seed=33)


@pytest.fixture(scope="module")
def runs(data: SuiteData) -> tuple[pa.Table, pa.Table]:
    return records(data, 0, error_rate=0.03), records(data, 1, shift=0.2, error_rate=0.02)


def _compare(data: SuiteData, base: pa.Table, cand: pa.Table, **kw: object):
    kw.setdefault("resamples", 50)
    return compare_records(
        run_info(data, "base"), base, run_info(data, "cand"), cand, data.suite, **kw
    )


def _per_example(table: pa.Table, metric: str) -> dict[str, float]:
    """Scores averaged per example over records that did not fail (an independent count)."""
    sums: dict[str, list[float]] = defaultdict(list)
    for row in table.to_pylist():
        if row["error"] is None and row[metric] is not None and not np.isnan(row[metric]):
            sums[row["example_id"]].append(row[metric])
    return {k: float(np.mean(v)) for k, v in sums.items()}


def _changes(data: SuiteData, base: pa.Table, cand: pa.Table, metric: str) -> dict[str, float]:
    goal = data.suite.metric(metric).goal
    b, c = _per_example(base, metric), _per_example(cand, metric)
    sign = 1.0 if goal == "higher" else -1.0
    return {e: sign * (c[e] - b[e]) for e in b.keys() & c.keys() if c[e] != b[e]}


@pytest.mark.parametrize("metric", ["accuracy", "score"])
def test_counts_equal_an_independent_count_from_the_records(
    data: SuiteData, runs: tuple, metric: str
) -> None:
    result = _compare(data, *runs, max_flips=5)
    changes = _changes(data, *runs, metric)
    count = next(c for c in result.flip_counts if c.metric == metric)
    assert count.worse == sum(v < 0 for v in changes.values()) > 5
    assert count.better == sum(v > 0 for v in changes.values()) > 5
    assert count.total == len(changes)
    listed = [f for f in result.flips if f.metric == metric]
    assert len(listed) == 5 and sum(f.regression for f in listed) == 3


@pytest.mark.parametrize("metric", ["accuracy", "score"])
def test_all_flips_are_listed_on_request_ordered_by_the_change(
    data: SuiteData, runs: tuple, metric: str
) -> None:
    result = _compare(data, *runs, max_flips=None)
    changes = _changes(data, *runs, metric)
    listed = [f for f in result.flips if f.metric == metric]
    assert {f.example_id: f.change for f in listed} == pytest.approx(changes, abs=1e-12)
    worse = [(f.change, f.example_id) for f in listed if f.regression]
    better = [(-f.change, f.example_id) for f in listed if not f.regression]
    assert listed[: len(worse)] == [f for f in listed if f.regression]  # regressions first
    assert worse == sorted(worse) and better == sorted(better)  # largest change first, then id
    for f in listed:
        assert f.regression == (f.change < 0)
        assert f.change == pytest.approx(f.candidate_score - f.baseline_score, abs=1e-12)


def test_every_regression_of_every_metric_comes_before_any_improvement(
    data: SuiteData, runs: tuple
) -> None:
    flips = _compare(data, *runs, max_flips=4).flips
    kinds = [f.regression for f in flips]
    assert kinds == sorted(kinds, reverse=True) and True in kinds and False in kinds
    assert [f.metric for f in flips if f.regression] == ["accuracy"] * 2 + ["score"] * 2


def test_a_lower_is_better_goal_turns_the_change_around() -> None:
    data = make_suite(
        "lower",
        suite(300, seed=4).examples,
        metrics=[{"name": "harm", "goal": "lower"}],
        slices=["lang", "tier"],
    )
    base = records(data, 0, accuracy={"harm": 0.2}, continuous=())
    cand = records(data, 1, accuracy={"harm": 0.3}, continuous=())
    result = _compare(data, base, cand, max_flips=None)
    (count,) = result.flip_counts
    b, c = _per_example(base, "harm"), _per_example(cand, "harm")
    assert count.worse == sum(c[e] > b[e] for e in b.keys() & c.keys())
    assert count.better == sum(c[e] < b[e] for e in b.keys() & c.keys())
    for f in result.flips:
        assert f.change == f.baseline_score - f.candidate_score
        assert f.regression == (f.candidate_score > f.baseline_score)


def test_no_flips_listed_with_zero_but_still_counted(data: SuiteData, runs: tuple) -> None:
    result = _compare(data, *runs, max_flips=0)
    assert result.flips == [] and all(c.total > 0 for c in result.flip_counts)
    assert [c.metric for c in result.flip_counts] == ["accuracy", "score"]


def test_record_order_does_not_change_flips(data: SuiteData, runs: tuple) -> None:
    base, cand = runs
    perm = np.random.default_rng(5).permutation(cand.num_rows)
    ordered = _compare(data, base, cand, max_flips=6)
    shuffled = _compare(data, base, cand.take(pa.array(perm)), max_flips=6)
    assert shuffled.flips == ordered.flips and shuffled.flip_counts == ordered.flip_counts


@pytest.mark.parametrize(
    ("worse", "better", "cap", "expected"),
    [
        (10, 10, 7, (4, 3)),
        (1, 10, 7, (1, 6)),
        (10, 2, 7, (5, 2)),
        (2, 2, 50, (2, 2)),
        (5, 5, 0, (0, 0)),
        (5, 9, None, (5, 9)),
    ],
)
def test_the_cap_is_shared_fairly(worse: int, better: int, cap: int | None, expected) -> None:
    assert listed_counts(worse, better, cap) == expected


def test_the_cli_lists_as_many_flips_as_asked_and_counts_them_all(home, capsys) -> None:
    data = synthetic_suite(600, seed=3)
    runs = [
        assay.log_run(synthetic_records(data, accuracy=acc, seed=s), suite=data, model=f"m@{s}")
        for s, acc in ((1, 0.7), (2, 0.75))
    ]
    b, c = (r.run.run_id for r in runs)
    tables = [assay.open_store().runs.records(i) for i in (b, c)]
    base, cand = (_per_example(t, "accuracy") for t in tables)
    worse = sum(cand[e] < base[e] for e in base.keys() & cand.keys())
    better = sum(cand[e] > base[e] for e in base.keys() & cand.keys())
    for flag, listed in (("-1", worse + better), ("0", 0), ("9", 9)):
        assert main(["compare", b, c, "--max-flips", flag, "--json"]) == 0
        out = json.loads(capsys.readouterr().out)
        assert out["flip_counts"] == [{"metric": "accuracy", "worse": worse, "better": better}]
        assert len(out["flips"]) == listed
    assert main(["gate", b, c, "--max-flips", "4", "--json"]) in (0, 1, 2)
    flips = json.loads(capsys.readouterr().out)["comparison"]["flips"]
    assert [f["regression"] for f in flips] == [True, True, False, False]
    assert main(["compare", b, c, "--max-flips", "-2"]) != 0
