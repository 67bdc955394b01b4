"""Writers appending to one ledger at once all succeed, and the chain stays one line."""

from __future__ import annotations

import itertools
import multiprocessing
import threading
from pathlib import Path
from typing import Any

import pytest

from assay.storage import Store, open_store
from assay.testing import make_approval, make_decision, store_runs

DECISIONS_PER_WRITER = 10


def _append(url: str, files: str, writer: int, barrier: Any) -> None:
    with open_store(url, artifacts=files) as store:
        barrier.wait(60)
        for i in range(DECISIONS_PER_WRITER):
            decision_id = f"w{writer}-{i:02d}"
            store.decisions.put(make_decision("run-0", "run-1", decision_id=decision_id, minutes=i))
            store.decisions.approve(decision_id, make_approval(f"role-{writer}"))


def _check_ledger(store: Store, writers: int) -> None:
    entries = store.decisions.ledger()
    total = writers * 2 * DECISIONS_PER_WRITER
    assert [e.sequence for e in entries] == list(range(1, total + 1))
    for before, after in itertools.pairwise(entries):
        assert after.previous_hash == before.entry_hash
    assert len(store.decisions.list()) == writers * DECISIONS_PER_WRITER
    for writer in range(1, writers + 1):
        mine = [e.decision_id for e in entries if e.decision_id.startswith(f"w{writer}-")]
        # Each writer's decision comes before its approval, and its decisions in order.
        expected = [f"w{writer}-{i:02d}" for i in range(DECISIONS_PER_WRITER)]
        assert mine == [d for d in expected for _ in range(2)]
    verification = store.decisions.verify()
    assert (verification.ok, verification.entries) == (True, total)


@pytest.mark.slow
def test_two_processes_append_to_one_sqlite_ledger(sqlite_url: str, tmp_path: Path) -> None:
    files = str(tmp_path / "files")
    with open_store(sqlite_url, artifacts=files) as store:
        store_runs(store, 2)
    context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(2)
    writers = [
        context.Process(target=_append, args=(sqlite_url, files, w, barrier)) for w in (1, 2)
    ]
    for process in writers:
        process.start()
    for process in writers:
        process.join(180)
    assert [p.exitcode for p in writers] == [0, 0]
    with open_store(sqlite_url, artifacts=files) as store:
        _check_ledger(store, 2)


def test_concurrent_connections_append_to_one_ledger(store_url: str, tmp_path: Path) -> None:
    """Each thread has its own store, so its own database connection and transactions."""
    files = str(tmp_path / "files")
    with open_store(store_url, artifacts=files) as store:
        store_runs(store, 2)
    barrier = threading.Barrier(3)
    failures: list[BaseException] = []

    def write(writer: int) -> None:
        try:
            _append(store_url, files, writer, barrier)
        except BaseException as exc:
            failures.append(exc)

    threads = [threading.Thread(target=write, args=(w,)) for w in (1, 2, 3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert failures == []
    with open_store(store_url, artifacts=files) as store:
        _check_ledger(store, 3)
