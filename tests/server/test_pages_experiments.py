"""The A/B experiment pages over real HTTP: the numbers shown are the stored readouts, hostile
experiment and arm names are shown as text, and the pages stay within a strict CSP."""

from __future__ import annotations

import re
import urllib.parse
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from assay.online import ExperimentPlan
from assay.server import ServerSettings, create_app
from assay.storage import Store
from assay.testing import running_server
from assay.workflows import (
    experiment_history,
    read_out_experiment,
    record_experiment,
    record_experiment_plan,
)

HOSTILE = '<script>alert("x")</script> & "ab"/../tests'
ARM = "<b>new</b>"


def plan(name: str) -> ExperimentPlan:
    return ExperimentPlan(
        name=name,
        hypothesis="The new ranker raises conversion.",
        primary_metric="converted",
        arms=("control", ARM),
        mde=0.1,
        sample_size_per_arm=2_000,
    )


def readout(tmp_path: Path, the_plan: ExperimentPlan, n: int, rate: float):  # type: ignore[no-untyped-def]
    path = tmp_path / f"{the_plan.name.__hash__()}-{n}.csv"
    path.write_text(
        "metric,arm,n,sum,sum_squares\n"
        f"converted,control,{n},{0.10 * n},{0.10 * n}\n"
        f'converted,"{ARM}",{n},{rate * n},{rate * n}\n'
    )
    return read_out_experiment(path, plan=the_plan)


@pytest.fixture
def site(server_store: Store, tmp_path: Path) -> Iterator[str]:
    """A server whose store holds a running experiment (hostile name, two readouts), a decided
    one and one with a plan only."""
    t0 = datetime(2026, 3, 1, tzinfo=UTC)
    hostile = plan(HOSTILE)
    for day, n, rate in ((0, 400, 0.115), (7, 900, 0.105)):
        done = readout(tmp_path, hostile, n, rate)
        record_experiment(done, store=server_store, recorded_at=t0 + timedelta(days=day))
    decided = plan("decided-test")
    record_experiment(readout(tmp_path, decided, 2_000, 0.14), store=server_store)
    record_experiment_plan(plan("planned-only"), store=server_store)
    with running_server(create_app(server_store, ServerSettings())) as url:
        yield url


def quoted(name: str) -> str:
    return "/experiments/" + urllib.parse.quote(name, safe="")


def check_strict_csp(html: str) -> None:
    assert " style=" not in html and "<style" not in html
    assert re.findall(r"<script[^>]*>", html) == ['<script src="/static/app.js" defer>']
    assert "http://" not in html and "https://" not in html


def pct(x: float) -> str:
    return f"{100 * x:+.1f}%"


def test_experiment_page_shows_the_stored_readouts(site: str, server_store: Store) -> None:
    response = httpx.get(site + quoted(HOSTILE))
    assert response.status_code == 200
    html = response.text
    check_strict_csp(html)
    history = experiment_history(HOSTILE, store=server_store)
    assert len(history) == 2
    rows = html[html.index("<tbody>") : html.index("</tbody>")].split("<tr>")[1:]
    assert len(rows) == 2
    for row, stored in zip(rows, history, strict=True):
        arm = stored["arms"][0]
        lift = f"{pct(arm['lift'])} [{pct(arm['low'])}, {pct(arm['high'])}]"
        assert lift in row
        n = stored["n_by_arm"]
        assert f"control {n['control']:,} / &lt;b&gt;new&lt;/b&gt; {n[ARM]:,}" in row
        assert stored["digest"][:12] in row
        assert stored["recorded_at"][:19] in row
    # the chart: one interval and one point per readout
    svg = html[html.index("<svg") : html.index("</svg>")]
    assert svg.count("<circle") == 2 and "&lt;b&gt;new&lt;/b&gt;" in svg
    heights = [float(y) for y in re.findall(r'<circle cx="[^"]+" cy="([^"]+)"', svg)]
    lifts = [h["arms"][0]["lift"] for h in history]
    assert lifts[0] > lifts[1] and heights[0] < heights[1]  # a higher lift is drawn higher
    # the plan as registered, with its digest
    digest = history[0]["plan_digest"]
    assert digest in html and "mde: 0.1" in html
    assert "<script>alert" not in html and "<b>new</b>" not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html


def test_experiments_list_and_home_show_status_and_newest_lift(
    site: str, server_store: Store
) -> None:
    listing = httpx.get(site + "/experiments").text
    check_strict_csp(listing)
    assert "<script>alert" not in listing
    body = listing[listing.index("<tbody>") : listing.index("</tbody>")]
    rows = body.split("<tr>")[1:]
    assert [r.split("</td>")[1] for r in rows] == ["<td>running", "<td>decided", "<td>planned"]
    link = 'href="' + quoted(HOSTILE).replace("&", "&amp;") + '"'
    assert link in rows[0]
    last = experiment_history("decided-test", store=server_store)[-1]
    arm = last["arms"][0]
    assert f"{pct(arm['lift'])} [{pct(arm['low'])}, {pct(arm['high'])}]" in rows[1]
    assert 'class="badge v-SHIP"' in rows[1]
    assert "2,000" in rows[1]

    home = httpx.get(site + "/").text
    check_strict_csp(home)
    running = home[home.index("Running A/B tests") :]
    assert "&lt;script&gt;alert" in running  # the running one
    assert "decided-test" not in running and "planned-only" not in running


def test_unknown_experiment_is_a_404_page(site: str) -> None:
    response = httpx.get(site + quoted("nobody <here>"))
    assert response.status_code == 404
    assert "nobody &lt;here&gt;" in response.text
    check_strict_csp(response.text)
