"""The records view over hostile record columns, a missing file, and bounded results."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pytest

import assay
from assay.errors import ConfigError, ParameterError, StorageError
from assay.storage import Store, open_store, record_files
from assay.testing import make_records, make_run, make_suite_model

FILE_COLUMN = "__assay_record_file__"  # the name the records view reserves (docs/sql.md)


def _store(tmp_path: Path, extra: dict[str, pa.Array] | None = None) -> tuple[Store, list[str]]:
    store = open_store(f"sqlite:///{tmp_path / 'assay.db'}", artifacts=str(tmp_path / "f"))
    suite, examples = make_suite_model(n=20)
    store.suites.put(suite, examples)
    ids = []
    for i in range(2):
        records = make_records(20, seed=i, errors=1 + i)
        for name, values in (extra or {}).items():
            records = records.append_column(name, values)
        run = make_run(suite, records, model=f"m@{i}", minutes=i)
        ids.append(store.runs.put(run, records)[0].run_id)
    return store, ids


def test_a_record_column_named_filename_is_a_column(tmp_path: Path) -> None:
    store, _ = _store(tmp_path, {"filename": pa.array([f"f{i}.txt" for i in range(20)])})
    try:
        rows = assay.sql(
            "SELECT run_id, count(*) AS n, min(filename) AS first FROM records GROUP BY run_id",
            store=store,
        ).to_pylist()
        assert [(r["n"], r["first"]) for r in rows] == [(20, "f0.txt"), (20, "f0.txt")]
        assert {r["run_id"] for r in rows} == {r.run_id for r in store.runs.list()}
    finally:
        store.close()


def test_a_record_column_named_run_id_is_renamed(tmp_path: Path) -> None:
    store, ids = _store(tmp_path, {"run_id": pa.array(["theirs"] * 20)})
    try:
        result = assay.sql("SELECT * FROM records LIMIT 1", store=store)
        assert result.column_names.count("run_id") == 1
        assert "record_run_id" in result.column_names
        assert "run_id_1" not in result.column_names
        rows = assay.sql(
            "SELECT DISTINCT run_id, record_run_id FROM records ORDER BY run_id", store=store
        ).to_pylist()
        assert rows == [{"run_id": i, "record_run_id": "theirs"} for i in sorted(ids)]
    finally:
        store.close()


def test_the_reserved_column_name_is_refused(tmp_path: Path) -> None:
    store, _ = _store(tmp_path, {FILE_COLUMN: pa.array(["x"] * 20)})
    try:
        with pytest.raises(StorageError, match=FILE_COLUMN):
            assay.sql("SELECT count(*) FROM records", store=store)
        assert assay.sql("SELECT count(*) FROM runs", store=store).column(0)[0].as_py() == 2
    finally:
        store.close()


@pytest.mark.parametrize(
    "query",
    [
        "SELECT count(error) FROM records",
        "SELECT example_id FROM records",
        'SELECT * FROM "Records" WHERE no_such_column = 1',
        "SELECT r.error FROM runs JOIN main.records AS r USING (run_id)",
        "SELECT run_id FROM records",
    ],
)
def test_a_missing_record_file_is_the_error(tmp_path: Path, query: str) -> None:
    store, ids = _store(tmp_path)
    try:
        path = Path(record_files(store).paths[ids[1]])
        path.unlink()
        with pytest.raises(StorageError, match="record file") as caught:
            assay.sql(query, store=store)
        assert path.name in str(caught.value)
        # a query that does not read records answers; one that fails elsewhere says why
        assert assay.sql("SELECT count(*) FROM runs", store=store).column(0)[0].as_py() == 2
        with pytest.raises(ConfigError, match="no_such_column"):
            assay.sql("SELECT no_such_column FROM runs", store=store)
    finally:
        store.close()


def test_result_bytes_are_bounded(tmp_path: Path) -> None:
    store, _ = _store(tmp_path)
    try:
        with pytest.raises(ConfigError, match="larger than 256 MiB"):
            assay.sql("SELECT repeat('x', 50000000) AS x FROM range(8)", store=store)
        small = assay.sql("SELECT repeat('x', 1000000) AS x FROM range(8)", store=store)
        assert small.num_rows == 8
    finally:
        store.close()


@pytest.mark.parametrize("timeout", [1e300, float("inf"), float("nan"), 86401.0, -1.0])
def test_timeout_out_of_range_is_refused(tmp_path: Path, timeout: float) -> None:
    store, _ = _store(tmp_path)
    try:
        with pytest.raises(ParameterError, match="'timeout' parameter of sql"):
            assay.sql("SELECT 1", store=store, timeout=timeout)
    finally:
        store.close()
