"""Unit ids of unit-level rows: a unit counted twice is refused, naming its first two rows,
whatever the ids' type and however the rows fall into batches (text ids are compared by
pyarrow); and a readout's sample-ratio check is SciPy's chi-square tail without importing
scipy.stats."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from scipy import stats

from assay.errors import DataError
from assay.online import aggregate_units
from assay.online._aggregate import BATCH_ROWS
from assay.stats import sample_ratio_test

N = 2 * BATCH_ROWS + 5_000  # three batches


def _rows(ids: pa.Array) -> pa.Table:
    n = len(ids)
    rng = np.random.default_rng(5)
    return pa.table(
        {"unit": ids, "arm": rng.choice(["a", "b"], n), "y": rng.random(n)},
    )


def _first_repeat(values: list[Any]) -> list[int]:
    """The rows of the first value to appear twice, by brute force."""
    for row, value in enumerate(values):
        if value in values[:row]:
            return [values.index(value), row]
    raise AssertionError("no repeat")


def _text_ids(kind: str, repeat: tuple[int, int] | None) -> pa.Array:
    names = [f"user-{i:07d}" for i in range(N)]
    if repeat is not None:
        names[repeat[1]] = names[repeat[0]]
    if kind == "dictionary":
        return pa.array(names).dictionary_encode()
    return pa.array(names, pa.large_string() if kind == "large" else pa.string())


@pytest.mark.parametrize("kind", ["string", "large", "dictionary"])
@pytest.mark.parametrize("repeat", [(3, 10), (17, BATCH_ROWS + 2), (BATCH_ROWS + 1, N - 1)])
def test_a_text_unit_counted_twice_is_named_with_its_two_rows(
    kind: str, repeat: tuple[int, int]
) -> None:
    table = _rows(_text_ids(kind, repeat))
    with pytest.raises(DataError, match=rf"unit 'user-{repeat[0]:07d}' appears in rows") as err:
        aggregate_units(table, ["y"])
    assert f"rows {repeat[0]} and {repeat[1]}" in str(err.value)
    assert err.value.row == repeat[1] and err.value.column == "unit"


def test_the_rows_named_are_the_first_repeat_in_row_order() -> None:
    # two values repeat; the one whose second appearance comes first is named
    ids = ["u0", "u1", "u2", "u3", "u1", "u0", "u2"]
    table = _rows(pa.array(ids))
    assert _first_repeat(ids) == [1, 4]
    with pytest.raises(DataError, match=r"unit 'u1' appears in rows 1 and 4"):
        aggregate_units(table, ["y"])


@pytest.mark.parametrize("kind", ["string", "dictionary"])
def test_distinct_text_units_pass_and_sum_as_numbers_would(kind: str) -> None:
    text = aggregate_units(_rows(_text_ids(kind, None)), ["y"])
    numbers = aggregate_units(_rows(pa.array(np.arange(N))), ["y"])
    assert text.sums.equals(numbers.sums) and text.counts == numbers.counts


@pytest.mark.parametrize(
    ("ids", "rows"),
    [
        (pa.array(np.r_[np.arange(N - 1), 7]), [7, N - 1]),
        (pa.array(np.r_[np.arange(N - 1) + 0.5, 7.5]), [7, N - 1]),
        (pa.array(np.r_[np.arange(N - 1), 40].astype("datetime64[s]")), [40, N - 1]),
    ],
    ids=["integers", "floats", "timestamps"],
)
def test_other_unit_ids_counted_twice_are_named_too(ids: pa.Array, rows: list[int]) -> None:
    with pytest.raises(DataError, match=rf"appears in rows {rows[0]} and {rows[1]}"):
        aggregate_units(_rows(ids), ["y"])


def test_a_readout_of_a_file_imports_no_scipy_stats(tmp_path: Path) -> None:
    path = tmp_path / "users.parquet"
    pq.write_table(_rows(_text_ids("string", None)), path)
    code = f"""
import sys
from assay.online import readout
result = readout({str(path)!r}, control="a", metrics=["y"])
print(result.srm.p_value, result.srm.statistic, result.srm.df)
print("scipy.stats" in sys.modules)
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    first, second = out.stdout.splitlines()
    p_value, statistic, df = first.split()
    assert second == "False"
    # the sample-ratio p-value is scipy.stats' own chi-square tail, to the bit
    assert float(p_value) == float(stats.chi2.sf(float(statistic), int(df)))


@pytest.mark.parametrize("counts", [[100, 100], [5100, 4900], [10_000, 10_600], [3, 0, 9], [1, 0]])
def test_the_sample_ratio_p_value_is_scipy_s_chi_square_tail(counts: list[int]) -> None:
    got = sample_ratio_test(counts)
    assert got.p_value == float(stats.chi2.sf(got.statistic, len(counts) - 1))
    reference = stats.chisquare(counts)
    assert got.p_value == pytest.approx(float(reference.pvalue), rel=1e-12)


def test_a_nan_unit_id_is_a_missing_one_named_by_its_row() -> None:
    # NaN names no unit: refused like a null, where it first appears (not a crash)
    ids = pa.array(np.r_[np.arange(BATCH_ROWS + 3) + 0.5, np.nan, 7.5, np.nan])
    with pytest.raises(DataError, match="missing unit id") as err:
        aggregate_units(_rows(ids), ["y"])
    assert err.value.row == BATCH_ROWS + 3 and err.value.column == "unit"


@pytest.mark.parametrize(("ids", "shown"), [([5, 6, 5], "5"), ([1.5, 2.5, 1.5], "1.5")])
def test_a_numeric_unit_is_named_as_written(ids: list[float], shown: str) -> None:
    with pytest.raises(DataError, match=rf"^row 2, column 'unit': unit {shown} appears in rows 0"):
        aggregate_units(_rows(pa.array(ids)), ["y"])
