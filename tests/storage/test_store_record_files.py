"""Record files: zstd Parquet that other tools read back exactly, local and through fsspec."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from assay.storage._files import FileRoot


def _records() -> pa.Table:
    n = 300
    return pa.table(
        {
            "example_id": [f"ex-{i:04d}" for i in range(n)],
            "sample_index": pa.array([i % 3 for i in range(n)], pa.int64()),
            "lang": pa.array(["en", "de", "fr"] * (n // 3)).dictionary_encode(),
            "accuracy": [float(i % 2) for i in range(n)],
            "latency_ms": [None if i % 7 == 0 else 10.0 + i / 7 for i in range(n)],
            "score": pa.array([math.nan if i == 5 else i / n for i in range(n)], pa.float32()),
            "output": [None if i % 5 == 0 else f"answer {i}" for i in range(n)],
        }
    )


def _written(root: FileRoot, tmp_path: Path) -> bytes:
    root.write_parquet("records/run.parquet", _records())
    data = root.read_bytes("records/run.parquet")
    (tmp_path / "copy.parquet").write_bytes(data)
    return data


@pytest.mark.parametrize("where", ["local", "memory"])
def test_every_column_is_zstd_with_dictionaries_where_values_repeat(
    tmp_path: Path, where: str
) -> None:
    url = str(tmp_path / "files") if where == "local" else f"memory://{tmp_path.name}"
    _written(FileRoot(url), tmp_path)
    meta = pq.ParquetFile(tmp_path / "copy.parquet").metadata
    names = [meta.schema.column(i).name for i in range(meta.num_columns)]
    chunks = {names[i]: meta.row_group(0).column(i) for i in range(meta.num_columns)}
    assert {c.compression for c in chunks.values()} == {"ZSTD"}
    with_dictionary = {name for name, c in chunks.items() if c.has_dictionary_page}
    # not the example ids (one per record) nor floats that rarely repeat; 0/1 scores do
    assert with_dictionary == {"sample_index", "lang", "output", "accuracy"}


def test_a_float_column_that_repeats_only_after_its_first_rows_is_written_plain(
    tmp_path: Path,
) -> None:
    n = 10_000
    values = [i / n if i < 4_096 else 1.0 for i in range(n)]
    root = FileRoot(str(tmp_path / "files"))
    root.write_parquet(
        "records/run.parquet", pa.table({"example_id": [str(i) for i in range(n)], "score": values})
    )
    meta = pq.ParquetFile(root.path("records/run.parquet")).metadata
    assert not meta.row_group(0).column(1).has_dictionary_page
    assert root.read_parquet("records/run.parquet").column("score").to_pylist() == values


def test_duckdb_reads_back_every_value(tmp_path: Path) -> None:
    duckdb = pytest.importorskip("duckdb")
    _written(FileRoot(str(tmp_path / "files")), tmp_path)
    got = duckdb.sql(f"SELECT * FROM read_parquet('{tmp_path / 'copy.parquet'}')").arrow()
    got = got.read_all() if hasattr(got, "read_all") else got
    expected = _records()
    for name in ("example_id", "sample_index", "accuracy", "latency_ms", "output"):
        assert got.column(name).to_pylist() == expected.column(name).to_pylist(), name
    assert [str(v) for v in got.column("lang").to_pylist()] == ["en", "de", "fr"] * 100
    score = got.column("score").to_numpy()
    assert np.array_equal(score, expected.column("score").to_numpy(), equal_nan=True)


def test_a_file_written_with_the_earlier_settings_still_reads(tmp_path: Path) -> None:
    # before: a dictionary for every column but the floating-point ones, the ids' included
    table = _records()
    keep = [f.name for f in table.schema if not pa.types.is_floating(f.type)]
    sink = pa.BufferOutputStream()
    pq.write_table(table, sink, compression="zstd", use_dictionary=keep)
    root = FileRoot(str(tmp_path / "files"))
    root.write_bytes("records/old.parquet", sink.getvalue().to_pybytes())
    read = root.read_parquet("records/old.parquet")
    assert read.drop_columns(["score"]).equals(table.drop_columns(["score"]))


def test_pyarrow_and_pandas_read_back_every_value(tmp_path: Path) -> None:
    root = FileRoot(str(tmp_path / "files"))
    _written(root, tmp_path)
    expected = _records()
    read = root.read_parquet("records/run.parquet")
    # NaN never equals itself, so the float32 column holding one is compared apart
    assert read.drop_columns(["score"]).equals(expected.drop_columns(["score"]))
    assert read.schema.equals(expected.schema)
    got, want = read.column("score").to_numpy(), expected.column("score").to_numpy()
    assert np.array_equal(got, want, equal_nan=True)
    frame = pd.read_parquet(tmp_path / "copy.parquet")
    assert frame["example_id"].tolist() == expected.column("example_id").to_pylist()
    assert frame["accuracy"].tolist() == expected.column("accuracy").to_pylist()
    assert frame["latency_ms"].isna().sum() == expected.column("latency_ms").null_count
    assert math.isnan(frame["score"][5]) and frame["score"][6] == pytest.approx(6 / 300)
    assert frame["lang"].astype(str).tolist() == ["en", "de", "fr"] * 100
