"""Every dashboard page over real HTTP (uvicorn on loopback), and the static route refusing
anything outside its folder whatever the raw request path."""

from __future__ import annotations

import http.client
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from dashboard_store import DashboardData, fill_dashboard_store

from assay.server import ServerSettings, create_app
from assay.storage import Store, open_store
from assay.testing import running_server


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Store, DashboardData]]:
    root: Path = tmp_path_factory.mktemp("http")
    with open_store(f"sqlite:///{root / 'assay.db'}") as store:
        data = fill_dashboard_store(store, root / "reports")
        with running_server(create_app(store, ServerSettings())) as url:
            yield url, store, data


def test_every_page_answers_over_http(served: tuple[str, Store, DashboardData]) -> None:
    url, store, d = served
    suite = store.suites.list()[0].digest
    paths = [
        "/",
        "/runs?sort=-metric:accuracy&model=base",
        f"/runs/{d.candidate}",
        f"/runs/{d.candidate}/records?slice=lang%3Dde&error=false&q=a",
        f"/compare?baseline={d.baseline}&candidate={d.candidate}&candidate={d.baseline}",
        f"/compare/examples?baseline={d.baseline}&candidate={d.candidate}&metric=score&kind=unchanged",
        "/decisions?verdict=INCONCLUSIVE",
        f"/decisions/{d.decision}",
        "/suites",
        f"/suites/{suite}",
        "/experiments",
    ]
    for path in paths:
        with urllib.request.urlopen(url + path) as response:
            html = response.read().decode()
            assert response.status == 200, path
            assert response.headers["content-type"].startswith("text/html"), path
            assert html.startswith("<!doctype html>") and html.endswith("</html>"), path
    with urllib.request.urlopen(f"{url}/runs?model=base") as response:
        assert d.baseline in response.read().decode()


def test_two_candidates_get_a_section_each(served: tuple[str, Store, DashboardData]) -> None:
    url, _, d = served
    query = urllib.parse.urlencode(
        [("baseline", d.baseline), ("candidate", d.candidate), ("candidate", d.baseline)]
    )
    with urllib.request.urlopen(f"{url}/compare?{query}") as response:
        html = response.read().decode()
    assert 'id="c1"' in html and 'id="c2"' in html and "with 2 candidates" in html
    assert "the same run" in html  # the library's warning, shown on the page


@pytest.mark.parametrize(
    "raw",
    [
        "/static/../_pages.py",
        "/static/..%2F_pages.py",
        "/static/%2e%2e/%2e%2e/pyproject.toml",
        "/static/..\\_layout.py",
        "/static/app.css/../../_app.py",
        "/static//etc/passwd",
        "/static/%00app.css",
    ],
)
def test_static_route_never_leaves_its_folder(
    served: tuple[str, Store, DashboardData], raw: str
) -> None:
    host, port = urllib.parse.urlsplit(served[0]).netloc.split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=10)
    conn.putrequest("GET", raw, skip_accept_encoding=True)
    conn.endheaders()
    response = conn.getresponse()
    body = response.read()
    conn.close()
    assert response.status == 404, raw
    assert b"import" not in body and b"root:" not in body


def test_static_files_over_http(served: tuple[str, Store, DashboardData]) -> None:
    url = served[0]
    for name, kind in (
        ("app.css", "text/css"),
        ("report.css", "text/css"),
        ("app.js", "text/javascript"),
        ("favicon.svg", "image/svg+xml"),
    ):
        with urllib.request.urlopen(f"{url}/static/{name}") as response:
            assert response.headers["content-type"].startswith(kind)
            assert response.read()


def test_an_empty_store_says_so_on_every_page(live_server: str) -> None:
    expected = {
        "/": "None yet.",
        "/runs": "No runs match.",
        "/decisions": "No decisions yet.",
        "/suites": "No suites yet",
        "/experiments": "No A/B experiments are stored yet.",
        "/compare": "Choose a baseline run",
    }
    for path, text in expected.items():
        with urllib.request.urlopen(live_server + path) as response:
            assert text in response.read().decode(), path


def test_pages_are_not_part_of_the_api_document(live_server: str) -> None:
    import json

    with urllib.request.urlopen(f"{live_server}/api/v1/openapi.json") as response:
        paths = set(json.load(response)["paths"])
    assert not {"/", "/runs", "/compare", "/decisions/{decision_id}/approve"} & paths
    assert not any(p.startswith("/static") for p in paths)
