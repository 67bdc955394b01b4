"""The dashboard in token mode in a real browser: headless Chromium driven by Selenium over a
real server whose users sign in on ``/login`` with their tokens.

The approver signs in, filters the runs table, opens a comparison with its forest plot,
approves the decision through the form (the sign-off names the approver) and signs out; the
viewer sees no sign-off form and the API refuses the viewer's approval with 403; hostile model
outputs are text; a wrong token gets an error and no session. Skipped when Chromium,
chromedriver or Selenium is missing, except under ``CI=true``, where it fails
(``apt-get install -y chromium chromium-driver``).
"""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from dashboard_store import IMG, SCRIPT, DashboardData, fill_dashboard_store

from assay.server import ServerSettings, create_app
from assay.storage import Store, open_store
from assay.testing import chromium_driver, running_server, then_wait

APPROVER = "abe@example.com"
VIEWER = "vic@example.com"


@dataclass(frozen=True)
class Served:
    """The server's URL, its store, what the store holds and the users' tokens."""

    url: str
    store: Store
    data: DashboardData
    approver: str
    viewer: str


@pytest.fixture(scope="module")
def driver() -> Iterator[Any]:
    with chromium_driver(browser_log=True) as browser:
        yield browser


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    root = tmp_path_factory.mktemp("auth-browser")
    with open_store(f"sqlite:///{root / 'assay.db'}") as store:
        data = fill_dashboard_store(store, root / "reports")
        approver = store.users.add(APPROVER, "approver").token
        viewer = store.users.add(VIEWER, "viewer").token
        with running_server(create_app(store, ServerSettings(auth="token"))) as url:
            yield Served(url, store, data, approver, viewer)


def _errors(driver: Any) -> list[str]:
    return [entry["message"] for entry in driver.get_log("browser") if entry["level"] == "SEVERE"]


def _session(driver: Any) -> str | None:
    cookie = driver.get_cookie("assay_session")
    return None if cookie is None else str(cookie["value"])


def _sign_in(driver: Any, served: Served, token: str, next_: str = "/") -> None:
    from selenium.webdriver.common.by import By

    driver.delete_all_cookies()
    driver.get(f"{served.url}/login?next={next_}")
    box = driver.find_element(By.NAME, "token")
    box.send_keys(token)
    then_wait(driver, lambda: driver.find_element(By.NAME, "token").submit())
    _errors(driver)  # reading the log empties it: what came before is not this page's


def _who(driver: Any) -> str:
    from selenium.webdriver.common.by import By

    return str(driver.find_element(By.CSS_SELECTOR, ".who").text)


def test_a_wrong_token_shows_an_error_and_starts_no_session(driver: Any, served: Served) -> None:
    from selenium.webdriver.common.by import By

    _sign_in(driver, served, served.viewer[:-2] + "xx")
    assert "/login" in driver.current_url
    assert "not valid" in driver.find_element(By.CSS_SELECTOR, "p.error").text
    assert _session(driver) is None
    assert driver.find_elements(By.CSS_SELECTOR, ".who") == []
    driver.get(f"{served.url}/runs")  # still nobody
    assert driver.find_elements(By.CSS_SELECTOR, "table.runs") == []


def test_the_approver_reviews_approves_and_signs_out(driver: Any, served: Served) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    url, data = served.url, served.data
    _sign_in(driver, served, served.approver, next_="/runs")
    assert driver.current_url == f"{url}/runs" and _session(driver) is not None
    assert APPROVER in _who(driver) and "approver" in _who(driver)

    assert len(driver.find_elements(By.CSS_SELECTOR, "table.runs tbody tr")) == 2
    box = driver.find_element(By.NAME, "model")
    box.send_keys("base")
    then_wait(driver, lambda: driver.find_element(By.NAME, "model").submit())
    rows = driver.find_elements(By.CSS_SELECTOR, "table.runs tbody tr")
    assert len(rows) == 1 and data.baseline[:12] in rows[0].text

    driver.get(f"{url}/compare?baseline={data.baseline}&candidate={data.candidate}")
    charts = driver.find_elements(By.CSS_SELECTOR, "section.forest .chart svg")
    assert charts and all(c.size["width"] > 200 and c.size["height"] > 40 for c in charts)

    driver.get(f"{url}/decisions/{data.decision}")
    Select(driver.find_element(By.NAME, "status")).select_by_value("approved")
    role = driver.find_element(By.NAME, "role")
    role.clear()
    role.send_keys("product")
    driver.find_element(By.NAME, "note").send_keys("Checked every slice.")
    then_wait(
        driver,
        lambda: driver.find_element(By.CSS_SELECTOR, "form.approve button[type=submit]").click(),
    )
    signoffs = driver.find_element(By.CSS_SELECTOR, "table.signoffs").text
    assert APPROVER in signoffs and "product" in signoffs and "Checked every slice." in signoffs
    approvals = served.store.decisions.approvals(data.decision)
    assert [(a.name, a.role, a.status) for a in approvals] == [(APPROVER, "product", "approved")]
    assert served.store.decisions.verify().ok
    assert _errors(driver) == []

    then_wait(driver, lambda: driver.find_element(By.LINK_TEXT, "sign out").click())
    assert driver.current_url == f"{url}/logout"
    then_wait(
        driver,
        lambda: driver.find_element(By.CSS_SELECTOR, "main form button[type=submit]").click(),
    )
    assert driver.current_url == f"{url}/login" and _session(driver) is None
    driver.get(f"{url}/decisions/{data.decision}")  # signed out: sent to sign in, no form
    assert driver.find_elements(By.CSS_SELECTOR, "form.approve") == []
    assert driver.current_url.startswith(f"{url}/login?next=")
    assert driver.find_elements(By.NAME, "token") != []


def _api_approve(served: Served, token: str) -> tuple[int, Any]:
    request = urllib.request.Request(
        f"{served.url}/api/v1/decisions/{served.data.decision}/approvals",
        data=json.dumps({"role": "safety"}).encode(),
        method="POST",
        headers={"Content-Type": "application/json", "Authorization": f"Bearer {token}"},
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def test_the_viewer_reads_but_cannot_sign_off(driver: Any, served: Served) -> None:
    from selenium.common.exceptions import NoAlertPresentException
    from selenium.webdriver.common.by import By

    url, data = served.url, served.data
    before = served.store.decisions.approvals(data.decision)
    _sign_in(driver, served, served.viewer, next_=f"/decisions/{data.decision}")
    assert driver.current_url == f"{url}/decisions/{data.decision}"
    assert VIEWER in _who(driver) and "viewer" in _who(driver)
    assert driver.find_elements(By.CSS_SELECTOR, "table.signoffs, p")  # the page is shown
    assert driver.find_elements(By.CSS_SELECTOR, "form.approve") == []
    status, found = _api_approve(served, served.viewer)
    assert (status, found["error"]["status"]) == (403, 403)
    assert "viewer" in found["error"]["message"]
    assert served.store.decisions.approvals(data.decision) == before

    driver.get(f"{url}/runs/{data.candidate}/records?q=alert")
    with pytest.raises(NoAlertPresentException):
        driver.switch_to.alert.text  # noqa: B018 - reading it is the check
    assert driver.find_elements(By.TAG_NAME, "img") == []
    text = driver.find_element(By.TAG_NAME, "main").text
    assert SCRIPT in text and IMG in text
    scripts = driver.find_elements(By.TAG_NAME, "script")
    assert [s.get_attribute("src") for s in scripts] == [f"{url}/static/app.js"]
    assert _errors(driver) == []


def test_the_sign_out_link_leads_to_a_sign_out_button(served: Served) -> None:
    with httpx.Client(base_url=served.url) as client:
        form = client.get("/login")
        csrf = re.search(r"name=csrf_token value='([0-9a-f]{64})'", form.text)
        assert csrf is not None
        signed = client.post("/login", data={"token": served.viewer, "csrf_token": csrf[1]})
        assert signed.status_code == 303 and "assay_session" in client.cookies
        home = client.get("/")
        assert 'href="/logout">sign out</a>' in home.text
        page = client.get("/logout")  # what following the link gets
        assert page.status_code == 200 and "action='/logout'" in page.text
        assert client.get("/api/v1/me").json()["name"] == VIEWER  # a GET ends nothing
        token = re.search(r"name=csrf_token value='([0-9a-f]{64})'", page.text)
        assert token is not None
        out = client.post("/logout", data={"csrf_token": token[1]})
        assert out.status_code == 303 and out.headers["location"] == "/login"
        assert client.get("/api/v1/me").status_code == 401
