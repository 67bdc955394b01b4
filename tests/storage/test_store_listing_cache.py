"""Listings reuse what earlier listings parsed and the statements they built; what they
return must be exactly what a fresh store returns, whatever was listed before."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from assay.storage import MetricFilter, RunQuery, Store, open_store
from assay.storage import _run_infos as infos_module
from assay.storage import _runs as runs_module
from assay.testing import make_records, make_run
from assay.testing import make_suite_model as make_suite


@pytest.fixture
def filled(store: Store) -> Store:
    """Twelve runs; accuracies 0.50 ... 0.83; stage candidate on every third."""
    suite, examples = make_suite("qa", seed=1)
    store.suites.put(suite, examples)
    records = make_records(20)
    for i in range(12):
        run = make_run(
            suite,
            records,
            run_id=f"run-{i:02d}",
            model="clf@1" if i % 2 else "big@2",
            accuracy=0.5 + 0.03 * i,
            tags={"stage": "candidate" if i % 3 == 0 else "baseline"},
            minutes=i,
        )
        store.runs.put(run, records)
    return store


QUERIES = [
    RunQuery(),
    RunQuery(limit=3),
    RunQuery(descending=False, limit=5),
    RunQuery(tags={"stage": "candidate"}),
    RunQuery(metric_filters=[MetricFilter("accuracy", ">", 0.6)]),
    RunQuery(metric_filters=[MetricFilter("accuracy", ">", 0.7)]),
    RunQuery(metric_filters=[MetricFilter("accuracy", ">=", 1)]),
    RunQuery(metric_filters=[MetricFilter("accuracy", "<", 1.0)]),
    RunQuery(tags={"stage": "baseline"}, metric_filters=[MetricFilter("accuracy", "<", 0.7)]),
    RunQuery(model="clf@1", sort="accuracy"),
    RunQuery(model="big", sort="accuracy", descending=False, limit=4),
]


def _fresh(store: Store, query: RunQuery) -> list[dict[str, object]]:
    """What a repository that has listed nothing before returns."""
    again = runs_module.SqlRunRepository(store.engine, store.runs.files)
    return [r.model_dump() for r in again.list(query)]


def test_every_listing_order_gives_what_a_fresh_store_gives(filled: Store) -> None:
    expected = [_fresh(filled, q) for q in QUERIES]
    # forwards, then backwards: each query meets a cache filled by different earlier ones
    for order in (range(len(QUERIES)), reversed(range(len(QUERIES)))):
        for i in order:
            assert [r.model_dump() for r in filled.runs.list(QUERIES[i])] == expected[i]
    counts = [len(e) for e in expected]
    assert counts[1] == 3 and counts[3] == 4 and counts[6] == 0
    assert counts[4] == sum(1 for i in range(12) if 0.5 + 0.03 * i > 0.6)
    assert counts[5] == sum(1 for i in range(12) if 0.5 + 0.03 * i > 0.7)


def test_thresholds_are_not_taken_from_an_earlier_statement(filled: Store) -> None:
    above = {0.55: 0, 0.65: 0, 0.75: 0}
    for threshold in above:
        found = filled.runs.list(
            RunQuery(metric_filters=[MetricFilter("accuracy", ">", threshold)])
        )
        above[threshold] = len(found)
        assert all(r.metrics["accuracy"].estimate > threshold for r in found)
    assert above == {t: sum(1 for i in range(12) if 0.5 + 0.03 * i > t) for t in above}


def test_a_full_cache_keeps_the_runs_being_listed(
    filled: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    expected = _fresh(filled, RunQuery())
    monkeypatch.setattr(infos_module, "CACHED_INFOS", 5)
    filled.runs.list(RunQuery(limit=4))
    assert [r.model_dump() for r in filled.runs.list(RunQuery())] == expected
    assert [r.model_dump() for r in filled.runs.list(RunQuery(descending=False))] == expected[::-1]


def test_retagged_runs_show_their_tags_now_from_the_cache(filled: Store) -> None:
    candidates = RunQuery(tags={"stage": "candidate"})
    assert len(filled.runs.list(candidates)) == 4
    filled.runs.tag("run-03", {"stage": "retired"})
    listed = filled.runs.list(candidates)
    assert [r.run_id for r in listed] == ["run-09", "run-06", "run-00"]
    everything = {r.run_id: r for r in filled.runs.list(RunQuery())}
    assert everything["run-03"].tags["stage"] == "retired"
    assert [r.model_dump() for r in everything.values()] == _fresh(filled, RunQuery())


def test_many_runs_missing_from_the_cache_are_read_in_chunks(
    filled: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(infos_module, "_IDS_PER_QUERY", 5)
    filled.runs.list(RunQuery(limit=1))
    assert [r.model_dump() for r in filled.runs.list(RunQuery())] == _fresh(filled, RunQuery())


def _statements(store: Store) -> list[str]:
    """Every statement the store's engine sends from now on."""
    sent: list[str] = []

    def record(conn: object, cursor: object, statement: str, *args: object) -> None:
        if statement != "BEGIN":  # SQLite's transactions are begun by a statement of their own
            sent.append(statement)

    sa.event.listen(store.engine, "before_cursor_execute", record)
    return sent


def test_a_repeated_listing_reads_only_the_runs_counter(filled: Store) -> None:
    query = RunQuery(tags={"stage": "candidate"}, metric_filters=[MetricFilter("accuracy", ">", 0)])
    first = filled.runs.list(query)
    sent = _statements(filled)
    again = filled.runs.list(query)
    assert [r.model_dump() for r in again] == [r.model_dump() for r in first]
    assert len(sent) == 1 and "generations" in sent[0], sent
    again.clear()  # the caller's list is its own
    assert [r.run_id for r in filled.runs.list(query)] == [r.run_id for r in first]


def test_a_listing_kept_in_memory_sees_what_another_process_stores(
    filled: Store, store_url: str, tmp_path: Path
) -> None:
    """Another store on the same database (as another process would be) stores a run and
    retags one; the listings kept by the first store are read again, not served stale."""
    candidates = RunQuery(tags={"stage": "candidate"})
    best = RunQuery(metric_filters=[MetricFilter("accuracy", ">", 0.8)], sort="accuracy")
    assert [r.run_id for r in filled.runs.list(candidates)] == [
        "run-09", "run-06", "run-03", "run-00"
    ]  # fmt: skip
    assert [r.run_id for r in filled.runs.list(best)] == ["run-11"]
    other = open_store(store_url, artifacts=str(tmp_path / "files"))
    try:
        suite = other.suites.list()[0]
        records = make_records(20)
        run = make_run(
            suite, records, run_id="run-new", accuracy=0.9, tags={"stage": "candidate"}, minutes=60
        )
        other.runs.put(run, records)
        other.runs.tag("run-03", {"stage": "retired"})
    finally:
        other.close()
    assert [r.run_id for r in filled.runs.list(candidates)] == [
        "run-new", "run-09", "run-06", "run-00"
    ]  # fmt: skip
    assert [r.run_id for r in filled.runs.list(best)] == ["run-new", "run-11"]
    for query in (candidates, best, RunQuery()):
        assert [r.model_dump() for r in filled.runs.list(query)] == _fresh(filled, query)


def test_a_listing_parses_without_young_collections_and_puts_the_collector_back(filled):
    import gc

    before = gc.get_threshold()
    seen: list[tuple[int, ...]] = []
    parse = infos_module._RUN_INFOS.validate_json

    class Watching:
        def validate_json(self, text: str) -> object:
            seen.append(gc.get_threshold())
            return parse(text)

    infos_module._RUN_INFOS, original = Watching(), infos_module._RUN_INFOS  # type: ignore[assignment]
    try:
        fresh = open_store(filled.url)
        listed = fresh.runs.list(RunQuery())
        fresh.close()
    finally:
        infos_module._RUN_INFOS = original
    assert len(listed) == 12
    assert seen and seen[0][0] >= 200_000  # the youngest generation left alone meanwhile
    assert gc.get_threshold() == before
