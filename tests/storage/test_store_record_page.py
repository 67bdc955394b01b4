"""Paging through a run's records with filters, in Arrow, against a plain Python filter."""

from __future__ import annotations

from typing import Any

import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from assay.errors import DataError, ParameterError
from assay.storage import MetricFilter, RecordFilter, Store, page_records
from assay.testing import store_runs


def _table() -> pa.Table:
    languages = ["de", "en", "fr"]
    return pa.table(
        {
            "example_id": [f"ex-{i:03d}" for i in range(30)],
            "language": pa.array([languages[i % 3] for i in range(30)]).dictionary_encode(),
            "input": [f"Question {i} about <script>" if i % 7 == 0 else f"q{i}" for i in range(30)],
            "output": [None if i % 5 == 0 else f"Answer {i}" for i in range(30)],
            "correct": [float(i % 2) for i in range(30)],
            "error": ["timeout" if i % 10 == 3 else None for i in range(30)],
        }
    )


def _expected(table: pa.Table, where: RecordFilter) -> list[str]:
    kept = []
    for row in table.to_pylist():
        if any(row[k] != v for k, v in where.slices.items()):
            continue
        if where.error is not None and (row["error"] is not None) != where.error:
            continue
        if where.score is not None and not (row["correct"] < where.score.value):
            continue
        if where.text and not any(
            where.text.lower() in (row[c] or "").lower() for c in ("input", "output")
        ):
            continue
        kept.append(row["example_id"])
    return kept


@settings(max_examples=60, deadline=None)
@given(
    language=st.sampled_from([None, "de", "en", "xx"]),
    error=st.sampled_from([None, True, False]),
    low_score=st.booleans(),
    text=st.sampled_from([None, "SCRIPT", "answer 1", "zzz"]),
    offset=st.integers(0, 35),
    limit=st.integers(1, 12),
)
def test_a_page_is_the_slice_of_what_a_plain_filter_keeps(
    language: str | None,
    error: bool | None,
    low_score: bool,
    text: str | None,
    offset: int,
    limit: int,
) -> None:
    table = _table()
    where = RecordFilter(
        slices={} if language is None else {"language": language},
        error=error,
        score=MetricFilter("correct", "<", 0.5) if low_score else None,
        text=text,
    )
    page = page_records(table, where, offset=offset, limit=limit)
    expected = _expected(table, where)
    assert page.total == len(expected)
    assert [r["example_id"] for r in page.rows] == expected[offset : offset + limit]
    for row in page.rows:  # slice values come back as plain text
        assert isinstance(row["language"], str)


def test_unknown_columns_and_bad_bounds_are_refused() -> None:
    table = _table()
    with pytest.raises(DataError, match="no slice 'region'"):
        page_records(table, RecordFilter(slices={"region": "eu"}))
    with pytest.raises(DataError, match="no metric 'bleu'"):
        page_records(table, RecordFilter(score=MetricFilter("bleu", ">", 0)))
    with pytest.raises(ParameterError):
        page_records(table, limit=0)
    with pytest.raises(ParameterError):
        page_records(table, limit=10_000)
    with pytest.raises(ParameterError):
        page_records(table, offset=-1)


def test_the_store_pages_a_stored_run(store: Store) -> None:
    run_id = store_runs(store, 1)[0]
    records = store.runs.records(run_id)
    page = store.runs.page(run_id, RecordFilter(error=False), offset=2, limit=5)
    everything: list[dict[str, Any]] = records.to_pylist()
    assert page.total == sum(1 for r in everything if r["error"] is None)
    assert [r["example_id"] for r in page.rows] == [
        r["example_id"] for r in everything if r["error"] is None
    ][2:7]
