"""assay.sql: DuckDB over the store's views, read-only, with counts equal to the store's own."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import assay
from assay.errors import ConfigError, ParameterError, StorageError
from assay.storage import Store, open_store, record_files
from assay.testing import make_decision, make_records, make_run, make_suite_model


def _fill(store: Store, runs: int = 3) -> list[str]:
    """``runs`` runs of different sizes on one suite, and a decision between the first two."""
    suite, examples = make_suite_model(n=40)
    store.suites.put(suite, examples)
    ids = []
    for i in range(runs):
        records = make_records(20 + 7 * i, seed=i, errors=i)
        if i == 2:  # a run with a column the others lack
            records = records.append_column("judge", pa.array([0.5] * records.num_rows))
        run = make_run(suite, records, model=f"clf@{i}", tags={"stage": f"s{i}"}, minutes=i)
        ids.append(store.runs.put(run, records)[0].run_id)
    store.decisions.put(make_decision(ids[0], ids[1], suite_digest=suite.digest))
    return ids


@pytest.fixture
def filled(tmp_path: Path) -> tuple[Store, list[str]]:
    store = open_store(f"sqlite:///{tmp_path / 'db' / 'assay.db'}", artifacts=str(tmp_path / "f"))
    ids = _fill(store)
    yield store, ids
    store.close()


def _scalar(query: str, store: Store) -> object:
    return assay.sql(query, store=store).column(0)[0].as_py()


def test_counts_equal_the_store_api(filled: tuple[Store, list[str]]) -> None:
    store, ids = filled
    runs = store.runs.list()
    assert _scalar("SELECT count(*) FROM runs", store) == len(runs) == 3
    assert _scalar("SELECT count(*) FROM metrics", store) == sum(len(r.metrics) for r in runs)
    assert _scalar("SELECT count(*) FROM decisions", store) == len(store.decisions.list()) == 1
    assert _scalar("SELECT count(*) FROM records", store) == sum(r.n_records for r in runs)
    per_run = assay.sql(
        "SELECT run_id, count(*) AS n, count(error) AS errors FROM records GROUP BY run_id",
        store=store,
    ).to_pylist()
    assert {row["run_id"]: (row["n"], row["errors"]) for row in per_run} == {
        r.run_id: (r.n_records, r.n_errors) for r in runs
    }
    # the values too: a run's records through SQL are the records the store returns
    first = assay.sql(
        f"SELECT accuracy FROM records WHERE run_id = '{ids[0]}' ORDER BY example_id", store=store
    )
    assert first.column(0).to_pylist() == store.runs.records(ids[0]).column("accuracy").to_pylist()


def test_views_hold_the_documented_columns(filled: tuple[Store, list[str]]) -> None:
    store, _ = filled
    for view, columns in assay.workflows.SQL_VIEWS.items():
        got = assay.sql(f"SELECT * FROM {view} LIMIT 0", store=store).column_names
        documented = [c for c in columns if c != "..."]
        assert got[: len(documented)] == documented, view
    # a column only one run has is NULL in the others' rows
    judged = assay.sql(
        "SELECT run_id, count(judge) AS n FROM records GROUP BY run_id ORDER BY n", store=store
    ).to_pylist()
    assert [row["n"] for row in judged] == [0, 0, 34]
    tags = assay.sql("SELECT tags['stage'] AS stage FROM runs ORDER BY stage", store=store)
    assert tags.column(0).to_pylist() == ["s0", "s1", "s2"]
    joined = assay.sql(
        "SELECT d.verdict, r.model_version FROM decisions d "
        "JOIN runs r ON r.run_id = d.candidate_run",
        store=store,
    ).to_pylist()
    assert joined == [{"verdict": "SHIP", "model_version": "1"}]


@pytest.mark.parametrize(
    ("query", "words"),
    [
        ("COPY (SELECT * FROM runs) TO '/tmp/assay-sql-copy.csv'", "COPY statement is refused"),
        ("ATTACH '/tmp/assay-sql-attached.db' AS x", "ATTACH statement is refused"),
        ("INSTALL httpfs", "statement is refused"),
        ("LOAD httpfs", "statement is refused"),
        ("SET enable_external_access = true", "SET statement is refused"),
        ("CREATE TABLE t AS SELECT 1", "CREATE statement is refused"),
        ("DROP VIEW runs", "DROP statement is refused"),
        ("PRAGMA version", "PRAGMA statement is refused"),
        ("SELECT 1; SELECT 2", "one statement at a time"),
        ("SELECT * FROM read_csv('/etc/passwd')", "reads only the store's views"),
        ("SELECT * FROM read_text('/etc/hostname')", "reads only the store's views"),
        ("SELECT * FROM glob('/*')", "reads only the store's views"),
        ("SELECT * FROM read_parquet('/tmp/*.parquet')", "reads only the store's views"),
        ("SELECT * FROM 'https://example.com/x.parquet'", "reads only the store's views"),
        ("SELEC 1", "does not parse"),
        ("SELECT * FROM no_such_view", "no_such_view"),
    ],
)
def test_hostile_sql_is_refused(
    filled: tuple[Store, list[str]], query: str, words: str, tmp_path: Path
) -> None:
    store, _ = filled
    with pytest.raises(ConfigError) as caught:
        assay.sql(query, store=store)
    assert words in str(caught.value)
    assert not Path("/tmp/assay-sql-copy.csv").exists()
    assert not Path("/tmp/assay-sql-attached.db").exists()


def test_no_secrets_are_visible(filled: tuple[Store, list[str]]) -> None:
    store, _ = filled
    assert assay.sql("SELECT * FROM duckdb_secrets()", store=store).num_rows == 0


def test_python_variables_are_not_tables(filled: tuple[Store, list[str]]) -> None:
    store, _ = filled
    secret = pa.table({"x": [42]})  # DuckDB would otherwise scan a local variable by name
    assert secret.num_rows == 1
    with pytest.raises(ConfigError, match="secret"):
        assay.sql("SELECT * FROM secret", store=store)


def test_results_and_time_are_bounded(filled: tuple[Store, list[str]]) -> None:
    store, _ = filled
    with pytest.raises(ConfigError, match="more than 1,000 rows"):
        assay.sql("SELECT * FROM range(5000)", store=store, max_rows=1000)
    assert assay.sql("SELECT * FROM range(1000)", store=store, max_rows=1000).num_rows == 1000
    with pytest.raises(ConfigError, match=r"ran past 0\.2 s"):
        assay.sql(
            "SELECT count(*) FROM range(100000000) a, range(100000000) b",
            store=store,
            timeout=0.2,
        )


def test_bad_parameters(filled: tuple[Store, list[str]]) -> None:
    store, _ = filled
    with pytest.raises(ParameterError, match="'query' parameter of sql"):
        assay.sql(b"SELECT 1", store=store)  # type: ignore[arg-type]
    with pytest.raises(ParameterError, match="'max_rows' parameter of sql"):
        assay.sql("SELECT 1", store=store, max_rows=0)
    with pytest.raises(ParameterError, match="'timeout' parameter of sql"):
        assay.sql("SELECT 1", store=store, timeout=0)
    with pytest.raises(ConfigError, match="1 to 100,000 characters"):
        assay.sql("   ", store=store)


def test_a_missing_record_file_names_it(filled: tuple[Store, list[str]]) -> None:
    store, ids = filled
    path = Path(record_files(store).paths[ids[1]])
    path.unlink()
    with pytest.raises(StorageError, match=path.name):
        assay.sql("SELECT count(*) FROM records", store=store)
    # the other views do not read record files
    assert _scalar("SELECT count(*) FROM runs", store) == 3


def _altered(path: Path) -> None:
    """Rewrite a record file as still-valid Parquet with one score changed."""
    table = pq.read_table(path)
    name = next(n for n in table.column_names if n.startswith("accuracy"))
    scores = table.column(name).to_pylist()
    scores[0] = 1.0 - scores[0]
    table = table.set_column(table.column_names.index(name), name, pa.array(scores, pa.float64()))
    pq.write_table(table, path)


def test_an_altered_record_file_is_refused_before_the_query_runs(
    filled: tuple[Store, list[str]],
) -> None:
    store, ids = filled
    total = _scalar("SELECT count(*) FROM records", store)  # verified, and remembered
    path = Path(record_files(store).paths[ids[1]])
    _altered(path)
    for query in (
        "SELECT count(*) FROM records",
        f"SELECT count(*) FROM read_parquet('{path}')",
    ):
        with pytest.raises(StorageError) as caught:
            assay.sql(query, store=store)
        message = str(caught.value)
        assert f"{path} (the record file of run {ids[1]}) was altered" in message
    with pytest.raises(StorageError, match="was altered"):
        record_files(store, verify=True)
    assert _scalar("SELECT count(*) FROM runs", store) == 3  # no record file read
    assert total == sum(r.n_records for r in store.runs.list())


@pytest.mark.parametrize(
    "query",
    [
        "SELECT count(*) FROM query_table('records')",
        "SELECT sum(accuracy) FROM query_table('RECORDS')",
        "SELECT sum(accuracy) FROM query('SELECT * FROM ' || 'rec' || 'ords')",
    ],
)
def test_records_reached_without_their_name_are_verified_too(
    filled: tuple[Store, list[str]], query: str
) -> None:
    store, ids = filled
    intact = assay.sql(query, store=store).column(0)[0].as_py()
    assert intact == _scalar(query.split(" FROM ")[0] + " FROM records", store)
    # a file outside the store is still refused
    with pytest.raises(ConfigError, match="reads only the store's views"):
        assay.sql("SELECT * FROM read_csv('/etc/passwd')", store=store)
    path = Path(record_files(store).paths[ids[1]])
    _altered(path)
    with pytest.raises(StorageError, match=f"the record file of run {ids[1]}\\) was altered"):
        assay.sql(query, store=store)


def test_records_in_an_fsspec_store(tmp_path: Path) -> None:
    """Records behind fsspec (here its in-memory file system) are read in place too."""
    url = f"memory://assay-sql-{tmp_path.name}"
    store = open_store("sqlite://", artifacts=url)
    try:
        _fill(store)
        located = record_files(store)
        assert all(p.startswith("memory://") for p in located.paths.values())
        total = sum(r.n_records for r in store.runs.list())
        assert _scalar("SELECT count(*) FROM records", store) == total
    finally:
        store.close()


def test_an_empty_store(tmp_path: Path) -> None:
    store = open_store(f"sqlite:///{tmp_path / 'e.db'}", artifacts=str(tmp_path / "f"))
    try:
        for view in ("runs", "metrics", "decisions", "records"):
            assert _scalar(f"SELECT count(*) FROM {view}", store) == 0
    finally:
        store.close()


def test_a_store_served_by_assay_serve(tmp_path: Path) -> None:
    """Through a server, runs, metrics and decisions answer; records say why they cannot."""
    from assay.server import ServerSettings, create_app
    from assay.storage import RemoteStore
    from assay.testing import running_server

    with open_store(f"sqlite:///{tmp_path / 's' / 'assay.db'}") as served:
        _fill(served)
        with running_server(create_app(served, ServerSettings())) as url:
            remote = RemoteStore(url)
            try:
                assert _scalar("SELECT count(*) FROM runs", remote) == 3
                assert _scalar("SELECT count(*) FROM decisions", remote) == 1
                with pytest.raises(StorageError, match="reached through an assay server"):
                    assay.sql("SELECT count(*) FROM records", store=remote)
            finally:
                remote.close()
