"""Studies through a real server on loopback: the API answers what ``assay study status``
and ``assay studies`` answer, the dashboard's roadmap and study pages show the same numbers
under a strict CSP, hostile text stays text, and headless Chromium renders the roadmap
without errors or overflow."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from adult_runs import adult_subset, log_adult_run, write_study

import assay
from assay.errors import AssayWarning
from assay.server import ServerSettings, create_app
from assay.storage import Store, open_store
from assay.testing import chromium_driver, running_server, then_wait
from assay.workflows import attach_to_study, register_study, study_status

HOSTILE_OWNER = '<script>alert("x")</script> Ana'


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Store]]:
    root = tmp_path_factory.mktemp("studies")
    with open_store(f"sqlite:///{root / 'assay.db'}", artifacts=str(root / "files")) as store:
        assay.register_suite(adult_subset(), store=store)
        path = write_study(root, deadline="2020-06-30")
        path.write_text(path.read_text().replace("Ana Lima", HOSTILE_OWNER.replace('"', "'")))
        with pytest.warns(AssayWarning, match="deadline already past"):
            register_study(path, store=store)
        register_study(write_study(root, "later-study"), store=store)
        for run in (
            log_adult_run(store, "income-logreg@1"),
            log_adult_run(store, "income-logreg-noisy@2", flip=0.1, seed=1),
        ):
            attach_to_study("adult-retrain", run=run, store=store)
        with running_server(create_app(store, ServerSettings())) as url:
            yield url, store


def _strict(html: str) -> None:
    assert " style=" not in html and "<style" not in html
    assert re.findall(r"<script[^>]*>", html) == ['<script src="/static/app.js" defer>']


def test_the_api_answers_what_the_workflow_answers(served: tuple[str, Store]) -> None:
    url, store = served
    listing = httpx.get(f"{url}/api/v1/studies").json()["items"]
    assert [s["name"] for s in listing] == ["adult-retrain", "later-study"]  # by deadline
    assert [s["state"] for s in listing] == ["running", "planned"]
    one = httpx.get(f"{url}/api/v1/studies/adult-retrain").json()
    expected = study_status("adult-retrain", store=store).to_dict()
    for key in ("digest", "evidence", "futility", "outcome", "overdue", "sample_size"):
        assert one[key] == expected[key]
    assert one["futility"]["outcome"] == "stop" and one["overdue"] is True
    planned = httpx.get(f"{url}/api/v1/studies", params={"state": "planned"}).json()["items"]
    assert [s["name"] for s in planned] == ["later-study"]
    assert httpx.get(f"{url}/api/v1/studies/nothing").status_code == 404
    assert httpx.get(f"{url}/api/v1/studies", params={"state": "lost"}).status_code == 422


def test_the_pages_show_the_roadmap_and_a_study(served: tuple[str, Store]) -> None:
    url, store = served
    roadmap = httpx.get(f"{url}/studies").text
    _strict(roadmap)
    assert "<script>alert" not in roadmap and "&lt;script&gt;alert" in roadmap
    rows = roadmap[roadmap.index("<tbody>") : roadmap.index("</tbody>")].split("<tr>")[1:]
    assert len(rows) == 2 and "overdue" in rows[0] and "overdue" not in rows[1]
    status = study_status("adult-retrain", store=store)
    evidence = status.evidence
    assert evidence is not None
    assert f"n 1,200 of {status.sample_size['planned']:,} planned" in rows[0]
    page = httpx.get(f"{url}/studies/adult-retrain").text
    _strict(page)
    assert status.digest in page and "even the upper bound" in page
    # the hypothesis outcome as `assay study status` prints it, with the same numbers
    told = status.hypothesis_result
    assert told is not None and told["outcome"] == "not supported"
    line = re.search(r'<p id="hypothesis">(.*?)</p>', page)
    assert line is not None
    shown = html.unescape(re.sub(r"<[^>]+>", "", line[1]))
    assert shown == f"Hypothesis: {told['outcome']}. {told['reason']}"
    assert "effect that matters +1.0 point" in page
    assert httpx.get(f"{url}/studies/nothing").status_code == 404


def test_the_roadmap_in_chromium(served: tuple[str, Store]) -> None:
    from selenium.webdriver.common.by import By

    url, store = served
    with chromium_driver(browser_log=True) as driver:
        for width in (1024, 1440):
            driver.set_window_size(width, 900)
            driver.get(f"{url}/studies")
            rows = driver.find_elements(By.CSS_SELECTOR, "main table tbody tr")
            assert len(rows) == 2 and "OVERDUE" not in rows[1].text
            assert "adult-retrain" in rows[0].text and "stop" in rows[0].text
            scroll = driver.execute_script("return document.documentElement.scrollWidth")
            assert scroll <= width
        then_wait(driver, lambda: driver.find_element(By.LINK_TEXT, "adult-retrain").click())
        assert "even the upper bound" in driver.find_element(By.ID, "futility").text
        told = study_status("adult-retrain", store=store).hypothesis_result
        assert told is not None
        shown = driver.find_element(By.ID, "hypothesis").text
        assert shown == f"Hypothesis: {told['outcome']}. {told['reason']}"
        severe = [e for e in driver.get_log("browser") if e["level"] == "SEVERE"]
        assert severe == []


def test_a_roadmap_file_has_no_outside_resources(served: tuple[str, Store], tmp_path: Path):
    from assay.workflows import write_roadmap

    _, store = served
    page = write_roadmap(tmp_path / "roadmap.html", store=store).read_text(encoding="utf-8")
    assert "<script" not in page and "src=" not in page and "<link" not in page
    assert "&lt;script&gt;alert" in page and "2020-06-30 (OVERDUE)" in page
