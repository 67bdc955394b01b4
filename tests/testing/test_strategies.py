"""The hypothesis strategies draw valid scores, suites and records tables."""

from __future__ import annotations

import math

import pyarrow as pa
from hypothesis import given, settings

from assay.data import Location, SuiteData, validate_records
from assay.testing import strategies


@settings(max_examples=30, deadline=None)
@given(strategies.paired_scores("continuous", max_size=40))
def test_paired_scores_have_equal_lengths_and_finite_values(
    pair: tuple[list[float], list[float]],
) -> None:
    baseline, candidate = pair
    assert len(baseline) == len(candidate) >= 2
    assert all(math.isfinite(v) and 0.0 <= v <= 1.0 for v in baseline + candidate)


@settings(max_examples=30, deadline=None)
@given(strategies.scores("binary", max_size=40))
def test_binary_scores_are_zero_or_one(values: list[float]) -> None:
    assert set(values) <= {0.0, 1.0}


@settings(max_examples=20, deadline=None)
@given(strategies.suites_with_records(max_examples=20, metrics=("accuracy", "f1")))
def test_drawn_records_validate_against_their_suite(drawn: tuple[SuiteData, pa.Table]) -> None:
    data, records = drawn
    checked = validate_records(records, data, location=Location("<drawn>", "parquet"))
    assert checked.num_rows == data.suite.n_examples
    failed = records.column("error").null_count != records.num_rows
    assert not failed or records.column("accuracy").null_count >= 1
