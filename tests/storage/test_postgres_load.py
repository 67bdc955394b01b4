"""PostgreSQL under load: 16 writers and 16 readers on one server, each with its own store.

Writers store runs (a record file and one transaction each) and decisions with an approval
(ledger entries, serialised by the ledger's advisory lock); readers list runs, read records,
list decisions and verify the ledger. Afterwards every write is there exactly once, the ledger
is one unbroken chain that verifies, and no client failed (a deadlock would fail one).

The test runs for 5 s; ``ASSAY_LOAD_SECONDS=60`` runs it for a minute.
"""

from __future__ import annotations

import itertools
import os
import threading
import time
from pathlib import Path

import pytest

from assay.core import RunInfo
from assay.storage import RunQuery, open_store
from assay.testing import make_approval, make_decision, make_records, make_run, make_suite_model

WRITERS = 16
READERS = 16


@pytest.mark.slow
@pytest.mark.postgres
def test_sixteen_writers_and_sixteen_readers(pg_migrated_url: str, tmp_path: Path) -> None:
    seconds = float(os.environ.get("ASSAY_LOAD_SECONDS", "5"))
    url, files = pg_migrated_url, str(tmp_path / "files")
    suite, examples = make_suite_model("qa")
    records = make_records(50, seed=1)
    with open_store(url, artifacts=files) as store:
        store.suites.put(suite, examples)
        for i in range(2):
            store.runs.put(make_run(suite, records, run_id=f"run-{i}", params={"i": i}), records)
    runs_written: list[list[str]] = [[] for _ in range(WRITERS)]
    decisions_written: list[list[str]] = [[] for _ in range(WRITERS)]
    reads = [0] * READERS
    failures: list[BaseException] = []
    start = threading.Barrier(WRITERS + READERS + 1)  # and this thread, which starts the clock
    deadline = [float("inf")]

    def write(w: int) -> None:
        try:
            with open_store(url, artifacts=files) as store:
                start.wait(120)
                for i in itertools.count():
                    if time.monotonic() > deadline[0]:
                        return
                    run_id = f"w{w:02d}-r{i:05d}"
                    run = make_run(suite, records, run_id=run_id, params={"w": w, "i": i})
                    stored, created = store.runs.put(run, records)
                    assert created and stored.run_id == run_id
                    runs_written[w].append(run_id)
                    decision_id = f"w{w:02d}-d{i:05d}"
                    store.decisions.put(make_decision("run-0", "run-1", decision_id=decision_id))
                    store.decisions.approve(decision_id, make_approval(f"role-{w}"))
                    decisions_written[w].append(decision_id)
        except BaseException as exc:
            failures.append(exc)

    def read(r: int) -> None:
        try:
            with open_store(url, artifacts=files) as store:
                start.wait(120)
                while time.monotonic() < deadline[0]:
                    listed = store.runs.list(RunQuery(limit=20))
                    assert listed and all(isinstance(i, RunInfo) for i in listed)
                    assert store.runs.records(listed[-1].run_id).num_rows == 50
                    store.decisions.list(limit=20)
                    if reads[r] % 10 == 0:
                        assert store.decisions.verify().ok
                    reads[r] += 1
        except BaseException as exc:
            failures.append(exc)

    threads = [threading.Thread(target=write, args=(w,)) for w in range(WRITERS)]
    threads += [threading.Thread(target=read, args=(r,)) for r in range(READERS)]
    for thread in threads:
        thread.start()
    start.wait(120)  # every client has its own connection now
    deadline[0] = time.monotonic() + seconds
    for thread in threads:
        thread.join(seconds + 300)
    assert not any(t.is_alive() for t in threads), "a client hung (deadlock?)"
    assert not failures, failures[:3]

    expected_runs = sorted(itertools.chain(*runs_written))
    expected_decisions = sorted(itertools.chain(*decisions_written))
    assert all(runs_written) and all(reads)  # every client did work
    with open_store(url, artifacts=files) as store:
        stored = [i.run_id for i in store.runs.list(RunQuery(limit=None))]
        assert sorted(stored) == sorted([*expected_runs, "run-0", "run-1"])  # none lost, no twin
        decisions = sorted(d.decision_id for d in store.decisions.list())
        assert decisions == expected_decisions
        entries = store.decisions.ledger()
        assert [e.sequence for e in entries] == list(range(1, 2 * len(decisions) + 1))
        for before, after in itertools.pairwise(entries):
            assert after.previous_hash == before.entry_hash
        verified = store.decisions.verify()
        assert verified.ok and verified.entries == len(entries)
