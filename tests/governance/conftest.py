"""Stores for the study tests: a real SQLite file and the real PostgreSQL server."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from assay.storage import Store, open_store


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def study_store(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Store]:
    """An empty, migrated store of each backend, with its files in a temporary folder."""
    monkeypatch.chdir(tmp_path)
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'db' / 'assay.db'}"
    else:
        url = request.getfixturevalue("pg_migrated_url")
    opened = open_store(url, artifacts=str(tmp_path / "files"))
    yield opened
    opened.close()
