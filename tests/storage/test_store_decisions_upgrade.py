"""A store at schema revision 0001 (before decisions) upgrades with its runs intact."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command

from assay.errors import StorageError
from assay.storage import open_store, upgrade_database
from assay.storage._migrate import alembic_config
from assay.testing import make_approval, make_decision, make_records, store_runs


def _revision(engine: sa.Engine) -> str:
    with engine.connect() as conn:
        return str(conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalar_one())


def _tables(engine: sa.Engine) -> set[str]:
    return set(sa.inspect(engine).get_table_names())


def _store_at_0001(url: str, files: str) -> list[str]:
    """Runs stored, then the schema taken back to 0001 (as an older assay left it)."""
    with open_store(url, artifacts=files) as store:
        run_ids = store_runs(store, 2)
        with store.engine.begin() as conn:
            command.downgrade(alembic_config(conn), "0001")
        assert _revision(store.engine) == "0001"
        assert not {"decisions", "ledger"} & _tables(store.engine)
        assert {"runs", "suites", "run_metrics"} <= _tables(store.engine)
    return run_ids


def _check_upgraded(url: str, files: str, run_ids: list[str]) -> None:
    with open_store(url, artifacts=files) as store:
        assert _revision(store.engine) == "0005"
        assert {"decisions", "ledger"} <= _tables(store.engine)
        assert [r.run_id for r in store.runs.list()] == run_ids[::-1]
        assert store.runs.records(run_ids[1]).equals(make_records(20, seed=1))
        entry = store.decisions.put(make_decision(*run_ids, decision_id="after-upgrade"))
        assert entry.sequence == 1
        store.decisions.approve("after-upgrade", make_approval())
        assert store.decisions.get("after").candidate_run == run_ids[1]
        assert store.decisions.verify().ok


def test_embedded_store_upgrades_on_open(sqlite_url: str, tmp_path: Path) -> None:
    files = str(tmp_path / "files")
    run_ids = _store_at_0001(sqlite_url, files)
    _check_upgraded(sqlite_url, files, run_ids)


@pytest.mark.postgres
def test_postgres_upgrades_on_request(pg_url: str, tmp_path: Path) -> None:
    files = str(tmp_path / "files")
    assert upgrade_database(pg_url) == "0005"
    run_ids = _store_at_0001(pg_url, files)
    with pytest.raises(StorageError, match=r"revision 0001; this assay needs revision 0005"):
        open_store(pg_url, artifacts=files)
    assert upgrade_database(pg_url) == "0005"
    _check_upgraded(pg_url, files, run_ids)
