"""Listing runs: filters on suite, model, tags and metric estimates; sorting and limits."""

from __future__ import annotations

import pytest

from assay.core import MetricSummary
from assay.errors import ConfigError, ParameterError
from assay.storage import MetricFilter, RunQuery, Store
from assay.storage._query import Operator
from assay.storage._run_listing import list_run_json
from assay.testing import make_records, make_run
from assay.testing import make_suite_model as make_suite


@pytest.fixture
def populated(store: Store) -> Store:
    """Eight runs over two suites, two models, tags and accuracies 0.50 ... 0.85."""
    qa, qa_examples = make_suite("qa", seed=1)
    other, other_examples = make_suite("reading", seed=2)
    store.suites.put(qa, qa_examples)
    store.suites.put(other, other_examples)
    records = make_records(20)
    for i in range(8):
        suite = qa if i < 6 else other
        model = "clf@1" if i % 2 == 0 else "clf@2" if i < 4 else "big@1"
        tags = {"stage": "candidate" if i % 3 == 0 else "baseline", "team": "x"}
        run = make_run(
            suite,
            records,
            run_id=f"run-{i}",
            model=model,
            accuracy=0.5 + 0.05 * i,
            tags=tags,
            minutes=i,
        )
        store.runs.put(run, records)
    return store


def ids(store: Store, query: RunQuery) -> list[str]:
    return [r.run_id for r in store.runs.list(query)]


def test_default_is_newest_first(populated: Store) -> None:
    assert ids(populated, RunQuery()) == [f"run-{i}" for i in range(7, -1, -1)]
    assert ids(populated, RunQuery(descending=False, limit=3)) == ["run-0", "run-1", "run-2"]


def test_suite_by_name_or_digest_prefix(populated: Store) -> None:
    assert ids(populated, RunQuery(suite="reading")) == ["run-7", "run-6"]
    digest = populated.suites.get("reading").digest
    assert ids(populated, RunQuery(suite=digest[:8])) == ["run-7", "run-6"]
    assert ids(populated, RunQuery(suite="nothing")) == []


def test_model_by_name_or_version(populated: Store) -> None:
    assert ids(populated, RunQuery(model="clf", descending=False)) == [
        "run-0",
        "run-1",
        "run-2",
        "run-3",
        "run-4",
        "run-6",
    ]
    assert ids(populated, RunQuery(model="clf@2", descending=False)) == ["run-1", "run-3"]
    assert ids(populated, RunQuery(model="big@1", descending=False)) == ["run-5", "run-7"]


def test_tags_must_all_match(populated: Store) -> None:
    assert ids(populated, RunQuery(tags={"stage": "candidate"}, descending=False)) == [
        "run-0",
        "run-3",
        "run-6",
    ]
    assert ids(populated, RunQuery(tags={"stage": "candidate", "team": "x"}, descending=False)) == [
        "run-0",
        "run-3",
        "run-6",
    ]
    assert ids(populated, RunQuery(tags={"stage": "candidate", "team": "y"})) == []


THRESHOLDS: list[tuple[Operator, float, list[str]]] = [
    (">", 0.72, ["run-5", "run-6", "run-7"]),
    (">=", 0.74, ["run-5", "run-6", "run-7"]),
    ("<", 0.57, ["run-0", "run-1"]),
    ("<=", 0.61, ["run-0", "run-1", "run-2"]),
    ("==", 0.5, ["run-0"]),
    (">=", 0.5, [f"run-{i}" for i in range(8)]),
    (">", 0.5, [f"run-{i}" for i in range(1, 8)]),
    ("<=", 0.5, ["run-0"]),
    ("<", 0.5, []),
]


def test_metric_thresholds(populated: Store) -> None:
    for op, value, expected in THRESHOLDS:
        query = RunQuery(metric_filters=[MetricFilter("accuracy", op, value)], descending=False)
        assert ids(populated, query) == expected, (op, value)


def test_filters_combine(populated: Store) -> None:
    query = RunQuery(
        suite="qa",
        tags={"stage": "baseline"},
        metric_filters=[MetricFilter("accuracy", ">", 0.57), MetricFilter("latency", "<", 25.0)],
        descending=False,
    )
    assert ids(populated, query) == ["run-2", "run-4", "run-5"]
    # a metric no run has is a misspelling, not an empty answer
    with pytest.raises(ConfigError, match="no run has a metric 'unknown'"):
        ids(populated, RunQuery(metric_filters=[MetricFilter("unknown", ">", 0)]))


def test_every_mix_of_filters_lists_what_filtering_every_run_gives(
    populated: Store, store_url: str
) -> None:
    # One subquery walks the first filter's index and tests the others' lists: any number of
    # metric filters (two on one metric: a range) and tags lists exactly the runs that pass
    # all, in order, through the typed listing and through the CLI's sqlite3 reader alike.
    every = populated.runs.list(RunQuery(descending=False))
    metric_filters = [
        [],
        [MetricFilter("accuracy", ">", 0.52)],
        [MetricFilter("accuracy", ">=", 0.55), MetricFilter("accuracy", "<", 0.8)],
        [MetricFilter("latency", "<", 25.0), MetricFilter("accuracy", "<=", 0.75)],
    ]
    tag_sets: list[dict[str, str]] = [
        {},
        {"stage": "baseline"},
        {"team": "x", "stage": "candidate"},
    ]
    for filters in metric_filters:
        for tags in tag_sets:
            query = RunQuery(tags=tags, metric_filters=filters, descending=False)
            expected = [
                r.run_id
                for r in every
                if all(r.tags.get(k) == v for k, v in tags.items())
                and all(_passes(r.metrics[f.metric].estimate, f.op, f.value) for f in filters)
            ]
            assert ids(populated, query) == expected, (filters, tags)
            if store_url.startswith("sqlite"):
                listed = list_run_json(query, url=store_url, env={})
                assert listed is not None and [r["run_id"] for r in listed] == expected


def _passes(estimate: float, op: Operator, value: float) -> bool:
    return {
        ">": estimate > value,
        ">=": estimate >= value,
        "<": estimate < value,
        "<=": estimate <= value,
        "==": estimate == value,
    }[op]


def test_sort_by_metric_with_missing_values_last(populated: Store) -> None:
    assert ids(populated, RunQuery(sort="accuracy", limit=2)) == ["run-7", "run-6"]
    assert ids(populated, RunQuery(sort="accuracy", descending=False, limit=2)) == [
        "run-0",
        "run-1",
    ]
    suite = populated.suites.get("qa")
    records = make_records(20, seed=9)
    run = make_run(suite, records, run_id="no-accuracy", minutes=100)
    run = run.model_copy(
        update={"metrics": {"latency": MetricSummary(estimate=1, low=0, high=2, method="t", n=20)}}
    )
    populated.runs.put(run, records)
    assert ids(populated, RunQuery(sort="accuracy"))[-1] == "no-accuracy"
    assert ids(populated, RunQuery(sort="accuracy", descending=False))[-1] == "no-accuracy"


def test_query_arguments_are_checked() -> None:
    with pytest.raises(ParameterError, match="'op' parameter of MetricFilter"):
        MetricFilter("accuracy", "!=", 0.5)  # type: ignore[arg-type]
    with pytest.raises(ParameterError, match="'limit' parameter of RunQuery"):
        RunQuery(limit=0)
    assert MetricFilter.parse(" accuracy >= 0.8 ") == MetricFilter("accuracy", ">=", 0.8)
    with pytest.raises(ParameterError, match="'filter' parameter"):
        MetricFilter.parse("accuracy ~ high")
