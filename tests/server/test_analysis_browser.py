"""The analysis pages in a real browser: headless Chromium (Debian's chromium and
chromedriver, driven by Selenium) over a real server under a strict Content-Security-Policy.
From the compare page, "Where does the candidate lose?" opens the stored slice discovery on
the paired difference; its rows, chart and counts are those of the stored artifact. Skipped
when Chromium, chromedriver or Selenium is missing, except under ``CI=true``."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from analysis_store import PLANTED, by_length, planted_runs
from csp_app import strict_app

import assay.workflows as wf
from assay.storage import open_store
from assay.testing import chromium_driver, running_server, then_wait


@pytest.fixture(scope="module")
def driver() -> Iterator[Any]:
    with chromium_driver(browser_log=True) as browser:
        yield browser


def test_where_the_candidate_loses(driver: Any, tmp_path: Path) -> None:
    from selenium.webdriver.common.by import By

    with open_store(f"sqlite:///{tmp_path / 'assay.db'}") as store:
        _, base, cand = planted_runs(store)
        wf.analyze_run(cand, against=base, taxonomy=True, embed=by_length, store=store)
        stored = wf.find_analysis(cand, against=base, store=store)
        assert stored is not None
        app = strict_app(store)
        with running_server(app) as url:
            driver.get(f"{url}/compare?baseline={base}&candidate={cand}")
            then_wait(driver, lambda: driver.find_element(By.CSS_SELECTOR, "a.lose").click())
            assert f"/runs/{cand}/analysis?against={base}" in driver.current_url
            rows = driver.find_elements(By.CSS_SELECTOR, "table.slices tbody tr")
            assert len(rows) == len(stored["discovery"]["slices"]) >= 1
            assert rows[0].text.startswith(PLANTED)
            chart = driver.find_element(By.CSS_SELECTOR, "#slices .chart svg")
            assert chart.size["width"] > 200 and chart.size["height"] > 10
            fixes = driver.find_elements(By.CSS_SELECTOR, "table.fixes tbody tr")
            assert len(fixes) == len(stored["fix_list"]["problems"])
            clusters = driver.find_elements(By.CSS_SELECTOR, "table.clusters tbody tr")
            assert len(clusters) == len(stored["taxonomy"]["clusters"])
            command = driver.find_element(By.CSS_SELECTOR, "#contamination code.command").text
            assert command == "assay contamination planted@1 --corpus FILE"
            errors = [e["message"] for e in driver.get_log("browser") if e["level"] == "SEVERE"]
            assert errors == []
            # and from the run page
            driver.get(f"{url}/runs/{cand}")
            analysis = "p.actions a.analysis"
            then_wait(driver, lambda: driver.find_element(By.CSS_SELECTOR, analysis).click())
            assert driver.current_url.endswith(f"/runs/{cand}/analysis")
            assert stored["artifact"][:12] in driver.find_element(By.TAG_NAME, "main").text
