"""Writers and readers in separate processes against one PostgreSQL store: nothing lost, no
deadlock, no duplicate, and the ledger still verifying.

Short by default (8 s, 4 writers and 4 readers, for a 2-core machine); the full load is
``ASSAY_PG_LOAD_SECONDS=60 ASSAY_PG_LOAD_WORKERS=16`` (16 writers and 16 readers).
``benchmarks/bench_pg_load.py`` times the same load.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from assay.storage import open_store
from assay.testing._store_load import LoadPlan, prepare_store, run_load
from assay.testing._store_load_check import load_problems, load_summary

SECONDS = float(os.environ.get("ASSAY_PG_LOAD_SECONDS", "8"))
WORKERS = int(os.environ.get("ASSAY_PG_LOAD_WORKERS", "4"))


@pytest.mark.slow
@pytest.mark.postgres
def test_writers_and_readers_lose_and_duplicate_nothing(
    pg_migrated_url: str, tmp_path: Path
) -> None:
    files = str(tmp_path / "files")
    prepare_store(pg_migrated_url, files)
    plan = LoadPlan(pg_migrated_url, files, WORKERS, WORKERS, SECONDS, tmp_path / "reports")
    reports, codes = run_load(plan)
    summary = load_summary(reports, SECONDS)
    with open_store(pg_migrated_url, artifacts=files) as store:
        problems = load_problems(store, reports, codes, 2 * WORKERS)
    assert problems == []
    assert summary["errors"] == {"n": 0, "deadlocks": 0}
    # every kind of operation ran, so each check above had something to check
    kinds = {"run", "tag", "decision", "approval", "list", "page", "records", "decisions"}
    assert kinds | {"verify"} <= set(summary), summary
    shared = {key for r in reports for key in r.shared}
    assert shared, "no run had content another writer stored too"
