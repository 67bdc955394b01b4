"""Metrics with the same statistics share their product of resample counts (a private helper's
own test): the sharing changes no number."""

from __future__ import annotations

from itertools import pairwise
from typing import Any

import numpy as np
import pytest

import assay.compare._categories as categories
from assay.compare import compare_records
from assay.compare._categories import Categories
from assay.compare._sums_inputs import ExampleStatistics
from assay.core import Comparison
from assay.data import SuiteData
from assay.metrics import get_metric
from assay.metrics._classification import confusion_statistics
from assay.stats import Replicates, bootstrap_weights, paired_from_replicates
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


def _group_by_group(
    metrics: list[tuple[str, Any]], cats: Categories, family_size: int, weights: Any
) -> dict[str, list[Any]]:
    """The category bootstrap as defined: per group, one product of its counts and every
    metric's statistics, each metric evaluated on its own columns of that product."""
    counts = weights.category_counts(cats.sizes, stream=0).astype(np.float64)
    bounds = np.searchsorted(cats.groups, np.arange(family_size + 1)).tolist()
    table = np.hstack(cats.tables)
    offsets = np.cumsum([0] + [t.shape[1] for t in cats.tables]).tolist()
    note = (f"category fast path ({cats.sizes.size} categories)",)
    out: dict[str, list[Any]] = {name: [] for name, _ in metrics}
    for lo, hi in pairwise(bounds):
        sums = counts[:, lo:hi] @ table[lo:hi]
        for i, (name, value) in enumerate(metrics):
            keep = lo + np.flatnonzero(cats.valids[i][lo:hi])
            size = cats.sizes[keep].astype(np.float64)
            reps = []
            for a, b in pairwise(offsets[2 * i : 2 * i + 3]):
                rows = table[keep, a:b]
                total = size @ rows
                with np.errstate(divide="ignore", invalid="ignore"):
                    est = float(value(total[None, :])[0])
                    reps.append(Replicates(est, value(sums[:, a:b]), value(total - rows), size))
            n = int(size.sum())
            out[name].append(
                paired_from_replicates(*reps, n=n, weights=weights, notes=note) if n else None
            )
    return out


def _first_cells(sums: np.ndarray) -> np.ndarray:
    return sums[:, 0] - sums[:, 1]


@pytest.mark.parametrize("batch_bytes", [categories.SUMS_BYTES, 1])  # one batch; a group each
@pytest.mark.parametrize("kind", ["multinomial", "poisson"])
def test_category_results_equal_the_group_by_group_definition(
    kind: str, batch_bytes: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(categories, "SUMS_BYTES", batch_bytes)
    # nine labels: macro-F1 averages more per-label scores than numpy sums one by one, so the
    # order of that sum (the layout of the resampled sums) shows in the last bits
    rng = np.random.default_rng(5)
    labels = list(range(9))
    metrics = [(m, get_metric(m, labels=labels).value) for m in ("macro_f1", "mcc", "micro_f1")]
    metrics.append(("rows", _first_cells))  # a value written for (rows, k) only
    n_cat, family_size = 120, 4
    truth = rng.integers(0, 9, n_cat)
    runs = [np.where(rng.random(n_cat) < p, truth, rng.integers(0, 9, n_cat)) for p in (0.6, 0.8)]
    stats = [confusion_statistics(truth, r, labels) for r in runs]
    valids = [rng.random(n_cat) < 0.9 for _ in metrics]
    tables = [np.where(v[:, None], s, 0.0) for v in valids for s in stats]
    groups = np.sort(rng.integers(0, family_size - 1, n_cat))  # the last group has none
    cats = Categories(rng.integers(1, 30, n_cat), groups, tables, valids)
    weights = bootstrap_weights(int(cats.sizes.sum()), 300, rng=3, kind=kind)  # type: ignore[arg-type]
    got = categories.category_results(metrics, cats, family_size, 0, weights, 0.95)
    want = _group_by_group(metrics, cats, family_size, weights)
    assert repr(got) == repr(want)
    assert got["macro_f1"][-1] is None and got["macro_f1"][0] is not None
