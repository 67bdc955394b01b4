"""Stores for the storage tests: a real SQLite file, and the real PostgreSQL server.

The PostgreSQL fixtures live in ``tests/conftest.py``: ``pg_url`` is a fresh, empty schema
(for the migration tests), ``pg_migrated_url`` the session's migrated schema emptied for each
test, so the schema is migrated once per session instead of once per test.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from assay.storage import Store, open_store


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    """A SQLite file that does not exist yet."""
    return f"sqlite:///{tmp_path / 'db' / 'assay.db'}"


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A migrated, empty database of each backend."""
    if request.param == "sqlite":
        url: str = request.getfixturevalue("sqlite_url")
    else:
        url = request.getfixturevalue("pg_migrated_url")
    return url


@pytest.fixture
def store(store_url: str, tmp_path: Path) -> Iterator[Store]:
    """An empty store of each backend, with its files in a temporary folder."""
    opened = open_store(store_url, artifacts=str(tmp_path / "files"))
    yield opened
    opened.close()
