"""A listing learns which of its runs were tagged after they were stored from the listing
statement itself (one statement, no second query over the notes), on both backends, whether
the runs were parsed before or not: every listed run is the run ``get`` returns, tags as they
are now, whatever its params, metrics and text."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from assay.core import MetricSummary, RunInfo
from assay.storage import MetricFilter, RunQuery, Store, open_store
from assay.storage import _runs as runs_module
from assay.storage._rows import to_json
from assay.storage._run_query import select_runs
from assay.testing import make_records, make_run
from assay.testing import make_suite_model as make_suite

PARAMS: list[dict[str, str | int | float | bool | None]] = [
    {},
    {"lr": 0.1, "depth": 6},
    {"flag": True, "off": False, "none": None, "big": 2**53 + 1, "neg": -0.0},
    {"prompt": "Réponds : « oui » ou « non » 🙂", "zero": 0, "one": 1.0, "tiny": 5e-324},
]


def _fill(store: Store) -> list[str]:
    """Twelve runs of varied params, tags and metrics (some without interval bounds)."""
    suite, examples = make_suite("qa", seed=1)
    store.suites.put(suite, examples)
    records = make_records(20)
    ids = []
    for i in range(12):
        run = make_run(
            suite,
            records,
            run_id=f"run-{i:02d}",
            accuracy=0.5 + 0.03 * i,
            tags={"stage": "candidate" if i % 2 else "baseline", "note": "ünïcode ✓" * (i % 3)},
            params=PARAMS[i % len(PARAMS)],
            minutes=i,
        )
        if i % 4 == 1:  # an interval that could not be computed
            nan = float("nan")
            unbounded = MetricSummary(estimate=run.metrics["accuracy"].estimate, low=nan, high=nan,
                                      method="none", n=0, n_clusters=None, n_missing=20)  # fmt: skip
            run = run.model_copy(update={"metrics": {**run.metrics, "other": unbounded}})
        store.runs.put(run, records)
        ids.append(run.run_id)
    return ids


def _as_got(store: Store, run_id: str) -> str:
    """The run as ``get`` returns it (tags now), without its manifest, as JSON that keeps NaN
    (which is unequal to itself in a dict)."""
    return to_json(store.runs.get(run_id).info())


def _listing_statements(store: Store) -> list[str]:
    sent: list[str] = []

    def record(conn: object, cursor: object, statement: str, *args: object) -> None:
        if statement != "BEGIN":
            sent.append(statement)

    sa.event.listen(store.engine, "before_cursor_execute", record)
    return sent


QUERIES = [
    RunQuery(),
    RunQuery(tags={"stage": "candidate"}),
    RunQuery(metric_filters=[MetricFilter("accuracy", ">", 0.6)], sort="accuracy"),
    RunQuery(tags={"stage": "candidate"}, metric_filters=[MetricFilter("accuracy", ">", 0.55)]),
]


def test_runs_tagged_later_list_with_their_tags_now(store: Store) -> None:
    ids = _fill(store)
    store.runs.tag("run-03", {"stage": "retired", "new": "x"})
    store.runs.tag("run-06", {"note": "changed ✎"})
    store.runs.tag("run-07", {"stage": "candidate"})  # the value it had: no change
    store.runs.tag("run-10", {"stage": "candidate"})
    for query in QUERIES:
        fresh = runs_module.SqlRunRepository(store.engine, store.runs.files)
        listed = fresh.list(query)  # nothing parsed before
        again = store.runs.list(query)  # runs parsed by the queries before
        assert [to_json(r) for r in listed] == [_as_got(store, r.run_id) for r in listed]
        assert [to_json(r) for r in again] == [to_json(r) for r in listed]
        assert all(type(r) is RunInfo for r in listed)
    everything = {r.run_id: r for r in store.runs.list(RunQuery())}
    assert sorted(everything) == sorted(ids)
    assert everything["run-03"].tags == {"stage": "retired", "note": "", "new": "x"}
    assert everything["run-06"].tags == {"stage": "baseline", "note": "changed ✎"}
    assert everything["run-10"].tags["stage"] == "candidate"
    candidates = [r.run_id for r in store.runs.list(QUERIES[1])]
    assert candidates == ["run-11", "run-10", "run-09", "run-07", "run-05", "run-01"]
    assert everything["run-05"].params == PARAMS[1] and everything["run-02"].params == PARAMS[2]
    assert everything["run-03"].params == PARAMS[3]
    assert everything["run-02"].params["big"] == 2**53 + 1
    assert type(everything["run-02"].params["flag"]) is bool
    other = everything["run-05"].metrics["other"]
    assert other.n_clusters is None and other.low != other.low  # NaN bounds kept


def test_a_first_listing_sends_one_statement_besides_the_runs_counter(store: Store) -> None:
    _fill(store)
    store.runs.tag("run-03", {"stage": "retired"})
    fresh = runs_module.SqlRunRepository(store.engine, store.runs.files)
    sent = _listing_statements(store)
    found = fresh.list(RunQuery(tags={"stage": "retired"}))
    assert [r.run_id for r in found] == ["run-03"]
    assert found[0].tags["stage"] == "retired"
    # the counter, the listing (which says which runs were tagged later) and their tags now
    assert len(sent) == 3, sent
    assert "generations" in sent[0] and "run_notes" in sent[1] and "run_tags" in sent[2]


def _rows_read(plan: dict[str, Any]) -> int:
    """Rows every node of an ``EXPLAIN (ANALYZE, FORMAT JSON)`` plan gave, over all its loops."""
    here = int(plan["Actual Rows"]) * int(plan["Actual Loops"])
    return here + sum(_rows_read(child) for child in plan.get("Plans", []))


@pytest.mark.postgres
def test_the_retagged_column_does_not_rescan_the_notes_per_run(pg_migrated_url: str,
                                                               tmp_path: Path) -> None:  # fmt: skip
    # PostgreSQL hashes an uncorrelated ``IN`` only while the notes fit in work_mem; past that
    # it rescans every tag note for every listed run. The column must look a run's notes up
    # by the (kind, run_id) index instead, however many notes there are.
    store = open_store(pg_migrated_url, artifacts=str(tmp_path / "files"))
    try:
        ids = _fill(store)
        # one run's many notes first: a rescan passes them all for every other run
        for turn in range(30):
            store.runs.tag(ids[0], {f"k{i}": f"{turn}" for i in range(100)})
        for run_id in ids[1:]:
            store.runs.tag(run_id, {f"k{i}": "x" for i in range(100)})
        n_notes = 100 * (30 + len(ids) - 1)
        engine = store.engine
        assert engine is not None
        statement = select_runs(RunQuery()).compile(
            dialect=engine.dialect, compile_kwargs={"literal_binds": True}
        )
        with engine.connect() as conn:
            conn.execute(sa.text("ANALYZE run_notes"))
            conn.execute(sa.text("SET work_mem = '64kB'"))
            conn.execute(sa.text("SET hash_mem_multiplier = 1"))
            plan = conn.execute(sa.text(f"EXPLAIN (ANALYZE, FORMAT JSON) {statement}")).scalar()
            conn.rollback()
            listed = conn.execute(select_runs(RunQuery())).all()
        assert sorted(run_id for run_id, _, _ in listed) == sorted(ids)
        assert all(retagged for _, _, retagged in listed)
        assert plan is not None
        read = _rows_read(plan[0]["Plan"])
        assert read <= n_notes + 4 * len(ids), (read, plan)
    finally:
        store.close()
