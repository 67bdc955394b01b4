"""``assay.sql(..., runs=...)`` reads the records of the named runs alone and copies only their
record files; ``copy_record_files(store, runs=...)`` likewise. References are resolved as every
command resolves them; unknown, ambiguous, duplicated and hostile ones are tested."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from sqlalchemy import event

import assay
from assay.errors import AmbiguousReferenceError, NotFoundError, ParameterError, StorageError
from assay.storage import Store, copy_record_files, open_store, record_files
from assay.storage._copy_folder import private_folder
from assay.testing import make_records, make_run, make_suite_model

_COUNT = "SELECT run_id, count(*) AS n FROM records GROUP BY run_id ORDER BY run_id"
_IDS = ["abc_1", "abcx1", "b-2", "empty"]  # "abc_" must not match "abcx1" ('_' is no wildcard)


@pytest.fixture
def stored(tmp_path: Path) -> Iterator[Store]:
    """Four runs of one suite: 11, 12 and 13 records, and one with none."""
    store = open_store(f"sqlite:///{tmp_path / 'assay.db'}", artifacts=str(tmp_path / "f"))
    suite, examples = make_suite_model(n=40)
    store.suites.put(suite, examples)
    for i, run_id in enumerate(_IDS):
        records = make_records(0 if run_id == "empty" else 11 + i, seed=i)
        store.runs.put(make_run(suite, records, run_id=run_id, model=f"m@{i}", minutes=i), records)
    yield store
    store.close()


def _copies() -> set[Path]:
    return set(Path(private_folder()).glob("*.parquet"))


def test_only_the_named_runs_files_are_copied(stored: Store) -> None:
    before = _copies()
    narrowed = assay.sql(_COUNT, store=stored, runs=["b-2"]).to_pylist()
    assert narrowed == [{"run_id": "b-2", "n": 13}]
    assert len(_copies() - before) == 1  # b-2's file alone
    every = assay.sql(_COUNT, store=stored).to_pylist()
    assert len(_copies() - before) == len(_IDS)  # the others now; b-2's copy read again
    where = "SELECT run_id, count(*) AS n FROM records WHERE run_id = 'b-2' GROUP BY run_id"
    assert assay.sql(where, store=stored).to_pylist() == narrowed
    assert [r["n"] for r in every] == [11, 12, 13]  # the empty run has no row


def test_the_file_views_hold_the_named_runs_and_the_others_everything(stored: Store) -> None:
    files = "SELECT run_id, path FROM record_files ORDER BY run_id"
    got = assay.sql(files, store=stored, runs=["abc_1", "empty"]).to_pylist()
    paths = record_files(stored).paths
    assert got == [{"run_id": r, "path": paths[r]} for r in ("abc_1", "empty")]
    counts = "SELECT (SELECT count(*) FROM runs) AS r, (SELECT count(*) FROM metrics) AS m"
    narrowed = assay.sql(counts, store=stored, runs=["b-2"]).to_pylist()
    assert narrowed == assay.sql(counts, store=stored).to_pylist()
    assert narrowed[0]["r"] == len(_IDS)


def test_a_query_of_other_views_copies_nothing(stored: Store) -> None:
    before = _copies()
    got = assay.sql("SELECT count(*) AS n FROM runs", store=stored, runs=["b-2", "abc_1"])
    assert got.to_pylist() == [{"n": len(_IDS)}]
    assert _copies() == before


@pytest.mark.parametrize("damage", ["altered", "deleted"])
def test_another_runs_damaged_file_is_not_read(stored: Store, damage: str) -> None:
    other = Path(record_files(stored).paths["b-2"])
    if damage == "deleted":
        other.unlink()
    else:
        pq.write_table(pq.read_table(other).slice(1), other)
    got = assay.sql(_COUNT, store=stored, runs=["abc_1"]).to_pylist()
    assert got == [{"run_id": "abc_1", "n": 11}]
    with pytest.raises(StorageError, match="run b-2"):
        assay.sql(_COUNT, store=stored)
    with pytest.raises(StorageError, match="run b-2"):
        assay.sql(_COUNT, store=stored, runs=["b-2"])


@pytest.mark.parametrize(
    ("refs", "expected", "copied"),
    [
        (["abc_1"], ["abc_1"], 1),
        (["abc_"], ["abc_1"], 1),  # a prefix: '_' is taken literally
        (["m@2"], ["b-2"], 1),  # MODEL@VERSION
        (["b-2", "b-2", "b-", "m@2"], ["b-2"], 1),  # one run named four ways: copied once
        (("abcx1", "empty"), ["abcx1"], 2),  # a tuple; the empty run adds no row
        (iter(["b-2"]), ["b-2"], 1),  # any iterable
    ],
)
def test_references_as_every_command_takes_them(
    stored: Store, refs: object, expected: list[str], copied: int
) -> None:
    before = _copies()
    got = assay.sql(_COUNT, store=stored, runs=refs)  # type: ignore[arg-type]
    assert [r["run_id"] for r in got.to_pylist()] == expected
    assert len(_copies() - before) == copied


@pytest.mark.parametrize("ref", ["ABC_1", "B-", "m@1"])
def test_a_reference_names_the_run_get_run_names(stored: Store, ref: str) -> None:
    got = assay.sql("SELECT DISTINCT run_id FROM records", store=stored, runs=[ref])
    assert got.column("run_id").to_pylist() == [stored.runs.get(ref).run_id]


@pytest.mark.parametrize("ref", ["b-2", "b-", "m@2"])
def test_a_run_named_many_times_is_looked_up_once(stored: Store, ref: str, monkeypatch) -> None:
    # the statements the store's database runs, and the runs read whole, for one reference
    # and for 5,000 copies of it (and of the run object) must be the same
    statements: list[str] = []
    gets: list[str] = []
    get = stored.runs.get
    monkeypatch.setattr(stored.runs, "get", lambda r: gets.append(r) or get(r))

    def record(*args: object) -> None:
        statements.append(str(args[2]))

    event.listen(stored.runs.engine, "before_cursor_execute", record)
    try:
        counts = []
        assay.sql(_COUNT, store=stored, runs=[ref])  # what a store reads once is read
        for refs in ([ref], [ref] * 5_000, [get(ref)] * 5_000):
            statements.clear()
            got = assay.sql(_COUNT, store=stored, runs=refs).to_pylist()
            assert got == [{"run_id": "b-2", "n": 13}]
            counts.append(len(statements))
    finally:
        event.remove(stored.runs.engine, "before_cursor_execute", record)
    assert counts[1] == counts[0] and counts[2] <= counts[0], counts
    assert gets == []  # no run is read whole to learn its id


def test_run_objects_are_references(stored: Store) -> None:
    infos = [info for info in stored.runs.list() if info.run_id in ("abc_1", "b-2")]
    got = assay.sql(_COUNT, store=stored, runs=infos).to_pylist()
    assert [r["run_id"] for r in got] == ["abc_1", "b-2"]


def test_the_records_of_an_empty_run_have_the_files_columns(stored: Store) -> None:
    got = assay.sql("SELECT * FROM records", store=stored, runs=["empty"])
    assert got.num_rows == 0 and got.column_names[:2] == ["run_id", "example_id"]


@pytest.mark.parametrize(
    "ref",
    ["nope", "%", "abc%", "abc_1' OR '1'='1", "b-2; DROP TABLE runs", "\\", "m@9", " "],
)
def test_an_unknown_or_hostile_reference_names_no_run(stored: Store, ref: str) -> None:
    before = _copies()
    with pytest.raises((NotFoundError, ParameterError, assay.errors.ConfigError)) as raised:
        assay.sql(_COUNT, store=stored, runs=["b-2", ref])
    assert repr(ref.strip()) in str(raised.value) or "A run reference is" in str(raised.value)
    assert _copies() == before  # refused before anything was copied
    with pytest.raises((NotFoundError, assay.errors.ConfigError)):
        copy_record_files(stored, runs=[ref])


def test_an_unknown_run_is_refused_even_for_a_query_of_no_records(stored: Store) -> None:
    with pytest.raises(NotFoundError, match="No run has the id or id prefix 'zz'"):
        assay.sql("SELECT 1 AS one", store=stored, runs=["zz"])


def test_an_ambiguous_prefix_lists_the_candidates(stored: Store) -> None:
    with pytest.raises(AmbiguousReferenceError) as raised:
        assay.sql(_COUNT, store=stored, runs=["abc"])
    assert sorted(raised.value.candidates) == ["abc_1", "abcx1"]
    assert "abc_1" in str(raised.value) and "abcx1" in str(raised.value)


@pytest.mark.parametrize("runs", ["b-2", b"b-2", [], [1], ["b-2", None], 3])
def test_runs_that_are_not_a_list_of_references_are_refused(stored: Store, runs: object) -> None:
    with pytest.raises(ParameterError, match="'runs' parameter of sql") as by_sql:
        assay.sql(_COUNT, store=stored, runs=runs)  # type: ignore[arg-type]
    if not isinstance(runs, list) or runs == []:
        with pytest.raises(ParameterError, match="'runs' parameter of copy_record_files") as by:
            copy_record_files(stored, runs=runs)  # type: ignore[arg-type]
        # one check of the references: the same words for both
        assert str(by.value).replace("copy_record_files", "sql") == str(by_sql.value)


def test_copy_record_files_copies_the_named_runs(stored: Store) -> None:
    with copy_record_files(stored, runs=["b-", "m@0", "abc_1"]) as copied:
        assert list(copied.copies) == ["b-2", "abc_1"]
        assert set(copied.locations) == {"b-2", "abc_1"}
        assert pq.read_table(copied.copies["b-2"]).num_rows == 13


def test_the_records_reached_another_way_are_narrowed_too(stored: Store) -> None:
    before = _copies()
    query = "SELECT run_id, count(*) AS n FROM query_table('rec' || 'ords') GROUP BY run_id"
    got = assay.sql(query, store=stored, runs=["abcx1"]).to_pylist()
    assert got == [{"run_id": "abcx1", "n": 12}]
    assert len(_copies() - before) == 1
