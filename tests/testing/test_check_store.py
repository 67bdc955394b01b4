"""The storage protocols' conformance check, on SQLite and on the PostgreSQL server."""

from __future__ import annotations

from pathlib import Path

import pytest

from assay.storage import open_store
from assay.testing import check_store


def test_sqlite_store_conforms_twice_over(tmp_path: Path) -> None:
    with open_store(f"sqlite:///{tmp_path / 'assay.db'}", artifacts=str(tmp_path / "files")) as st:
        check_store(st)
        check_store(st)  # fresh ids each time: a store that holds data conforms too


@pytest.mark.postgres
def test_postgresql_store_conforms(pg_migrated_url: str, tmp_path: Path) -> None:
    with open_store(pg_migrated_url, artifacts=str(tmp_path / "files")) as st:
        check_store(st)


def test_a_store_that_forgets_immutability_fails(tmp_path: Path) -> None:
    class Forgetful:
        """Runs that can be overwritten: put never refuses a change."""

        def __init__(self, runs: object) -> None:
            self._runs = runs

        def __getattr__(self, name: str) -> object:
            return getattr(self._runs, name)

        def put(self, run, records):  # type: ignore[no-untyped-def]
            try:
                return self._runs.put(run, records)  # type: ignore[attr-defined]
            except Exception:
                return run, False

    with open_store(f"sqlite:///{tmp_path / 'assay.db'}", artifacts=str(tmp_path / "files")) as st:
        st.runs = Forgetful(st.runs)  # type: ignore[assignment]
        with pytest.raises(AssertionError, match="changing a stored run did not raise"):
            check_store(st)
