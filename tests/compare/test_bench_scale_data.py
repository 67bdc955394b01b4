"""The records ``benchmarks/bench_scale.py`` writes: text columns built from digit bytes read
as Python formats them, labels and errors where the shared draws put them, one seed one block."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).parents[2] / "benchmarks"))
from _scale_data import _block, write_runs
from bench_compare import LABELS, make_suite

from assay.data import record_schema

SCHEMA = record_schema(make_suite(100_000_000))


@pytest.mark.parametrize("start", [0, 9_999_000, 99_998_500])
def test_text_columns_read_as_python_formats_them(start: int) -> None:
    """Ids zero-padded to 10 digits, question text without leading zeros, across the 7-to-8
    digit boundary and up to the last example of a 100,000,000-record run."""
    size = 1_500
    table = _block(SCHEMA, start, size, 1, 0.0)
    numbers = range(start, start + size)
    assert table["example_id"].to_pylist() == [f"ex-{i:010d}" for i in numbers]
    assert table["input"].to_pylist() == [f"question {i}" for i in numbers]


def test_labels_and_errors_follow_the_draws() -> None:
    size = 5_000
    table = _block(SCHEMA, 2_000_000, size, 2, 0.02)
    shared = np.random.default_rng([0, 2_000_000])
    shared.normal(size=size)
    truth = shared.integers(0, len(LABELS), size)
    assert table["reference"].to_pylist() == [f'"{LABELS[t]}"' for t in truth]
    assert set(table["output"].to_pylist()) == set(LABELS)
    errors = table["error"].to_pylist()
    assert set(errors) == {None, "TimeoutError"}
    assert [e is not None for e in errors] == table["pass_0"].is_null().to_pylist()
    assert table.equals(_block(SCHEMA, 2_000_000, size, 2, 0.02))
    assert not table.equals(_block(SCHEMA, 2_000_000, size, 1, 0.02))


def test_more_examples_than_ids_can_number_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="at most 10,000,000,000 examples"):
        write_runs(10**10 + 1, tmp_path)
    assert list(tmp_path.iterdir()) == []
