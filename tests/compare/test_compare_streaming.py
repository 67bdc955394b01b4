"""compare_record_streams: equal to the in-memory comparison, whatever the chunks; refusals."""

from __future__ import annotations

from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from assay.compare import compare_record_streams, compare_records
from assay.core import Comparison
from assay.data import SuiteData
from assay.errors import ConfigError, DataError, ParameterError
from assay.testing import comparison_suite, paired_records, run_info

AGGREGATES = {"label_f1": "macro_f1", "label_mcc": "mcc"}
METRICS = ("accuracy", "score", "label_f1", "label_mcc")


@pytest.fixture(scope="module")
def data() -> SuiteData:
    return comparison_suite(600, metrics=METRICS, aggregates=AGGREGATES, seed=5)


@pytest.fixture(scope="module")
def runs(data: SuiteData) -> tuple[pa.Table, pa.Table]:
    base = paired_records(data, 0, error_rate=0.03)
    cand = paired_records(data, 1, shift=0.3, label_accuracy=0.8)
    return base, cand


def _batches(table: pa.Table, size: int) -> list[pa.Table]:
    return [table.slice(i, size) for i in range(0, table.num_rows, size)] or [table]


def _stream(data: SuiteData, base: pa.Table, cand: pa.Table, **kw: Any) -> Comparison:
    sizes = kw.pop("batches", (97, 130))
    kw.setdefault("resamples", 300)
    return compare_record_streams(
        run_info(data, "base"),
        _batches(base, sizes[0]),
        run_info(data, "cand"),
        _batches(cand, sizes[1]),
        data.suite,
        **kw,
    )


def _memory(data: SuiteData, base: pa.Table, cand: pa.Table, **kw: Any) -> Comparison:
    kw.setdefault("resamples", 300)
    return compare_records(
        run_info(data, "base"), base, run_info(data, "cand"), cand, data.suite, **kw
    )


def _rows(c: Comparison) -> dict[tuple[Any, ...], dict[str, Any]]:
    return {(r.metric, r.slice_attribute, r.slice_value): r.model_dump() for r in c.results}


def _same(memory: Comparison, streamed: Comparison) -> None:
    """Every row the stream reports equals the in-memory row (latency quantiles aside):
    counts exactly, sums of continuous scores to rounding."""
    mine, theirs = _rows(streamed), _rows(memory)
    assert set(theirs) - set(mine) == {("latency_p50", None, None), ("latency_p95", None, None)}
    _close(mine, theirs)
    assert streamed.flip_counts == memory.flip_counts
    assert streamed.flips == memory.flips
    assert streamed.errors == memory.errors
    assert streamed.coverage == memory.coverage


def _close(
    mine: dict[tuple[Any, ...], dict[str, Any]], theirs: dict[tuple[Any, ...], dict[str, Any]]
) -> None:
    assert set(mine) <= set(theirs)
    for key, row in mine.items():
        other = theirs[key]
        for part in ("baseline", "candidate", "difference"):
            for field in ("estimate", "low", "high"):
                assert row[part][field] == pytest.approx(other[part][field], rel=1e-12, abs=1e-15)
            assert row[part]["method"] == other[part]["method"]
        assert row["p_value"] == pytest.approx(other["p_value"], rel=1e-12, abs=1e-15)
        assert (row["n"], row["test"], row["resamples"]) == (
            other["n"],
            other["test"],
            other["resamples"],
        )
        if row["test"] != "paired t":  # from counts: exact
            assert row == other


def test_equals_the_in_memory_comparison_with_poisson_weights(data, runs) -> None:
    base, cand = runs
    memory = _memory(data, base, cand, resampling="poisson")
    streamed = _stream(data, base, cand, chunk_rows=150)
    _same(memory, streamed)
    # functions of sums are drawn from the very same counts: bit-identical intervals
    for key, row in _rows(streamed).items():
        if key[0] in AGGREGATES:
            assert row["difference"] == _rows(memory)[key]["difference"]
    assert streamed.methods[0].startswith("Streaming:")
    assert any("Poisson bootstrap" in m for m in streamed.methods)
    assert any("latency_p50, latency_p95: exact quantiles" in m for m in streamed.methods)


def test_mean_metrics_equal_the_default_in_memory_comparison(data, runs) -> None:
    base, cand = runs
    memory, streamed = _memory(data, base, cand), _stream(data, base, cand, chunk_rows=64)
    mine, theirs = _rows(streamed), _rows(memory)
    for key, row in mine.items():
        if key[0] not in AGGREGATES:
            assert row["difference"]["low"] == pytest.approx(theirs[key]["difference"]["low"])
    # the 0/1 metric's counts are exact: McNemar's test on the same table
    overall = theirs[("accuracy", None, None)]
    assert mine[("accuracy", None, None)]["p_value"] == overall["p_value"]


def test_runs_with_different_examples_repeats_and_unaligned_batches() -> None:
    data = comparison_suite(300, metrics=("accuracy", "score"), seed=9)
    base = paired_records(data, 0, samples=3, error_rate=0.05)
    cand = paired_records(data, 1, samples=2, shift=0.2)
    # each run lacks a different third of the examples
    ids_b, ids_c = base.column("example_id"), cand.column("example_id")
    base = base.filter(pc.less(ids_b, "ex-000200"))
    cand = cand.filter(pc.greater_equal(ids_c, "ex-000100"))
    memory = _memory(data, base, cand, shared_only=True)
    for chunk, sizes in ((7, (5, 11)), (1000, (1000, 3)), (1, (1, 1))):
        streamed = _stream(data, base, cand, shared_only=True, chunk_rows=chunk, batches=sizes)
        _same(memory, streamed)
    assert memory.coverage.shared == 100
    assert any("repeated samples" in note for r in memory.results for note in r.notes)


@settings(max_examples=10, deadline=None)
@given(
    chunk=st.integers(1, 700),
    size_b=st.integers(1, 700),
    size_c=st.integers(1, 700),
)
def test_results_do_not_depend_on_the_chunks(data, runs, chunk, size_b, size_c) -> None:
    base, cand = runs
    reference = _stream(data, base, cand, chunk_rows=600, batches=(600, 600), resamples=100)
    streamed = _stream(data, base, cand, chunk_rows=chunk, batches=(size_b, size_c), resamples=100)
    _close(_rows(streamed), _rows(reference))
    assert streamed.flips == reference.flips
    assert streamed.methods[1:] == reference.methods[1:]


def test_unsorted_records_are_refused_or_sorted_on_request(data, runs) -> None:
    base, cand = runs
    shuffled = base.take(pa.array(np.random.default_rng(3).permutation(base.num_rows)))
    with pytest.raises(DataError, match="baseline records are not sorted by example_id"):
        _stream(data, shuffled, cand, chunk_rows=100)
    sorted_ = _stream(data, shuffled, cand, chunk_rows=100, sort=True)
    plain = _stream(data, base, cand, chunk_rows=100)
    _close(_rows(sorted_), _rows(plain))


def test_metrics_that_cannot_stream_are_refused_by_name() -> None:
    auc = comparison_suite(50, metrics=("label_auc",), aggregates={"label_auc": "roc_auc"})
    records = paired_records(auc, 0)
    with pytest.raises(
        ConfigError, match=r"'label_auc' \(roc_auc\) cannot be compared by streaming"
    ):
        _stream(auc, records, records)
    clustered = comparison_suite(60, cluster_size=3)
    records = paired_records(clustered, 0)
    with pytest.raises(ConfigError, match="clusters: a streaming comparison"):
        _stream(clustered, records, paired_records(clustered, 1))


def test_repeated_samples_of_label_metrics_are_refused() -> None:
    data = comparison_suite(40, metrics=("label_f1",), aggregates={"label_f1": "macro_f1"})
    base, cand = paired_records(data, 0, samples=2), paired_records(data, 1, samples=2)
    with pytest.raises(ConfigError, match="repeated samples"):
        _stream(data, base, cand)


def test_no_shared_example_and_bad_arguments(data, runs) -> None:
    base, cand = runs
    with pytest.raises(DataError, match="share no example"):
        _stream(data, base.slice(0, 10), cand.slice(20, 10), shared_only=True)
    with pytest.raises(ParameterError, match="'chunk_rows' parameter of compare_record_streams"):
        _stream(data, base, cand, chunk_rows=0)
    with pytest.raises(ParameterError, match="'sort' parameter"):
        _stream(data, base, cand, sort="yes")


def test_many_slice_attributes_and_values_met_late() -> None:
    """31 slice attributes leave 2 bits per attribute in a packed cell key: a third value first
    met in a later chunk switches the stream to keying cells by their bytes, mid-stream."""
    slices = {f"a{i:02d}": ("x", "y") for i in range(31)}
    data = comparison_suite(240, metrics=("accuracy", "score"), slices=slices, seed=2)
    base, cand = paired_records(data, 0), paired_records(data, 1, shift=0.2)
    assert "a00" in base.column_names
    late = pc.greater_equal(base.column("example_id"), "ex-000200")
    base = base.set_column(
        base.column_names.index("a00"), "a00", pc.if_else(late, "z", base.column("a00"))
    )
    memory = _memory(data, base, cand, min_slice_size=0)
    streamed = _stream(data, base, cand, chunk_rows=50, min_slice_size=0)
    _same(memory, streamed)
    assert ("accuracy", "a00", "z") in _rows(streamed)
