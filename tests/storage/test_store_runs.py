"""Runs: atomic, deduplicated by content, immutable, found by id or prefix."""

from __future__ import annotations

import math
from pathlib import Path

import pyarrow as pa
import pytest

from assay.core import MetricSummary, Run, RunInfo
from assay.errors import (
    AmbiguousReferenceError,
    DataError,
    ImmutableError,
    NotFoundError,
    ParameterError,
    StorageError,
)
from assay.storage import RunQuery, RunRepository, Store
from assay.testing import make_records, make_run
from assay.testing import make_suite_model as make_suite


def test_round_trip(store: Store) -> None:
    suite, examples = make_suite("qa")
    store.suites.put(suite, examples)
    records = make_records(20, errors=3)
    run = make_run(
        suite,
        records,
        run_id="run-1",
        tags={"stage": "candidate"},
        params={"lr": 0.1, "opt": "adam", "warm": True, "x": None},
    )
    assert isinstance(store.runs, RunRepository)
    stored, created = store.runs.put(run, records)
    assert created is True
    assert stored.status == "complete"
    assert (stored.n_records, stored.n_examples, stored.n_errors) == (20, 20, 3)
    fetched = store.runs.get("run-1")
    assert fetched == stored
    assert fetched.manifest == run.manifest
    assert fetched.metrics == run.metrics
    assert fetched.params == {"lr": 0.1, "opt": "adam", "warm": True, "x": None}
    assert store.runs.records("run-1").equals(records)
    assert store.runs.records("run-1", ["latency", "example_id"]).column_names == [
        "latency",
        "example_id",
    ]
    [info] = store.runs.list(RunQuery())
    assert isinstance(info, RunInfo) and not isinstance(info, Run)
    assert info == stored.info()


def test_records_are_zstd_parquet_under_the_records_root(store: Store, tmp_path: Path) -> None:
    import pyarrow.parquet as pq

    suite, examples = make_suite("qa")
    store.suites.put(suite, examples)
    records = make_records(20)
    store.runs.put(make_run(suite, records, run_id="r"), records)
    files = list((tmp_path / "files" / "records").glob("*.parquet"))
    assert len(files) == 1 and files[0].name.startswith("r.")
    meta = pq.ParquetFile(files[0]).metadata
    assert meta.row_group(0).column(0).compression == "ZSTD"
    assert not list((tmp_path / "files" / "records").glob(".*"))  # no temporary files left


def test_nan_metric_round_trips(store: Store) -> None:
    suite, examples = make_suite("qa")
    store.suites.put(suite, examples)
    records = make_records(20)
    run = make_run(suite, records, run_id="nan-run")
    nan = MetricSummary(estimate=math.nan, low=math.nan, high=math.nan, method="none", n=0)
    run = run.model_copy(update={"metrics": {**run.metrics, "accuracy": nan}})
    store.runs.put(run, records)
    assert math.isnan(store.runs.get("nan-run").metrics["accuracy"].estimate)
    assert math.isnan(store.runs.list()[0].metrics["accuracy"].estimate)


def test_same_content_is_stored_once(store: Store) -> None:
    suite, examples = make_suite("qa")
    store.suites.put(suite, examples)
    records = make_records(20)
    first, created = store.runs.put(
        make_run(suite, records, run_id="a", content_digest="c" * 64), records
    )
    again, created_again = store.runs.put(
        make_run(suite, records, run_id="b", content_digest="c" * 64), records
    )
    assert created and not created_again
    assert again == first and again.run_id == "a"
    with pytest.raises(NotFoundError):
        store.runs.get("b")
    assert len(store.runs.list()) == 1


def test_missing_content_digest_is_computed_from_content(store: Store) -> None:
    suite, examples = make_suite("qa")
    store.suites.put(suite, examples)
    records = make_records(20)
    first, _ = store.runs.put(make_run(suite, records, run_id="a", content_digest=""), records)
    assert len(first.content_digest) == 64
    _, created = store.runs.put(make_run(suite, records, run_id="b", content_digest=""), records)
    assert created is False
    other = make_records(20, seed=1)
    _, created = store.runs.put(make_run(suite, other, run_id="c", content_digest=""), other)
    assert created is True


def test_a_complete_run_cannot_be_changed(store: Store) -> None:
    suite, examples = make_suite("qa")
    store.suites.put(suite, examples)
    records = make_records(20)
    original, _ = store.runs.put(make_run(suite, records, run_id="a", accuracy=0.8), records)
    changed = make_run(suite, records, run_id="a", accuracy=0.9)
    with pytest.raises(ImmutableError, match="cannot be changed"):
        store.runs.put(changed, make_records(20, seed=5))
    assert store.runs.get("a") == original
    assert store.runs.records("a").equals(records)
    assert not hasattr(store.runs, "delete")


def test_prefix_lookup_and_messages(store: Store) -> None:
    suite, examples = make_suite("qa")
    store.suites.put(suite, examples)
    records = make_records(20)
    for rid in ("abc-1", "abc-2", "abd_3"):
        store.runs.put(make_run(suite, records, run_id=rid), records)
    assert store.runs.get("abd").run_id == "abd_3"
    with pytest.raises(AmbiguousReferenceError, match="matches 2 runs") as info:
        store.runs.get("abc")
    assert [c.split()[0] for c in info.value.candidates] == ["abc-1", "abc-2"]
    assert "RunRepository" not in str(info.value)
    with pytest.raises(NotFoundError, match=r"'zzz'.*assay runs"):
        store.runs.get("zzz")
    # LIKE wildcards in a prefix are literal characters.
    with pytest.raises(NotFoundError):
        store.runs.get("ab_")
    with pytest.raises(NotFoundError):
        store.runs.get("%")


def test_records_errors(store: Store) -> None:
    suite, examples = make_suite("qa")
    store.suites.put(suite, examples)
    records = make_records(20)
    store.runs.put(make_run(suite, records, run_id="a"), records)
    with pytest.raises(DataError, match="no column 'nope'"):
        store.runs.records("a", ["example_id", "nope"])
    with pytest.raises(NotFoundError):
        store.runs.records("b")


def test_bad_inputs(store: Store) -> None:
    suite, examples = make_suite("qa")
    records = make_records(20)
    with pytest.raises(NotFoundError, match="store the suite first"):
        store.runs.put(make_run(suite, records, run_id="a"), records)
    store.suites.put(suite, examples)
    with pytest.raises(ParameterError, match=r"'run\.run_id' parameter of RunRepository\.put"):
        store.runs.put(make_run(suite, records, run_id="../escape"), records)
    with pytest.raises(DataError, match="example_id"):
        store.runs.put(make_run(suite, records, run_id="a"), records.drop_columns(["example_id"]))
    too_long = make_run(suite, records, run_id="a", tags={"note": "x" * 501})
    with pytest.raises(ParameterError, match=r"run\.tags\['note'\].*at most 500 characters"):
        store.runs.put(too_long, records)
    assert store.runs.list() == []


def test_counts_come_from_the_records(store: Store) -> None:
    suite, examples = make_suite("qa")
    store.suites.put(suite, examples)
    records = make_records(20, errors=4)
    repeated = pa.concat_tables([records, records])  # two samples per example
    stated = make_run(suite, repeated, run_id="stated").model_copy(
        update={"n_records": 1, "n_errors": 0, "n_examples": 20}
    )
    stored, _ = store.runs.put(stated, repeated)
    assert (stored.n_records, stored.n_examples, stored.n_errors) == (40, 20, 8)
    counted, _ = store.runs.put(make_run(suite, repeated, run_id="counted"), repeated)
    assert counted.n_examples == 20


def test_listing_sees_every_new_run(store: Store) -> None:
    suite, examples = make_suite("qa")
    store.suites.put(suite, examples)
    records = make_records(20)
    for i in range(3):
        store.runs.put(make_run(suite, records, run_id=f"r{i}", minutes=i), records)
        assert [r.run_id for r in store.runs.list()] == [f"r{j}" for j in range(i, -1, -1)]


def test_a_lost_records_file_is_a_storage_error(store: Store, tmp_path: Path) -> None:
    suite, examples = make_suite("qa")
    store.suites.put(suite, examples)
    records = make_records(20)
    store.runs.put(make_run(suite, records, run_id="lost"), records)
    for path in (tmp_path / "files" / "records").glob("lost.*.parquet"):
        path.unlink()
    with pytest.raises(StorageError, match=r"The object .*lost\..* is missing from the store"):
        store.runs.records("lost")
