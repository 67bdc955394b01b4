"""The monitor pages over real HTTP: every monitor with its decision, state, looks and budget;
one monitor's watch charts and the ledger challenges its alarm wrote, with their hashes; the
home page's monitors in alarm; escaped profile names; nothing a strict CSP refuses."""

from __future__ import annotations

import re
import urllib.error
import urllib.request
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest

import assay
import assay.workflows as wf
from assay._util import format_time
from assay.monitor import MonitorSpec, MonitorStatus, WatchSpec, profile
from assay.server import ServerSettings, create_app
from assay.storage import Store
from assay.testing import running_server, synthetic_records, synthetic_suite

HOSTILE = '<script>alert(1)</script>"\u202e'


@pytest.fixture
def monitored(server_store: Store, tmp_path: Path) -> MonitorStatus:
    """A decision, a monitor on it that alarmed, one that did not, and a stored profile."""
    suite = synthetic_suite(200, seed=5)
    base, cand = (
        assay.log_run(
            synthetic_records(suite, seed=s), suite=suite, model=f"m@{s}", store=server_store
        ).run.run_id
        for s in (1, 2)
    )
    decision = assay.decide(base, cand, output=tmp_path / "reports", store=server_store)
    decision_id = decision.decision.decision_id
    rng = np.random.default_rng(11)
    status = None
    for name, drop in (("calm", 0.0), ("quality", 0.3)):
        spec = MonitorSpec(name=name, decision=decision_id, watches=(WatchSpec(metric="accuracy"),))
        status = wf.register_monitor(spec, store=server_store)
        p = max(status.watches[0].reference - drop, 0.0)
        for _ in range(4):
            window = pa.table({"accuracy": rng.binomial(1, p, 400).astype(float)})
            status = wf.record_window(name, window, store=server_store)
    table = pa.table({"x": rng.normal(size=100)})
    wf.save_profile(profile(table, name="ref"), name=HOSTILE, store=server_store)
    assert status is not None and status.state == "alarm"
    return status


@pytest.fixture
def url(server_store: Store, monitored: MonitorStatus) -> Iterator[str]:
    with running_server(create_app(server_store, ServerSettings())) as base:
        yield base


def _get(url: str) -> str:
    with urllib.request.urlopen(url) as response:
        assert response.status == 200, url
        assert response.headers["content-type"].startswith("text/html"), url
        return str(response.read().decode())


def test_the_list_shows_every_monitor_with_its_decision(
    url: str, server_store: Store, monitored: MonitorStatus
) -> None:
    html = _get(f"{url}/monitors")
    for status in wf.monitor_status(store=server_store):
        row = re.search(
            rf'<tr><td><a class="monitor" href="/monitors/{status.name}">.*?</tr>', html
        )
        assert row is not None, status.name
        cells = row.group(0)
        assert f'href="/decisions/{status.decision_id}"' in cells
        assert f">{status.state}</span>" in cells
        assert f'<td class="num">{status.looks}</td>' in cells
        assert f"{status.remaining:.3g} of {status.alpha:.3g}" in cells
        assert status.last_look_at is not None
        assert format_time(datetime.fromisoformat(status.last_look_at)) in cells
    assert "&lt;script&gt;alert(1)&lt;/script&gt;&quot;" in html and "<script>alert" not in html
    assert "\u202e" not in html


def test_a_monitor_page_charts_its_watches_and_links_its_challenge(
    url: str, server_store: Store, monitored: MonitorStatus
) -> None:
    html = _get(f"{url}/monitors/quality")
    watch = monitored.watches[0]
    assert watch.state == "alarm" and watch.alarm_look is not None
    assert re.findall(r'<g class="look" data-look="(\d+)"', html) == ["1", "2", "3", "4"]
    assert f"alarm at look {watch.alarm_look}" in html
    challenges = [
        x
        for x in server_store.decisions.ledger()
        if x.kind == "challenge" and x.payload["monitor"] == "quality"
    ]
    assert [x.sequence for x in challenges] == list(monitored.challenges) and challenges
    assert challenges[0].entry_hash in html
    assert f'href="/decisions/{monitored.decision_id}#ledger"' in html
    # the decision page shows the same entry in its ledger
    assert challenges[0].entry_hash[:16] in _get(f"{url}/decisions/{monitored.decision_id}")
    calm = _get(f"{url}/monitors/calm")
    assert "alarm at look" not in calm


def test_the_home_page_lists_the_monitors_in_alarm(url: str, monitored: MonitorStatus) -> None:
    html = _get(f"{url}/")
    section = html.split('<section id="alarms">', 1)[1].split("</section>", 1)[0]
    assert 'href="/monitors/quality"' in section and 'href="/monitors/calm"' not in section
    assert f'href="/decisions/{monitored.decision_id}#ledger"' in section


def test_an_unknown_monitor_is_a_not_found_page(url: str) -> None:
    for name in ("missing", "..", "a%20b", "%3Cscript%3E"):
        with pytest.raises(urllib.error.HTTPError) as caught:
            urllib.request.urlopen(f"{url}/monitors/{name}")
        assert caught.value.code == 404
        body = caught.value.read().decode()
        assert "<script>" not in body and "No monitor is named" in body


def test_monitor_pages_are_html_that_a_strict_csp_allows(url: str) -> None:
    for path in ("/", "/monitors", "/monitors/quality", "/monitors/calm"):
        html = _get(url + path)
        assert " style=" not in html and "<style" not in html, path
        assert re.findall(r"<script[^>]*>", html) == ['<script src="/static/app.js" defer>'], path
        without_svg_namespace = html.replace('xmlns="http://www.w3.org/2000/svg"', "")
        assert "http://" not in without_svg_namespace and "https://" not in html, path
        assert '<a href="/monitors">Monitors</a>' in html


def test_an_empty_store_says_there_are_no_monitors(live_server: str) -> None:
    html = _get(f"{live_server}/monitors")
    assert "No monitors yet" in html and "No stored profiles" in html
    home = _get(f"{live_server}/")
    assert '<section id="alarms"><h2>Monitors in alarm</h2><p class="empty">None.</p>' in home


def test_a_viewer_sees_the_monitors_and_no_one_else_does(
    server_store: Store, monitored: MonitorStatus
) -> None:
    viewer = server_store.users.add("vic", "viewer").token
    with running_server(create_app(server_store, ServerSettings(auth="token"))) as base:
        for path in ("/monitors", "/monitors/quality"):
            with pytest.raises(urllib.error.HTTPError) as caught:
                urllib.request.urlopen(base + path)
            assert caught.value.code == 401, path
            request = urllib.request.Request(
                base + path, headers={"Authorization": f"Bearer {viewer}"}
            )
            with urllib.request.urlopen(request) as response:
                assert response.status == 200 and "quality" in response.read().decode()
