"""Every dashboard page answers with the library's numbers, escapes hostile text and stays
within what a strict Content-Security-Policy allows."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from dashboard_store import CONTROL_NAME, LONG, SCRIPT, DashboardData, fill_dashboard_store
from fastapi.testclient import TestClient

import assay
from assay._util import summary
from assay.server import create_app
from assay.storage import RecordFilter, Store, open_store


@pytest.fixture(scope="module")
def filled(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Store, DashboardData]]:
    root = tmp_path_factory.mktemp("dashboard")
    with open_store(f"sqlite:///{root / 'assay.db'}") as store:
        yield store, fill_dashboard_store(store, root / "reports")


@pytest.fixture(scope="module")
def client(filled: tuple[Store, DashboardData]) -> TestClient:
    return TestClient(create_app(filled[0]))


@pytest.fixture(scope="module")
def data(filled: tuple[Store, DashboardData]) -> DashboardData:
    return filled[1]


@pytest.fixture(scope="module")
def store(filled: tuple[Store, DashboardData]) -> Store:
    return filled[0]


def pages(d: DashboardData) -> list[str]:
    return [
        "/",
        "/runs",
        f"/runs/{d.baseline}",
        f"/runs/{d.candidate}",
        f"/runs/{d.candidate}/records",
        f"/runs/{d.candidate}/records?q=alert",
        f"/compare?baseline={d.baseline}&candidate={d.candidate}",
        f"/compare/examples?baseline={d.baseline}&candidate={d.candidate}&metric=accuracy&kind=improved",
        "/decisions",
        f"/decisions/{d.decision}",
        "/suites",
        "/experiments",
    ]


def test_every_page_is_html_that_a_strict_csp_allows(
    client: TestClient, data: DashboardData
) -> None:
    for path in pages(data):
        response = client.get(path)
        assert response.status_code == 200, path
        assert response.headers["content-type"].startswith("text/html")
        html = response.text
        assert " style=" not in html and "<style" not in html, path
        scripts = re.findall(r"<script[^>]*>", html)
        assert scripts == ['<script src="/static/app.js" defer>'], path
        assert "http://" not in html and "https://" not in html, path  # no CDN
        for label in ("Home", "Runs", "Compare", "Decisions", "Suites", "Experiments"):
            assert f">{label}</a>" in html


def test_hostile_text_is_shown_as_text(client: TestClient, data: DashboardData) -> None:
    for path in (
        f"/runs/{data.candidate}/records?q=alert",
        f"/runs/{data.candidate}",
        "/runs",
        f"/decisions/{data.decision}",
        f"/compare?baseline={data.baseline}&candidate={data.candidate}",
    ):
        html = client.get(path).text
        assert SCRIPT not in html and "<img" not in html, path
        assert "\x1b" not in html and "\u202e" not in html, path
    records = client.get(f"/runs/{data.candidate}/records?q=alert").text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in records
    assert "&quot;&gt;&lt;img src=x onerror=alert(1)&gt;" in records
    run = client.get(f"/runs/{data.candidate}").text
    assert "cand␛[31m&lt;U+202E&gt;@2" in run  # control characters shown as symbols
    assert CONTROL_NAME not in run


def test_long_outputs_are_folded(client: TestClient, data: DashboardData) -> None:
    html = client.get(f"/runs/{data.candidate}/records", params={"q": "a long answer"}).text
    assert '<details class="fold">' in html
    assert f"{len(LONG):,} characters" in html


def test_runs_table_counts_and_filters_match_the_store(
    client: TestClient, store: Store, data: DashboardData
) -> None:
    def ids(html: str) -> set[str]:
        return set(re.findall(r'href="/runs/([0-9a-f]{32})"', html))

    assert ids(client.get("/runs").text) == {r.run_id for r in store.runs.list()}
    assert ids(client.get("/runs", params={"model": "base"}).text) == {data.baseline}
    found = assay.list_runs(store=store, where=["accuracy>=0.79"])
    shown = ids(client.get("/runs", params={"where": "accuracy>=0.79"}).text)
    assert shown == {r.run_id for r in found} and shown
    assert ids(client.get("/runs", params={"tag": "stage=candidate"}).text) == {data.candidate}
    bad = client.get("/runs", params={"where": "acuracy>1"})
    assert bad.status_code == 400 and "accuracy" in bad.text  # the closest known name


def test_runs_table_pages_and_sorts(
    client: TestClient, data: DashboardData, monkeypatch: pytest.MonkeyPatch
) -> None:
    from assay.server import _pages_runs

    monkeypatch.setattr(_pages_runs, "PAGE", 1)
    first = client.get("/runs", params={"sort": "-metric:accuracy"}).text
    assert (
        f'href="/runs/{data.candidate}"' in first and f'href="/runs/{data.baseline}"' not in first
    )
    assert 'rel="next"' in first and 'rel="prev"' not in first
    second = client.get("/runs", params={"sort": "-metric:accuracy", "offset": 1}).text
    assert f'href="/runs/{data.baseline}"' in second and 'rel="prev"' in second
    assert 'rel="next"' not in second
    ascending = client.get("/runs", params={"sort": "metric:accuracy"}).text
    assert f'href="/runs/{data.baseline}"' in ascending


def test_run_page_shows_metrics_slices_notes_and_manifest(
    client: TestClient, store: Store, data: DashboardData
) -> None:
    run = store.runs.get(data.candidate)
    html = client.get(f"/runs/{data.candidate}").text
    for name, m in run.metrics.items():
        assert summary(m, name) in html  # as `assay runs list` writes it
    assert 'id="slices"' in html and "<td>lang</td>" in html
    assert "&quot;&gt;&lt;img src=x" in html  # the note, escaped
    assert "stage=candidate" in html and run.content_digest in html
    assert "<h2>Manifest</h2><details" in html


def test_records_browser_totals_match_the_store(
    client: TestClient, store: Store, data: DashboardData
) -> None:
    cases = [
        ({}, RecordFilter()),
        ({"slice": "lang=de"}, RecordFilter(slices={"lang": "de"})),
        ({"score": "accuracy<1"}, RecordFilter(score=assay.parse_metric_filter("accuracy<1"))),
        ({"q": "alert"}, RecordFilter(text="alert")),
        ({"error": "false"}, RecordFilter(error=False)),
    ]
    for params, where in cases:
        html = client.get(f"/runs/{data.candidate}/records", params=params).text
        total = store.runs.page(data.candidate, where, limit=1).total
        assert f"<span class='total'>{total:,}</span>" in html, params
    page2 = client.get(f"/runs/{data.candidate}/records", params={"offset": 25, "limit": 10}).text
    assert page2.count("<tr>") == 11  # header and ten records
    assert "Records 26–35 of" in page2
    bad = client.get(f"/runs/{data.candidate}/records", params={"score": "nosuch<1"})
    assert bad.status_code == 400 and "nosuch" in bad.text


def test_compare_page_matches_the_comparison(
    client: TestClient, store: Store, data: DashboardData
) -> None:
    comparison = assay.compare_runs(data.baseline, data.candidate, store=store)
    html = client.get(
        "/compare", params={"baseline": data.baseline, "candidate": data.candidate}
    ).text
    assert html.count("<svg") == len({r.metric for r in comparison.results})
    assert "p adjusted" in html
    table = html[html.index('class="flips2x2"') :]
    for count in comparison.flip_counts:
        row = table[table.index(f"<td>{count.metric}</td>") :]
        row = row[: row.index("</tr>")]
        assert f'n-improved">{count.better:,}<' in row
        assert f'n-regressed">{count.worse:,}<' in row
    accuracy = table[table.index("<td>accuracy</td>") :]
    numbers = [
        int(n.replace(",", "")) for n in re.findall(r'class="n n-\w+">([\d,]+)<', accuracy)[:4]
    ]
    assert sum(numbers) == comparison.coverage.shared  # the four cells cover every pair


def test_manifest_difference_switch(client: TestClient, data: DashboardData) -> None:
    params = {"baseline": data.baseline, "candidate": data.candidate}
    only = client.get("/compare", params=params).text
    every = client.get("/compare", params={**params, "manifest": "all"}).text

    def rows(html: str) -> int:
        part = html[html.index('class="manifest"') :]
        return part[: part.index("</table>")].count("<tr>") - 1

    assert 0 < rows(only) < rows(every)
    assert "manifest=all" in only and "differences only</a>" in every


def test_flip_examples_side_by_side(client: TestClient, store: Store, data: DashboardData) -> None:
    comparison = assay.compare_runs(data.baseline, data.candidate, store=store)
    worse = next(c.worse for c in comparison.flip_counts if c.metric == "accuracy")
    html = client.get(
        "/compare/examples",
        params={
            "baseline": data.baseline,
            "candidate": data.candidate,
            "metric": "accuracy",
            "kind": "regressed",
        },
    ).text
    assert f"<span class='total'>{worse:,}</span>" in html
    assert html.count("<tr>") == 1 + min(worse, 20)
    bad = client.get(
        "/compare/examples",
        params={"baseline": data.baseline, "candidate": data.candidate, "metric": "x", "kind": "y"},
    )
    assert bad.status_code == 400


def test_compare_refuses_more_than_ten_candidates(client: TestClient, data: DashboardData) -> None:
    params = [("baseline", data.baseline)] + [("candidate", data.candidate)] * 11
    assert client.get("/compare", params=params).status_code == 400


def test_decision_page_embeds_the_ledger(
    client: TestClient, store: Store, data: DashboardData
) -> None:
    html = client.get(f"/decisions/{data.decision}").text
    entries = [x for x in store.decisions.ledger() if x.decision_id == data.decision]
    for entry in entries:
        assert entry.entry_hash in html
    assert store.decisions.verify().head in html and ">intact</span>" in html
    assert 'id="rules"' in html and "non_inferiority" in html
    assert f'href="/runs/{data.baseline}"' in html
    assert 'name="csrf_token"' in html and 'action="/decisions/' in html


def test_decision_page_links_its_evidence_and_says_the_verdict_once(
    client: TestClient, store: Store, data: DashboardData
) -> None:
    html = client.get(f"/decisions/{data.decision}").text
    decision = store.decisions.get(data.decision)
    memo = decision.artifacts["memo"]
    assert f'href="/api/v1/artifacts/{memo}" download="memo.md"' in html
    download = client.get(f"/api/v1/artifacts/{memo}")
    assert download.status_code == 200 and download.content == store.artifacts.get(memo)
    verdict = decision.verdict.value
    assert f'<div class="summary">{verdict}: ' not in html
    entries = len(store.decisions.ledger())
    assert f"({entries} {'entry' if entries == 1 else 'entries'})" in html


def test_unknown_ids_are_pages_with_404(client: TestClient) -> None:
    for path in ("/runs/nosuchrun", "/decisions/nosuch", "/suites/nosuch", "/runs/nosuch/records"):
        response = client.get(path)
        assert response.status_code == 404, path
        assert response.headers["content-type"].startswith("text/html")


def test_static_files_are_served_by_name_only(client: TestClient) -> None:
    css = client.get("/static/app.css")
    assert css.status_code == 200 and css.headers["content-type"].startswith("text/css")
    assert client.get("/static/report.css").status_code == 200
    assert client.get("/static/app.js").headers["content-type"].startswith("text/javascript")
    for path in ("/static/_pages.py", "/static/..%2F_pages.py", "/static/%2e%2e%2f__init__.py"):
        assert client.get(path).status_code == 404, path


def test_suites_and_experiments(client: TestClient, store: Store) -> None:
    suite = store.suites.list()[0]
    listing = client.get("/suites").text
    assert f'href="/suites/{suite.digest}"' in listing
    html = client.get(f"/suites/{suite.digest}").text
    for metric in suite.metrics:
        assert f"<td>{metric.name}</td>" in html
    assert f"{suite.n_examples:,}" in html and "First 5 examples" in html
    assert "assay ab readout" in client.get("/experiments").text


def test_home_lists_decisions_waiting_and_runs(client: TestClient, data: DashboardData) -> None:
    html = client.get("/").text
    waiting = html[html.index('id="waiting"') : html.index('id="recent"')]
    assert data.decision[:12] in waiting
    recent = html[html.index('id="recent"') :]
    assert data.baseline[:12] in recent and data.candidate[:12] in recent
    assert "Running A/B tests" in html and "None running." in html


def test_bad_query_parameters_get_one_clear_message(
    client: TestClient, store: Store, data: DashboardData
) -> None:
    cases = {
        "/runs?tag=noequals": "KEY=VALUE",
        "/runs?sort=metric:nosuch": "no run has a metric",
        "/runs?where=%3C%3E": "METRIC OP NUMBER",
        f"/runs/{data.candidate}/records?error=maybe": "true or false",
        f"/runs/{data.candidate}/records?slice=nosuch%3Dx": "no slice",
        f"/runs/{data.candidate}/records?slice=accuracy%3D1": "no slice 'accuracy'",
        f"/runs/{data.candidate}/records?score=output<1": "no metric 'output'",
        "/decisions?verdict=FOO": "SHIP",
    }
    for path, message in cases.items():
        response = client.get(path)
        assert response.status_code in (400, 422), path
        assert response.headers["content-type"].startswith("text/html")
        assert message in response.text.replace("&#x27;", "'"), path
    clamped = client.get(f"/runs/{data.candidate}/records?limit=99999&offset=-4")
    records = store.runs.get(data.candidate).n_records
    assert clamped.status_code == 200 and clamped.text.count("<tr>") == 1 + min(records, 200)


def test_large_runs_compute_slices_on_request(
    client: TestClient, data: DashboardData, monkeypatch: pytest.MonkeyPatch
) -> None:
    from assay.server import _pages_runs

    monkeypatch.setattr(_pages_runs, "INLINE_SLICES", 10)
    other = TestClient(create_app(client.app.state.assay.store))  # a fresh cache
    lazy = other.get(f"/runs/{data.baseline}").text
    assert "Compute metrics by slice" in lazy and "<td>lang</td>" not in lazy
    assert f'href="/runs/{data.baseline}?slices=1#slices"' in lazy
    computed = other.get(f"/runs/{data.baseline}", params={"slices": "1"}).text
    assert "<td>lang</td>" in computed
    assert "<td>lang</td>" in other.get(f"/runs/{data.baseline}").text  # kept
