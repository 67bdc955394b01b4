"""The store's change counters: each kind of change moves its own counter in the change's
transaction, and :class:`GenerationReader` reads them all, keeping its connection only
while told to."""

from __future__ import annotations

import threading
import time
from datetime import timedelta

import pytest
import sqlalchemy as sa

from assay.storage import GenerationReader, SqlSessionRepository, Store
from assay.storage._generation import IDENTITIES, bump_generation, generations
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


@pytest.mark.postgres
def test_two_changes_giving_a_missing_counter_its_row_both_succeed(pg_migrated_url: str) -> None:
    """The first changes of a kind on a new database race to insert its counter's row: the
    one that waits for the other's row moves it on instead of failing on the primary key."""
    engine = sa.create_engine(sa.make_url(pg_migrated_url).set(drivername="postgresql+psycopg"))
    failures: list[BaseException] = []
    try:
        with engine.begin() as conn:
            conn.execute(generations.delete().where(generations.c.name == IDENTITIES))
        first, second = engine.connect(), engine.connect()
        waiting_pid = second.execute(sa.text("SELECT pg_backend_pid()")).scalar()
        second.commit()

        def bump_second() -> None:
            try:
                with second.begin():
                    bump_generation(second, IDENTITIES)
            except BaseException as exc:
                failures.append(exc)

        with first.begin():
            bump_generation(first, IDENTITIES)  # inserts the row, not committed yet
            thread = threading.Thread(target=bump_second)
            thread.start()
            _wait_until_blocked(engine, waiting_pid)
        thread.join(30)
        first.close()
        second.close()
        with engine.connect() as conn:
            found = conn.execute(
                sa.select(generations.c.value).where(generations.c.name == IDENTITIES)
            ).scalar()
    finally:
        engine.dispose()
    assert failures == []
    assert found == 2


def _wait_until_blocked(engine: sa.Engine, pid: object) -> None:
    """Until the backend ``pid`` waits for a lock (the first transaction's row); asked on a
    connection of its own, since a transaction sees the activity as it was at its start."""
    query = sa.text("SELECT wait_event_type FROM pg_stat_activity WHERE pid = :pid")
    for _ in range(200):
        with engine.connect() as conn:
            if conn.execute(query, {"pid": pid}).scalar() == "Lock":
                return
        time.sleep(0.05)
    raise AssertionError("the second transaction never waited for the first")
