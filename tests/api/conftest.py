"""Fixtures shared by the API tests."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from assay.storage import Store, open_store
from assay.testing import make_records, make_run, make_suite_model


@pytest.fixture
def two_stored_runs(tmp_path: Path) -> Iterator[tuple[Store, list[str]]]:
    """An embedded store with one 40-example suite and two 30-record runs of it (their ids)."""
    store = open_store(f"sqlite:///{tmp_path / 'db' / 'assay.db'}", artifacts=str(tmp_path / "f"))
    suite, examples = make_suite_model(n=40)
    store.suites.put(suite, examples)
    ids = []
    for i in range(2):
        records = make_records(30, seed=i)
        run = make_run(suite, records, model=f"clf@{i}", minutes=i)
        ids.append(store.runs.put(run, records)[0].run_id)
    yield store, ids
    store.close()
