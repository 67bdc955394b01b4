"""Every kind of bad input gets one clear error naming where, and leaves the store unchanged."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import assay
from assay.errors import DataError, SuiteMismatchError
from assay.testing import synthetic_records, synthetic_suite


@pytest.fixture
def suite(store: assay.Store) -> assay.SuiteData:
    return assay.register_suite(synthetic_suite(50, metrics=("accuracy", "f_score")), store=store)


def _write_jsonl(path: Path, rows: list[dict[str, object]]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


def _good_rows(suite: assay.SuiteData) -> list[dict[str, object]]:
    return (
        synthetic_records(suite, seed=1).select(["example_id", "accuracy", "f_score"]).to_pylist()
    )


def _store_is_empty(store: assay.Store, home: Path) -> None:
    assert assay.list_runs(store=store) == []
    assert not [p for p in home.rglob("*.parquet") if "records" in p.parts]


def test_duplicate_example_id_names_the_line(store, home, suite, tmp_path):
    rows = _good_rows(suite)
    rows[7]["example_id"] = rows[3]["example_id"]
    path = _write_jsonl(tmp_path / "dup.jsonl", rows)
    with pytest.raises(DataError) as err:
        assay.ingest(path, suite=suite, model="m@1", store=store)
    e = err.value
    assert (e.file, e.line, e.column) == (str(path), 8, "example_id")
    assert "ex-000003" in str(e) and "line 4" in str(e)
    _store_is_empty(store, home)


def test_id_missing_from_suite(store, home, suite, tmp_path):
    rows = _good_rows(suite)
    rows[10]["example_id"] = "not-in-suite"
    path = _write_jsonl(tmp_path / "missing.jsonl", rows)
    with pytest.raises(DataError, match="not-in-suite") as err:
        assay.ingest(path, suite=suite, model="m@1", store=store)
    assert err.value.line == 11 and err.value.column == "example_id"
    _store_is_empty(store, home)


def test_non_numeric_score_in_csv_names_row_and_value(store, home, suite, tmp_path):
    rows = _good_rows(suite)
    path = tmp_path / "scores.csv"
    lines = ["example_id,accuracy,f_score"] + [
        f"{r['example_id']},{r['accuracy']},{r['f_score']}" for r in rows
    ]
    lines[5] = lines[5].split(",")[0] + ",yes,1.0"
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(DataError) as err:
        assay.ingest(path, suite=suite, model="m@1", store=store)
    e = err.value
    assert (e.line, e.column, e.found) == (6, "accuracy", "'yes'")
    assert "expected a number" in str(e)
    _store_is_empty(store, home)


def test_nan_score_without_error_is_refused(store, home, suite, tmp_path):
    table = synthetic_records(suite, seed=2).select(["example_id", "accuracy", "f_score"])
    scores = table.column("f_score").to_numpy().copy()
    scores[12] = float("nan")
    table = table.set_column(2, "f_score", pa.array(scores))
    path = tmp_path / "nan.parquet"
    pq.write_table(table, path)
    with pytest.raises(DataError) as err:
        assay.ingest(path, suite=suite, model="m@1", store=store)
    assert (err.value.row, err.value.column) == (12, "f_score")
    _store_is_empty(store, home)


def test_missing_score_with_an_error_is_a_failure_record(store, suite):
    table = synthetic_records(suite, error_rate=0.2, seed=3)
    logged = assay.log_run(table, suite=suite, model="m@1", store=store)
    errors = table.column("error").null_count
    assert logged.run.n_errors == table.num_rows - errors > 0
    assert logged.run.metrics["accuracy"].n_missing == logged.run.n_errors
    assert logged.run.n_records == table.num_rows  # failures are records, never dropped rows


def test_unknown_metric_column(store, home, suite, tmp_path):
    rows = _good_rows(suite)
    for r in rows:
        r["bleu"] = 0.5
    path = _write_jsonl(tmp_path / "extra.jsonl", rows)
    with pytest.raises(DataError, match="'bleu' is not a record column") as err:
        assay.ingest(path, suite=suite, model="m@1", store=store)
    assert err.value.column == "bleu"
    _store_is_empty(store, home)


def test_metric_of_the_suite_without_a_column(store, home, suite, tmp_path):
    rows = [{"example_id": r["example_id"], "accuracy": r["accuracy"]} for r in _good_rows(suite)]
    path = _write_jsonl(tmp_path / "nof.jsonl", rows)
    with pytest.raises(DataError, match="'f_score'") as err:
        assay.ingest(path, suite=suite, model="m@1", store=store)
    assert err.value.column == "f_score"
    _store_is_empty(store, home)


def test_suite_digest_mismatch(store, home, suite, tmp_path):
    rows = _good_rows(suite)
    for r in rows:
        r["suite_digest"] = suite.digest[:12]
    rows[20]["suite_digest"] = "0123456789ab"
    path = _write_jsonl(tmp_path / "digest.jsonl", rows)
    with pytest.raises(SuiteMismatchError) as err:
        assay.ingest(path, suite=suite, model="m@1", store=store)
    assert err.value.line == 21 and err.value.found == "0123456789ab"
    _store_is_empty(store, home)


@pytest.mark.parametrize(
    ("name", "content", "match"),
    [
        (
            "broken.jsonl",
            '{"example_id": "ex-000000", "accuracy": 1, "f_score": 0}\n{"example_id": \n',
            "cannot be read as JSONL",
        ),
        ("broken.parquet", "this is not parquet", "cannot be read as Parquet"),
        ("scores.txt", "whatever", "cannot tell the file's format"),
    ],
)
def test_unreadable_files(store, home, suite, tmp_path, name, content, match):
    path = tmp_path / name
    path.write_text(content)
    with pytest.raises(DataError, match=match) as err:
        assay.ingest(path, suite=suite, model="m@1", store=store)
    assert err.value.file == str(path)
    _store_is_empty(store, home)


def test_missing_file(store, suite, tmp_path):
    with pytest.raises(DataError, match="no such file"):
        assay.ingest(tmp_path / "nope.jsonl", suite=suite, model="m@1", store=store)


def test_rename_maps_harness_columns(store, suite, tmp_path):
    rows = [
        {"doc_id": r["example_id"], "acc": r["accuracy"], "f_score": r["f_score"]}
        for r in _good_rows(suite)
    ]
    path = _write_jsonl(tmp_path / "harness.jsonl", rows)
    logged = assay.ingest(
        path,
        suite=suite,
        model="m@1",
        store=store,
        rename={"doc_id": "example_id", "acc": "accuracy"},
    )
    assert logged.created and logged.run.n_records == 50


def test_infinite_score_names_the_line(store, home, suite, tmp_path):
    rows = _good_rows(suite)
    path = tmp_path / "inf.jsonl"
    lines = [json.dumps(r) for r in rows]
    lines[4] = lines[4].replace(
        '"f_score": ' + json.dumps(rows[4]["f_score"]), '"f_score": Infinity'
    )
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(DataError, match="infinite") as err:
        assay.ingest(path, suite=suite, model="m@1", store=store)
    assert (err.value.line, err.value.column) == (5, "f_score")
    _store_is_empty(store, home)


def test_csv_text_and_ids_are_read_verbatim(store, tmp_path):
    data = assay.make_suite("ids", [{"example_id": "001"}, {"example_id": "002"}], metrics=["acc"])
    path = tmp_path / "r.csv"
    path.write_text('example_id,acc,output\n001,1,NA\n002,0,""\n')
    run = assay.ingest(path, suite=data, model="m@1", store=store).run
    table = store.runs.records(run.run_id)
    assert table.column("example_id").to_pylist() == ["001", "002"]
    assert table.column("output").to_pylist() == ["NA", ""]
