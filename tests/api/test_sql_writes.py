"""assay.sql cannot write: no statement that writes runs, EXPLAIN ANALYZE included, and no
folder but the record files is reachable (DuckDB's temporary folder is off)."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest

import assay
from assay.errors import ConfigError
from assay.storage import Store, open_store, record_files
from assay.testing import make_records, make_run, make_suite_model


@pytest.fixture
def stored(tmp_path: Path) -> tuple[Store, Path]:
    store = open_store(f"sqlite:///{tmp_path / 'assay.db'}", artifacts=str(tmp_path / "f"))
    suite, examples = make_suite_model(n=20)
    store.suites.put(suite, examples)
    records = make_records(20, seed=1)
    run_id = store.runs.put(make_run(suite, records), records)[0].run_id
    yield store, Path(record_files(store).paths[run_id])
    store.close()


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


_INNER = [
    "COPY (SELECT 'forged' AS example_id) TO '{rec}' (FORMAT parquet, USE_TMP_FILE false)",
    "COPY (SELECT 1 AS a) TO '{tmp}/out.csv'",
    "COPY (SELECT 1 AS a) TO '.tmp/out.csv'",
    "CREATE TABLE t AS SELECT 1",
    "DROP VIEW records",
    "CREATE OR REPLACE VIEW runs AS SELECT 1 AS run_id",
    "INSERT INTO runs VALUES (1)",
    "UPDATE runs SET run_id = 'x'",
    "DELETE FROM runs",
    "EXPORT DATABASE '{tmp}/exported'",
    "ATTACH '{tmp}/attached.db' AS a",
    "CALL pragma_version()",
    "PRAGMA threads = 1",
    "SET threads = 1",
    "SELECT 1",
]
_WRAPPERS = [
    "EXPLAIN ANALYZE {q}",
    "EXPLAIN ANALYSE {q}",
    "explain /* c */ analyze {q}",
    "EXPLAIN (ANALYZE) {q}",
    "EXPLAIN (FORMAT json, ANALYZE) {q}",
    "EXPLAIN EXPLAIN ANALYZE {q}",
    "{q}",
]


@pytest.mark.parametrize("wrapper", _WRAPPERS)
@pytest.mark.parametrize("inner", _INNER)
def test_no_statement_writes(
    stored: tuple[Store, Path],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    wrapper: str,
    inner: str,
) -> None:
    store, rec = stored
    work = tmp_path / "cwd"
    work.mkdir()
    monkeypatch.chdir(work)
    before = _digest(rec)
    query = wrapper.format(q=inner.format(rec=rec, tmp=work))
    if query == "SELECT 1":
        assert assay.sql(query, store=store).num_rows == 1
        return
    with pytest.raises(ConfigError, match=r"is refused|does not parse"):
        assay.sql(query, store=store)
    assert _digest(rec) == before
    assert os.listdir(work) == []
    assert os.listdir(rec.parent) == [rec.name]
    # the views are still the store's, with its records
    assert assay.sql("SELECT count(*) FROM records", store=store).column(0)[0].as_py() == 20


def test_explain_of_one_select_still_runs(stored: tuple[Store, Path]) -> None:
    store, _ = stored
    plan = assay.sql("EXPLAIN SELECT count(*) FROM records", store=store)
    assert plan.num_rows >= 1
    assert "READ_PARQUET" in str(plan.to_pylist()).upper()


def test_no_temporary_folder_is_reachable(
    stored: tuple[Store, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store, _ = stored
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".tmp").mkdir()
    (tmp_path / ".tmp" / "inner.txt").write_text("INNER\n")
    for query in (
        "SELECT * FROM read_text('.tmp/inner.txt')",
        f"SELECT * FROM read_text('{tmp_path}/.tmp/inner.txt')",
        f"SELECT * FROM glob('{tmp_path}/.tmp/*')",
        f"SELECT * FROM read_text('{tmp_path}/.tmp/../../../etc/hostname')",
    ):
        with pytest.raises(ConfigError, match="reads only the store's views"):
            assay.sql(query, store=store)
    allowed = assay.sql("SELECT current_setting('allowed_directories') AS a", store=store)
    assert allowed.column(0)[0].as_py() == []
