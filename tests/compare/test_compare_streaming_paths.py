"""compare_record_streams: its faster paths agree with the general ones, and it stays light."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from assay.compare import _stream_cells, compare_record_streams
from assay.core import Comparison
from assay.data import SuiteData
from assay.errors import DataError
from assay.testing import comparison_suite, paired_records, run_info

AGGREGATES = {"label_f1": "macro_f1", "label_mcc": "mcc"}
METRICS = ("accuracy", "score", "label_f1", "label_mcc")


@pytest.fixture(scope="module")
def data() -> SuiteData:
    return comparison_suite(500, metrics=METRICS, aggregates=AGGREGATES, seed=9)


@pytest.fixture(scope="module")
def runs(data: SuiteData) -> tuple[pa.Table, pa.Table]:
    base = paired_records(data, 0, error_rate=0.03)
    cand = paired_records(data, 1, shift=0.3, label_accuracy=0.8)
    return base, cand


def _batches(table: pa.Table, size: int) -> list[pa.Table]:
    return [table.slice(i, size) for i in range(0, table.num_rows, size)]


def _stream(data: SuiteData, base: pa.Table, cand: pa.Table, **kw: Any) -> Comparison:
    return compare_record_streams(
        run_info(data, "base"),
        _batches(base, 70),
        run_info(data, "cand"),
        _batches(cand, 110),
        data.suite,
        resamples=200,
        **kw,
    )


def test_cells_looked_up_in_a_table_equal_cells_found_by_sorted_keys(
    data: SuiteData, runs: tuple[pa.Table, pa.Table], monkeypatch: pytest.MonkeyPatch
) -> None:
    looked_up = _stream(data, *runs, chunk_rows=90)
    monkeypatch.setattr(_stream_cells, "_LOOKUP_CELLS", 0)  # every chunk by sorted keys
    searched = _stream(data, *runs, chunk_rows=90)
    assert looked_up.results == searched.results
    assert looked_up.flips == searched.flips
    assert looked_up.flip_counts == searched.flip_counts


@pytest.mark.parametrize(("swap", "row"), [(69, 70), (40, 41)], ids=["between", "within"])
def test_unsorted_ids_are_named_between_and_within_batches(
    data: SuiteData, runs: tuple[pa.Table, pa.Table], swap: int, row: int
) -> None:
    base, cand = runs
    order = list(range(base.num_rows))
    order[swap], order[swap + 1] = order[swap + 1], order[swap]
    ids = base.column("example_id").to_pylist()
    shuffled = base.take(pa.array(order))
    with pytest.raises(DataError, match="baseline records are not sorted") as caught:
        _stream(data, shuffled, cand)
    error = caught.value
    assert (error.row, error.column) == (row, "example_id")
    assert error.expected == f"an id at or after {ids[swap + 1]!r}"
    assert error.found == repr(ids[swap])


def test_a_streaming_comparison_imports_no_pandas(
    data: SuiteData, runs: tuple[pa.Table, pa.Table], tmp_path: Path
) -> None:
    # pa.array and pa.scalar of Python values import pandas on first use (about half a
    # second of every comparison); the stream reads and compares without them
    for name, table in zip(("base", "cand"), runs, strict=True):
        pq.write_table(table, tmp_path / f"{name}.parquet", row_group_size=120)
        (tmp_path / f"{name}.json").write_text(run_info(data, name).model_dump_json())
    (tmp_path / "suite.json").write_text(data.suite.model_dump_json())
    code = f"""
import sys
from pathlib import Path
import pyarrow.parquet as pq
from assay.compare import compare_record_streams
from assay.core import RunInfo, Suite

folder = Path({str(tmp_path)!r})
info = {{n: RunInfo.model_validate_json((folder / f"{{n}}.json").read_text()) for n in ("base", "cand")}}
batches = {{n: pq.ParquetFile(folder / f"{{n}}.parquet").iter_batches(100) for n in info}}
suite = Suite.model_validate_json((folder / "suite.json").read_text())
c = compare_record_streams(info["base"], batches["base"], info["cand"], batches["cand"], suite,
                           resamples=50, chunk_rows=150)
assert len(c.results) > 10, c.results
print("pandas" in sys.modules)
"""
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1] == "False"
