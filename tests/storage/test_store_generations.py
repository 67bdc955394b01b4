"""The store's change counters: each kind of change moves its own counter in the change's
transaction, and :class:`GenerationReader` reads them all, keeping its connection only
while told to."""

from __future__ import annotations

from datetime import timedelta

from assay.storage import GenerationReader, SqlSessionRepository, Store
from assay.testing._stored import make_records, make_run, make_suite_model


def _pool_out(store: Store) -> int:
    assert store.engine is not None
    pool = store.engine.pool
    return int(pool.checkedout()) if hasattr(pool, "checkedout") else 0


def test_each_change_moves_its_own_counter(store: Store) -> None:
    assert store.engine is not None and store.users is not None
    reader = GenerationReader(store.engine)
    runs, ids, fails = reader.RUNS, reader.IDENTITIES, reader.FAILURES
    start = reader.read()
    suite, _ = make_suite_model("counted", n=10, seed=1)
    store.suites.put(suite, make_suite_model("counted", n=10, seed=1)[1])
    store.runs.put(make_run(suite, make_records(10, seed=2), run_id="r1"), make_records(10, seed=2))
    after_run = reader.read()
    assert after_run.get(runs, 0) == start.get(runs, 0) + 1
    assert after_run.get(ids, 0) == start.get(ids, 0)
    token = store.users.add("ann", "viewer").token  # a new user outdates nothing known
    assert reader.read().get(ids, 0) == start.get(ids, 0)
    store.users.revoke(token)
    revoked = reader.read().get(ids, 0)
    assert revoked == start.get(ids, 0) + 1
    store.users.revoke(token)  # revoked already: nothing changes
    assert reader.read().get(ids, 0) == revoked
    store.users.remove("ann")
    assert reader.read().get(ids, 0) == revoked + 1
    sessions = SqlSessionRepository(store.engine)
    sessions.record_failure("10.0.0.1", timedelta(minutes=1))
    assert reader.read().get(fails, 0) == start.get(fails, 0) + 1
    assert reader.read().get(runs, 0) == after_run.get(runs, 0)


def test_the_reader_keeps_its_connection_only_while_told(store: Store) -> None:
    assert store.engine is not None
    reader = GenerationReader(store.engine)
    before = _pool_out(store)
    reader.read(lambda: True)
    assert _pool_out(store) == before + 1  # kept for the next read
    reader.read(lambda: True)
    assert _pool_out(store) == before + 1  # the same one
    reader.read(lambda: False)
    assert _pool_out(store) == before
    reader.read(lambda: True)
    reader.release()
    assert _pool_out(store) == before
