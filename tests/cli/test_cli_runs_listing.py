"""`assay runs list` reads an embedded store with sqlite3 alone, and says exactly what the
typed path (SQLAlchemy, pydantic models) says: the same runs, in the same order, byte for byte,
for every filter, sort and limit, and the same error for a name no run has."""

from __future__ import annotations

import itertools
import json
import math
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import assay
import assay.workflows
from assay.cli import main
from assay.errors import AssayError
from assay.storage import RunQuery, list_run_json
from assay.testing import synthetic_records, synthetic_suite

HOSTILE = "qa\x1b[2J\u202e\x07"
"""A suite name with an escape sequence, a bidirectional override and a bell."""


def _log(suite: Any, model: str, seed: int, **kwargs: Any) -> str:
    records = synthetic_records(suite, seed=seed)
    return assay.log_run(records, suite=suite, model=model, **kwargs).run.run_id


@pytest.fixture(scope="module")
def store(module_home: Path) -> Iterator[dict[str, str]]:
    """Seven runs of two suites: several models and versions, tags (one set after storing, one
    with control characters), parameters, proportion, score and latency metrics."""
    home = module_home
    hostile = synthetic_suite(30, name=HOSTILE, metrics=("accuracy", "score"), seed=1)
    bench = synthetic_suite(30, name="bench", metrics=("accuracy", "f1"), seed=2)
    ids = [
        _log(hostile, "m@1", 1, tags={"stage": "candidate"}),
        _log(hostile, "m@2", 2, tags={"stage": "prod", "owner": "q\u202eteam\x1b[31m"}),
        _log(hostile, "other@1", 3, params={"lr": 0.1, "flag": True, "note": None}),
        _log(bench, "m@1", 4, tags={"stage": "candidate"}),
        _log(bench, "m@3", 5),
        _log(bench, "other@2", 6, tags={"z": "1", "a": "2"}),
        _log(bench, "m@4", 7),
    ]
    assay.tag_run(ids[0], {"stage": "retagged", "new": "x"})
    assay.tag_run(ids[5], {"a": "2"})  # set again to its value: the tags do not change
    digest = assay.get_run(ids[3]).suite_digest
    yield {"home": str(home), "bench_digest": digest}


def _outcome(call: Any) -> tuple[str, str]:
    """What a listing gives: its runs as the CLI writes their JSON, or its error."""
    try:
        runs = call()
    except AssayError as exc:
        return type(exc).__name__, str(exc)
    return "runs", json.dumps(runs, indent=2, ensure_ascii=False)


QUERIES = st.fixed_dictionaries(
    {
        "suite": st.sampled_from([None, "bench", HOSTILE, "BENCH", "nosuch", "abcdef", "digest"]),
        "model": st.sampled_from([None, "m", "m@1", "other", "other@2", "nosuch@1"]),
        "tags": st.sampled_from(
            [
                {},
                {"stage": "candidate"},
                {"stage": "retagged"},
                {"new": "x"},
                {"a": "2", "z": "1"},
                {"owner": "q\u202eteam\x1b[31m"},
                {"nokey": "v"},
            ]
        ),
        "where": st.lists(
            st.sampled_from(["accuracy>=0.5", "accuracy<0.5", "score==1", "f1>0", "nosuch>1"]),
            max_size=2,
        ),
        "sort": st.sampled_from(["created_at", "accuracy", "score", "f1", "nosuch"]),
        "descending": st.booleans(),
        "limit": st.sampled_from([None, 1, 2, 5]),
    }
)


def _same_on_both_paths(store: dict[str, str], query: dict[str, Any], opened: Any) -> None:
    if query["suite"] == "digest":
        query = {**query, "suite": store["bench_digest"][:10]}
    plain = _outcome(lambda: assay.workflows.list_runs_json(**query))
    typed = _outcome(
        lambda: [r.model_dump(mode="json") for r in assay.list_runs(store=opened, **query)]
    )
    assert plain == typed


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(query=QUERIES)
def test_the_plain_listing_equals_the_typed_one(store: dict[str, str], query: dict[str, Any]):
    _same_on_both_paths(store, query, assay.open_store())


def test_every_sort_and_limit_lists_alike(store: dict[str, str]):
    # every order of every suite and model, several runs lacking the metric sorted on
    opened = assay.open_store()
    for sort, descending, limit, suite, model in itertools.product(
        ["created_at", "accuracy", "score", "f1", "nosuch"],
        [True, False],
        [None, 1, 2, 5],
        [None, "bench", HOSTILE, "digest"],
        [None, "m", "other@1"],
    ):
        query = {"suite": suite, "model": model, "sort": sort, "descending": descending}
        _same_on_both_paths(store, {**query, "limit": limit}, opened)


def test_the_plain_path_answers_at_the_current_schema(store: dict[str, str]):
    # the comparison above would pass if the plain path always gave way: here it must answer
    for query in (
        RunQuery(),
        RunQuery(sort="accuracy", descending=False, limit=3),
        RunQuery(suite="bench", tags={"stage": "candidate"}),
    ):
        found = list_run_json(query)
        assert found is not None
        assert [r["run_id"] for r in found] == [
            r.run_id for r in assay.open_store().runs.list(query)
        ]
    everything = list_run_json(RunQuery())
    assert everything is not None and len(everything) == 7
    retagged = [r for r in everything if r["tags"].get("new") == "x"]
    assert [r["tags"] for r in retagged] == [{"stage": "retagged", "new": "x"}]
    assert any(r["params"] == {"lr": 0.1, "flag": True, "note": None} for r in everything)
    assert all(r["created_at"].endswith("Z") for r in everything)
    assert not any(math.isnan(m["estimate"]) for r in everything for m in r["metrics"].values())


def test_the_plain_path_gives_way_to_anything_else(
    store: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    assert list_run_json(RunQuery(sort="nosuch")) is None  # the typed path says why
    assert list_run_json(RunQuery(), url="sqlite://") is None  # in memory
    assert list_run_json(RunQuery(), url="postgresql://u@h/db") is None
    assert list_run_json(RunQuery(), url=f"sqlite:///{tmp_path}/missing.db") is None
    not_a_database = tmp_path / "junk.db"
    not_a_database.write_bytes(b"not a database at all" * 100)
    assert list_run_json(RunQuery(), url=f"sqlite:///{not_a_database}") is None
    assert not (tmp_path / "missing.db").exists()  # nothing was created
    database = Path(store["home"]) / "assay.db"
    assert list_run_json(RunQuery(), url=f"sqlite:///{database}") is not None
    monkeypatch.setenv("ASSAY_ARTIFACTS", store["home"])
    assert list_run_json(RunQuery()) is None


ARGVS = [
    [],
    ["--json"],
    ["--format", "plain"],
    ["--format", "csv"],
    ["--suite", "bench", "--sort", "f1", "--ascending"],
    ["--model", "m", "--where", "accuracy>=0.5", "--limit", "2"],
    ["--tag", "stage=retagged", "--json"],
    ["--where", "nosuch>1"],
    ["--sort", "acuracy"],
    ["--tag", "nokey=v", "--json"],
    ["--where", "accuracy>2", "--json"],
]


def _cli(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(["runs", "list", *argv])
    out = capsys.readouterr()
    return code, out.out, out.err


@pytest.mark.parametrize("argv", ARGVS, ids=" ".join)
def test_the_command_writes_the_same_bytes_on_both_paths(
    store: dict[str, str],
    argv: list[str],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
):
    plain = _cli(argv, capsys)
    # the same store, its files named explicitly: the typed path reads it
    monkeypatch.setenv("ASSAY_ARTIFACTS", store["home"])
    typed = _cli(argv, capsys)
    assert plain == typed
    assert plain[1] or plain[2]  # something was said


@pytest.mark.parametrize("argv", [[], ["--json"], ["--where", "nosuch>1"], ["--sort", "x"]])
def test_an_empty_store_lists_nothing_on_both_paths(
    home: Path, argv: list[str], capsys: pytest.CaptureFixture[str], monkeypatch
):
    assay.open_store()  # creates the database at the current schema
    plain = _cli(argv, capsys)
    assert list_run_json(RunQuery()) == []
    monkeypatch.setenv("ASSAY_ARTIFACTS", str(home / ".assay"))
    assert plain == _cli(argv, capsys)
    assert plain[0] == 0
