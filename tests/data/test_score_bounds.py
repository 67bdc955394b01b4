"""Scores past the bound are refused wherever they are: in any chunk of a column, beside NaN
(a judge's missing score), with or without nulls; the row named is the first such score."""

from __future__ import annotations

import math

import numpy as np
import pyarrow as pa
import pytest

from assay.data import Location, make_suite, validate_records
from assay.errors import DataError

MAX = 1e150


def _first_too_large(chunks: list[list[float | None]]) -> int | None:
    """The reference: the first value (nulls and NaN aside) past the bound, in plain Python."""
    values = [v for chunk in chunks for v in chunk]
    for row, v in enumerate(values):
        if v is not None and not math.isnan(v) and abs(v) > MAX:
            return row
    return None


CASES = {
    "in range": [[0.5, 0.25], [1.0, 0.0]],
    "infinite in a later chunk": [[0.5, 0.25], [0.1, math.inf]],
    "minus infinity": [[-math.inf, 0.2], [0.3, 0.4]],
    "past the bound beside NaN": [[math.nan, 0.2], [2e150, math.nan]],
    "only NaN and in range": [[math.nan, math.nan], [0.3, 0.4]],
    "negative past the bound": [[0.1, -3e150], [0.3, 0.4]],
    "with a null": [[None, 0.2], [0.3, -math.inf]],
    "with a null, in range": [[None, 0.2], [0.3, 0.4]],
}


@pytest.mark.parametrize("name", CASES)
def test_the_first_score_past_the_bound_is_named(name: str) -> None:
    chunks = CASES[name]
    n = sum(len(c) for c in chunks)
    ids = [f"ex-{i}" for i in range(n)]
    data = make_suite("bounds", pa.table({"example_id": ids}), metrics=["judged"])
    errors = ["judge failed" if v is None or (v == v) is False else None for c in chunks for v in c]
    table = pa.table(
        {
            "example_id": ids,
            "judged": pa.chunked_array([pa.array(c, pa.float64()) for c in chunks]),
            "error": pa.array(errors, pa.string()),
        }
    )
    expected = _first_too_large(chunks)
    where = Location("scores.parquet", "parquet")
    if expected is None:
        records = validate_records(table, data, location=where)
        stored = np.asarray(records.column("judged").to_pylist(), dtype=float)
        given = np.asarray([np.nan if v is None else v for c in chunks for v in c])
        assert np.array_equal(np.isnan(stored), np.isnan(given))
        return
    with pytest.raises(DataError, match="infinite or too large") as err:
        validate_records(table, data, location=where)
    assert err.value.row == expected
