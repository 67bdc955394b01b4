"""Properties of compare_records: self-comparison, swapping, record order, samples, errors."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from assay.compare import compare_records
from assay.core import Comparison
from assay.data import SuiteData
from assay.stats import average_samples, paired_mean_difference
from assay.testing import comparison_suite as suite
from assay.testing import paired_records as records
from assay.testing import run_info

AGGREGATES = {"label_f1": "macro_f1", "label_mcc": "mcc"}
METRICS = ("accuracy", "score", "label_f1", "label_mcc")


@pytest.fixture(scope="module")
def data() -> SuiteData:
    return suite(300, metrics=METRICS, aggregates=AGGREGATES, seed=11)


@pytest.fixture(scope="module")
def clustered() -> SuiteData:
    return suite(240, metrics=METRICS, aggregates=AGGREGATES, cluster_size=4, seed=12)


def _compare(data: SuiteData, base: pa.Table, cand: pa.Table, **kw: object) -> Comparison:
    return compare_records(
        run_info(data, "base"), base, run_info(data, "cand"), cand, data.suite, resamples=300, **kw
    )


def _rows(c: Comparison) -> list[dict[str, object]]:
    return [r.model_dump() for r in c.results]


@pytest.mark.parametrize("kind", ["plain", "clustered"])
def test_a_run_compared_with_itself_has_zero_difference_and_p_one(
    kind: str, data: SuiteData, clustered: SuiteData
) -> None:
    d = data if kind == "plain" else clustered
    run = records(d, 0, error_rate=0.05)
    result = _compare(d, run, run)
    kinds = {r.metric for r in result.results}
    assert kinds == {*METRICS, "cost_per_example", "latency_p50", "latency_p95"}
    assert any(r.slice_attribute for r in result.results if r.metric == "label_f1")
    for row in result.results:
        assert row.difference.estimate == 0.0, row.label
        assert row.p_value == 1.0, row.label
        assert row.difference.low <= 0.0 <= row.difference.high
        assert row.baseline.estimate == row.candidate.estimate
    assert result.flips == []


@pytest.mark.parametrize("kind", ["plain", "clustered"])
def test_swapping_baseline_and_candidate_flips_every_difference(
    kind: str, data: SuiteData, clustered: SuiteData
) -> None:
    d = data if kind == "plain" else clustered
    a, b = records(d, 0, error_rate=0.03), records(d, 1, shift=0.3, label_accuracy=0.8)
    forward, backward = _compare(d, a, b), _compare(d, b, a)
    assert len(forward.results) == len(backward.results)
    for f, r in zip(forward.results, backward.results, strict=True):
        assert (f.metric, f.slice_attribute, f.slice_value) == (
            r.metric,
            r.slice_attribute,
            r.slice_value,
        )
        assert r.difference.estimate == pytest.approx(-f.difference.estimate, abs=1e-12)
        assert r.difference.low == pytest.approx(-f.difference.high, rel=1e-9, abs=1e-12)
        assert r.difference.high == pytest.approx(-f.difference.low, rel=1e-9, abs=1e-12)
        assert r.p_value == pytest.approx(f.p_value, rel=1e-9)
        assert (r.baseline.estimate, r.candidate.estimate) == (
            f.candidate.estimate,
            f.baseline.estimate,
        )
        assert r.n == f.n
    assert backward.coverage == forward.coverage
    assert backward.errors["baseline"] == forward.errors["candidate"]


def test_the_order_of_the_records_changes_nothing(clustered: SuiteData) -> None:
    a = records(clustered, 0, error_rate=0.05, samples=2)
    b = records(clustered, 1, shift=0.3, error_rate=0.05, samples=2)
    rng = np.random.default_rng(0)
    shuffled_a = a.take(pa.array(rng.permutation(a.num_rows)))
    shuffled_b = b.take(pa.array(rng.permutation(b.num_rows)))
    ordered, shuffled = _compare(clustered, a, b), _compare(clustered, shuffled_a, shuffled_b)
    assert _rows(shuffled) == _rows(ordered)
    assert shuffled.flips == ordered.flips
    assert shuffled.errors == ordered.errors


def test_repeated_samples_are_averaged_per_example_first(data: SuiteData) -> None:
    a = records(data, 0, samples=3)
    b = records(data, 1, samples=3, shift=0.3, accuracy=0.85)
    result = _compare(data, a, b)
    means = {
        name: t.select(["example_id", "accuracy"])
        .to_pandas()
        .groupby("example_id")["accuracy"]
        .mean()
        for name, t in (("a", a), ("b", b))
    }
    ref = paired_mean_difference(means["a"].to_numpy(), means["b"].to_numpy())
    row = result.result("accuracy")
    assert row.n == data.suite.n_examples
    assert row.test == "paired t"  # averages of 0/1 samples are no longer 0/1
    assert row.difference.estimate == pytest.approx(ref.difference.estimate, rel=1e-12)
    assert row.p_value == pytest.approx(ref.test.p_value, rel=1e-9)
    spread = average_samples(
        a.column("accuracy").to_numpy(), a.column("example_id").to_numpy(zero_copy_only=False)
    ).within_sd
    note = next(n for n in row.notes if n.startswith("repeated samples averaged"))
    assert "up to 3 per example" in note
    assert f"{spread:.3g} (baseline)" in note
    assert any("Repeated samples" in m for m in result.methods)


def test_errored_records_are_left_out_pairwise_and_counted(data: SuiteData) -> None:
    a = records(data, 0, error_rate=0.1)
    b = records(data, 1, error_rate=0.2, shift=0.2)
    result = _compare(data, a, b)
    failed = {
        name: set(
            np.asarray(t.column("example_id").to_pylist())[
                t.column("error").is_valid().to_numpy(zero_copy_only=False)
            ]
        )
        for name, t in (("baseline", a), ("candidate", b))
    }
    either = failed["baseline"] | failed["candidate"]
    for metric in METRICS:
        assert result.result(metric).n == data.suite.n_examples - len(either)
    for name, t in (("baseline", a), ("candidate", b)):
        errors = result.errors[name]
        assert errors.records == t.num_rows
        assert errors.errors == len(failed[name])
        assert errors.missing_scores == {m: len(failed[name]) for m in METRICS}
    # latency and cost of failed calls are real: they stay in
    assert result.result("cost_per_example").n == data.suite.n_examples
    frame = pd.DataFrame({"a": a.column("score").to_numpy(), "b": b.column("score").to_numpy()})
    assert result.result("score").n == int(frame.notna().all(axis=1).sum())
