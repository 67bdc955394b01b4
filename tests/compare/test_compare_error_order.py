"""A comparison reports the means' errors first, and a function of sums with no usable record
as not compared, like any metric without data."""

from __future__ import annotations

import warnings

import pyarrow as pa
import pytest

from assay.compare import compare_records
from assay.data import SuiteData
from assay.errors import DataError
from assay.testing import comparison_suite as suite
from assay.testing import paired_records as records
from assay.testing import run_info

AGGREGATES = {"label_f1": "macro_f1", "label_mcc": "mcc"}


@pytest.fixture(scope="module")
def data() -> SuiteData:
    return suite(40, metrics=("accuracy", "label_f1", "label_mcc"), aggregates=AGGREGATES, seed=4)


def _outputs(table: pa.Table, values: list[str | None]) -> pa.Table:
    i = table.column_names.index("output")
    return table.set_column(i, "output", pa.array(values, pa.string()))


def _compare(data: SuiteData, base: pa.Table, cand: pa.Table) -> object:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return compare_records(
            run_info(data, "b"), base, run_info(data, "c"), cand, data.suite, resamples=50
        )


@pytest.mark.parametrize("outputs", ["none", "unorderable"])
def test_a_missing_score_column_is_reported_before_the_labels_are_read(
    data: SuiteData, outputs: str
) -> None:
    base, cand = records(data, 0), records(data, 1)
    n = base.num_rows
    # every output missing, or labels of two types that cannot be ordered together
    values = [None] * n if outputs == "none" else ["1"] + ["cat"] * (n - 1)
    base, cand = (_outputs(t.drop_columns(["accuracy"]), values) for t in (base, cand))
    with pytest.raises(DataError, match="the baseline records have no 'accuracy' column"):
        _compare(data, base, cand)


@pytest.mark.parametrize("errored", [False, True])
def test_functions_of_sums_without_a_usable_record_are_not_compared(
    data: SuiteData, errored: bool
) -> None:
    base, cand = records(data, 0), records(data, 1)
    n = base.num_rows
    if errored:  # every record errored: no score and no label is used
        i = base.column_names.index("error")
        base = base.set_column(i, "error", pa.array(["timeout"] * n, pa.string()))
    else:  # no output: no label, while accuracy is scored
        base = _outputs(base, [None] * n)
    result = _compare(data, base, cand)
    compared = {r.metric for r in result.results}  # type: ignore[attr-defined]
    assert "label_f1" not in compared and "label_mcc" not in compared
    assert ("accuracy" in compared) is not errored
    methods = result.methods  # type: ignore[attr-defined]
    assert "Not compared (no example scored in both runs)" in str(methods)
    assert "label_f1" in str(methods) and "label_mcc" in str(methods)
