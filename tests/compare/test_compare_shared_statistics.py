"""Metrics with the same statistics share their product of resample counts (a private helper's
own test): the sharing changes no number."""

from __future__ import annotations

import numpy as np
import pytest

import assay.compare._categories as categories
from assay.compare import compare_records
from assay.compare._sums_inputs import ExampleStatistics
from assay.core import Comparison
from assay.data import SuiteData
from assay.testing import comparison_suite as suite
from assay.testing import paired_records as records
from assay.testing import run_info

AGGREGATES = {"label_f1": "macro_f1", "label_mcc": "mcc"}


@pytest.fixture(scope="module")
def data() -> SuiteData:
    return suite(500, metrics=("accuracy", "label_f1", "label_mcc"), aggregates=AGGREGATES, seed=6)


def _compare(data: SuiteData, **kw: object) -> Comparison:
    base = records(data, 0, error_rate=0.03)
    cand = records(data, 1, shift=0.2, label_accuracy=0.8)
    return compare_records(
        run_info(data, "base"), base, run_info(data, "cand"), cand, data.suite, resamples=300, **kw
    )


def _every_column(counts: np.ndarray, tables: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    table = np.hstack(tables)
    return table, np.arange(table.shape[1])


@pytest.mark.parametrize("kind", ["multinomial", "poisson"])
def test_metrics_sharing_one_product_get_the_results_of_their_own_products(
    data: SuiteData, kind: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    shared = _compare(data, rng=2, resampling=kind)
    monkeypatch.setattr(categories, "_distinct_columns", _every_column)
    own = _compare(data, rng=2, resampling=kind)
    dump = {"exclude": {"created_at"}}
    assert shared.model_dump_json(**dump) == own.model_dump_json(**dump)  # type: ignore[arg-type]
    f1 = [r for r in shared.results if r.metric == "label_f1"]
    assert len(f1) == 1 + 3 + 2  # all examples, three languages, two tiers
    assert all("category fast path" in " ".join(r.notes) for r in f1)


def test_shared_columns_are_the_distinct_tables_of_whole_numbers() -> None:
    rng = np.random.default_rng(0)
    a = rng.integers(0, 3, (7, 4)).astype(np.float64)
    b = rng.integers(0, 3, (7, 2)).astype(np.float64)
    counts = rng.integers(0, 50, (10, 7)).astype(np.float64)
    columns, column_of = categories._distinct_columns(counts, [a, b, a, b])
    assert columns.shape == (7, 6)
    assert np.array_equal(columns[:, column_of], np.hstack([a, b, a, b]))
    # sums that are not whole numbers are computed as before: every column, in one product
    half = [a / 3.0, b, a / 3.0, b]
    columns, column_of = categories._distinct_columns(counts, half)
    assert np.array_equal(columns, np.hstack(half))
    assert np.array_equal(column_of, np.arange(12))


def test_example_statistics_read_through_their_rows() -> None:
    rows = np.array([[1, 0], [0, 1], [0, 0]], dtype=np.uint8)
    index = np.array([2, 0, 0, 1])
    held = ExampleStatistics(rows, index)
    assert np.array_equal(held.full, rows[index])
    assert np.array_equal(held.take(np.array([3, 0])), [[0, 1], [0, 0]])
    plain = ExampleStatistics(rows[index])
    assert np.array_equal(plain.take(np.array([1])), [[1, 0]])
    assert plain.full is plain.rows
