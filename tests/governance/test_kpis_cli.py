"""``assay kpis`` as users read it: a table at 80 columns, JSON, a self-contained HTML page,
and "no decisions yet" on an empty store rather than 0%."""

from __future__ import annotations

import json
import re

import pytest
from test_kpis_store import populate

import assay
from assay.cli import EXIT_CODES, main
from assay.errors import ConfigError


def test_an_empty_store_says_no_decisions_yet(home, capsys, tmp_path):
    assert main(["kpis"]) == 0
    out = " ".join(capsys.readouterr().out.split())
    assert "No decisions yet (all time): no KPI to compute" in out and "%" not in out
    assert main(["kpis", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["n_decisions"] == 0
    assert data["reproducibility"]["rate"] is None
    assert data["regressions"]["caught_by_gates"] is None
    assert data["cycle_time_days"]["summary"] is None
    assert data["evaluation_cost"]["totals"]["cost"] is None
    page = tmp_path / "kpis.html"
    assert main(["kpis", "--html", str(page)]) == 0
    assert "No decisions yet" in page.read_text()


def test_table_json_and_html_agree_with_the_store(home, adult_data, models, capsys, tmp_path):
    store = assay.open_store()
    story = populate(store, adult_data, models)
    page = tmp_path / "kpis.html"
    assert main(["kpis", "--html", str(page)]) == 0
    out = capsys.readouterr().out
    tables = out[out.index("KPI ") : out.index("1 BLOCK decision shipped")]
    tables += out[out.index("gate outcomes") : out.index("report: ")]
    assert max(len(line) for line in tables.splitlines()) <= 80, out
    assert "7 decisions" in out
    assert re.search(r"reproducible SHIPs\s+50\.0% \[9\.5%, 90\.5%\]\s+1 of 2 checked; 2 not", out)
    assert re.search(r"caught by gates\s+50\.0% \[15\.0%, 85\.0%\]\s+2 BLOCK vs 2 challenged", out)
    assert "not reproduced " + story.decisions["fail"][:12] in out
    assert re.search(r"cost\s+1\.2\s+1,200", out) and "not recorded" not in out
    html = page.read_text()
    assert re.search(r"<(script|link|img|iframe)|\bsrc=|href=\"?http|url\(", html) is None
    assert "50.0% [9.5%, 90.5%] (1 of 2)" in html and "2025-W02" in html and "<svg" in html
    assert main(["kpis", "--json", "--no-reproduce"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["reproducibility"]["rate"] is None
    assert {d["status"] for d in data["reproducibility"]["decisions"]} == {"not checked"}
    assert data["regressions"]["caught_by_gates"]["numerator"] == 2
    by_run = {r["run"]: r for r in data["evaluation_cost"]["by_run"]}
    assert by_run[story.runs["edu"]]["cost"] is None  # not recorded, not 0
    assert by_run[story.runs["logged"]]["cost"] == {"total": pytest.approx(0.6), "records": 600}
    assert data["gate_outcomes_by_week"][0] == {
        "week": "2025-W01",
        "ship": 2,
        "block": 0,
        "inconclusive": 0,
    }


@pytest.mark.parametrize("since", ["last week", "2025-13-01"])
def test_a_bad_date_is_refused(home, capsys, since):
    code = main(["kpis", "--since", since])
    assert code == EXIT_CODES[ConfigError]
    assert "an ISO date such as 2025-01-31" in capsys.readouterr().err
