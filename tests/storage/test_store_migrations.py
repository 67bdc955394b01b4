"""Schema migrations: Alembic builds exactly the SQLAlchemy metadata; PostgreSQL only on request."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from assay.errors import ConfigError, StorageError
from assay.storage import open_store, upgrade_database
from assay.storage._schema import complete_metadata

metadata = complete_metadata()


def _differences(engine: sa.Engine) -> list[object]:
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        return list(compare_metadata(context, metadata))


def test_migration_builds_exactly_the_metadata(store_url: str, tmp_path: Path) -> None:
    with open_store(store_url, artifacts=str(tmp_path)) as store:
        assert _differences(store.engine) == []


def test_comparison_sees_a_missing_schema(sqlite_url: str) -> None:
    Path(sqlite_url.removeprefix("sqlite:///")).parent.mkdir(parents=True)
    engine = sa.create_engine(sqlite_url)
    try:
        assert len(_differences(engine)) >= len(metadata.tables)
    finally:
        engine.dispose()


@pytest.mark.postgres
def test_postgres_needs_an_explicit_upgrade(pg_url: str, tmp_path: Path) -> None:
    with_password = pg_url.replace("postgresql://postgres@", "postgresql://postgres:s3cret@")
    with pytest.raises(StorageError, match="assay db upgrade") as info:
        open_store(with_password, artifacts=str(tmp_path))
    assert "has no assay schema" in str(info.value)
    assert "s3cret" not in str(info.value)
    assert upgrade_database(pg_url) == "0005"
    assert upgrade_database(pg_url.replace("postgresql://", "postgres://")) == "0005"
    with open_store(with_password, artifacts=str(tmp_path)) as store:
        assert store.url.startswith("postgresql+psycopg://postgres:***@")
        assert store.suites.list() == []


def test_database_from_a_newer_assay_is_refused(store_url: str, tmp_path: Path) -> None:
    with open_store(store_url, artifacts=str(tmp_path)) as store, store.engine.begin() as conn:
        conn.execute(sa.text("UPDATE alembic_version SET version_num = '9999'"))
    with pytest.raises(StorageError, match="newer assay"):
        open_store(store_url, artifacts=str(tmp_path))


def test_embedded_store_from_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = tmp_path / "project" / ".assay"
    monkeypatch.delenv("ASSAY_DB", raising=False)
    monkeypatch.delenv("ASSAY_ARTIFACTS", raising=False)
    monkeypatch.setenv("ASSAY_HOME", str(home))
    assert upgrade_database() == "0005"
    with open_store() as store:
        assert store.url == f"sqlite:///{home / 'assay.db'}"
        digest = store.artifacts.put(b"report")
    assert (home / "artifacts" / digest[:2] / digest).read_bytes() == b"report"

    monkeypatch.delenv("ASSAY_HOME")
    monkeypatch.chdir(tmp_path)
    with open_store() as store:
        assert store.url == f"sqlite:///{tmp_path / '.assay' / 'assay.db'}"

    monkeypatch.setenv("ASSAY_DB", f"sqlite:///{tmp_path / 'elsewhere' / 'x.db'}")
    monkeypatch.setenv("ASSAY_ARTIFACTS", str(tmp_path / "blobs"))
    with open_store() as store:
        digest = store.artifacts.put(b"plot")
    assert (tmp_path / "elsewhere" / "x.db").exists()
    assert (tmp_path / "blobs" / "artifacts" / digest[:2] / digest).exists()


@pytest.mark.postgres
def test_postgres_from_the_environment(
    pg_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ASSAY_DB", pg_url)
    monkeypatch.setenv("ASSAY_ARTIFACTS", str(tmp_path / "shared"))
    assert upgrade_database() == "0005"
    with open_store() as store:
        assert store.url.startswith("postgresql+psycopg://")
        digest = store.artifacts.put(b"card")
    assert (tmp_path / "shared" / "artifacts" / digest[:2] / digest).exists()


def test_unsupported_urls_are_config_errors(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="SQLite or PostgreSQL"):
        open_store("mysql://root@localhost/db")
    with pytest.raises(ConfigError, match="store URL"):
        open_store("not a url")
