"""The runs list is served from memory only while the store's runs stay as they were: a run
stored or a tag set by anyone (here another store object on the same database, as the CLI
would) shows in the next answer, over real HTTP."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from assay.server import ServerSettings, create_app
from assay.storage import Store, open_store, runs_generation
from assay.testing import running_server
from assay.testing._stored import make_records, make_run, make_suite_model


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'assay.db'}"
    url: str = request.getfixturevalue("pg_migrated_url")
    return url


@pytest.fixture
def served(database: str, tmp_path: Path) -> Iterator[tuple[FastAPI, str]]:
    with open_store(database, artifacts=str(tmp_path / "files")) as store:
        app = create_app(store, ServerSettings())
        with running_server(app) as url:
            yield app, url


def _ids(url: str, **params: str) -> list[str]:
    found = httpx.get(url + "/api/v1/runs", params=params).json()
    return [item["run_id"] for item in found["items"]]


def test_a_run_or_tag_stored_elsewhere_shows_in_the_next_list(
    served: tuple[FastAPI, str], database: str, tmp_path: Path
) -> None:
    app, url = served
    with open_store(database, artifacts=str(tmp_path / "files")) as writer:
        suite, examples = make_suite_model("cached", n=20, seed=1)
        writer.suites.put(suite, examples)
        writer.runs.put(
            make_run(suite, make_records(20, seed=2), run_id="first", tags={"team": "ranking"}),
            make_records(20, seed=2),
        )
        assert _ids(url) == ["first"]
        assert _ids(url) == ["first"]  # the same answer again, kept
        assert app.state.assay.caches["runs_pages"].pages
        before = _generation(writer)
        second = make_records(20, seed=3)
        writer.runs.put(make_run(suite, second, run_id="second", minutes=1), second)
        assert _generation(writer) == before + 1
        assert _ids(url) == ["second", "first"]
        assert _ids(url, tag="team=search") == []
        writer.runs.tag("first", {"team": "search"})
        assert _ids(url, tag="team=search") == ["first"]
        writer.runs.tag("first", {"team": "search"})  # no change: the counter stands
        assert _generation(writer) == before + 2
        found = httpx.get(url + "/api/v1/runs", params={"tag": "team=search"}).json()
        assert found["items"][0]["tags"]["team"] == "search"


def _generation(store: Store) -> int:
    assert store.engine is not None
    return runs_generation(store.engine)
