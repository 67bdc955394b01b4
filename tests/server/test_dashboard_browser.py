"""The dashboard in a real browser: headless Chromium driven by Selenium over a real server.

It filters the runs table, opens a comparison and sees the forest plot, approves a decision as
the local admin, reads hostile model outputs as text, and checks that nothing overflows the
page at 1024 and 1440 px and that the browser logged no error, under a strict
Content-Security-Policy. Skipped when Chromium, chromedriver or Selenium is missing, except
under ``CI=true``, where it fails (``apt-get install -y chromium chromium-driver``).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from csp_app import strict_app
from dashboard_store import IMG, SCRIPT, DashboardData, fill_dashboard_store

from assay.storage import Store, open_store
from assay.testing import chromium_driver, running_server, then_wait


@pytest.fixture(scope="module")
def driver() -> Iterator[Any]:
    with chromium_driver(browser_log=True) as browser:
        yield browser


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Store, DashboardData]]:
    root = tmp_path_factory.mktemp("browser")
    with open_store(f"sqlite:///{root / 'assay.db'}") as store:
        data = fill_dashboard_store(store, root / "reports")
        app = strict_app(store)
        with running_server(app) as url:
            yield url, store, data


_OVERFLOW = """
const out = [];
for (const el of document.body.querySelectorAll('*')) {
  if (el.closest('.scroll, .chart')) continue;  // these scroll inside their own box
  const r = el.getBoundingClientRect();
  if (r.width > 0 && r.right > window.innerWidth + 1) out.push(el.tagName + '.' + el.className);
}
return [document.documentElement.scrollWidth, window.innerWidth, out.slice(0, 10)];
"""


def _errors(driver: Any) -> list[str]:
    return [entry["message"] for entry in driver.get_log("browser") if entry["level"] == "SEVERE"]


def _no_alert(driver: Any) -> None:
    from selenium.common.exceptions import NoAlertPresentException

    with pytest.raises(NoAlertPresentException):
        driver.switch_to.alert.text  # noqa: B018 - reading it is the check


def test_filter_the_runs_table(driver: Any, served: tuple[str, Store, DashboardData]) -> None:
    from selenium.webdriver.common.by import By

    url, _, data = served
    driver.get(f"{url}/runs")
    assert len(driver.find_elements(By.CSS_SELECTOR, "table.runs tbody tr")) == 2
    box = driver.find_element(By.NAME, "model")
    box.send_keys("base")
    then_wait(driver, box.submit)
    rows = driver.find_elements(By.CSS_SELECTOR, "table.runs tbody tr")
    assert len(rows) == 1 and data.baseline[:12] in rows[0].text
    assert "model=base" in driver.current_url  # the filtered table has its own URL
    assert _errors(driver) == []


def test_comparison_shows_the_forest_plot(
    driver: Any, served: tuple[str, Store, DashboardData]
) -> None:
    from selenium.webdriver.common.by import By

    url, _, data = served
    driver.get(f"{url}/compare?baseline={data.baseline}&candidate={data.candidate}")
    charts = driver.find_elements(By.CSS_SELECTOR, "section.forest .chart svg")
    assert charts and all(c.size["width"] > 200 and c.size["height"] > 40 for c in charts)
    assert driver.find_elements(By.CSS_SELECTOR, "table.flips2x2 a")  # links to the examples
    then_wait(driver, lambda: driver.find_element(By.CSS_SELECTOR, "table.flips2x2 a").click())
    assert "/compare/examples?" in driver.current_url
    assert driver.find_elements(By.CSS_SELECTOR, "table.side tbody tr")
    assert _errors(driver) == []


def test_hostile_outputs_are_text(driver: Any, served: tuple[str, Store, DashboardData]) -> None:
    from selenium.webdriver.common.by import By

    url, _, data = served
    driver.get(f"{url}/runs/{data.candidate}/records?q=alert")
    _no_alert(driver)
    assert driver.find_elements(By.TAG_NAME, "img") == []
    text = driver.find_element(By.TAG_NAME, "main").text
    assert SCRIPT in text and IMG in text
    scripts = driver.find_elements(By.TAG_NAME, "script")
    assert [s.get_attribute("src") for s in scripts] == [f"{url}/static/app.js"]
    assert _errors(driver) == []


def test_approve_a_decision_as_the_local_admin(
    driver: Any, served: tuple[str, Store, DashboardData]
) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    url, store, data = served
    driver.get(f"{url}/decisions/{data.decision}")
    Select(driver.find_element(By.NAME, "status")).select_by_value("approved")
    role = driver.find_element(By.NAME, "role")
    role.clear()
    role.send_keys("product")
    driver.find_element(By.NAME, "note").send_keys("Reviewed the slices.")
    approve = "form.approve button[type=submit]"
    then_wait(driver, lambda: driver.find_element(By.CSS_SELECTOR, approve).click())
    signoffs = driver.find_element(By.CSS_SELECTOR, "table.signoffs").text
    assert "product" in signoffs and "local" in signoffs and "Reviewed the slices." in signoffs
    approvals = store.decisions.approvals(data.decision)
    assert [(a.name, a.role, a.status) for a in approvals] == [("local", "product", "approved")]
    assert _errors(driver) == []


@pytest.mark.parametrize("width", [1024, 1440])
def test_nothing_overflows_and_no_errors(
    driver: Any, served: tuple[str, Store, DashboardData], width: int
) -> None:
    url, store, data = served
    driver.set_window_size(width, 900)
    paths = [
        "/",
        "/runs",
        f"/runs/{data.candidate}",
        f"/runs/{data.candidate}/records",
        f"/compare?baseline={data.baseline}&candidate={data.candidate}",
        f"/compare/examples?baseline={data.baseline}&candidate={data.candidate}&metric=accuracy&kind=both_right",
        f"/decisions/{data.decision}",
        f"/suites/{store.suites.list()[0].digest}",
        "/experiments",
    ]
    for path in paths:
        driver.get(url + path)
        scroll_width, inner, outside = driver.execute_script(_OVERFLOW)
        assert outside == [] and scroll_width <= inner, (path, width, outside)
        assert _errors(driver) == [], path
