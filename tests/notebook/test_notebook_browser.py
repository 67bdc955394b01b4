"""The comparison view in a real browser: headless Chromium (driven by Selenium through
chromedriver) renders the fragment as a notebook would, with no stylesheet, and the computed
colours are the direction colours.

Skipped when Chromium, chromedriver or Selenium is missing, except under ``CI=true``, where it
fails. Install them with ``apt-get install -y chromium chromium-driver`` and
``pip install selenium``.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from assay.reports import comparison_html_table
from assay.testing import report_comparison

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
RGB = {"worse": "rgb(163, 18, 31)", "better": "rgb(17, 97, 43)", "unclear": "rgb(85, 85, 85)"}


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[Any]:
    missing = [str(p) for p in (CHROMIUM, CHROMEDRIVER) if not p.exists()]
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
    except ImportError:
        missing.append("selenium")
    if missing:
        if os.environ.get("CI") == "true":
            pytest.fail(f"needed under CI=true: {', '.join(missing)}")
        pytest.skip(f"not installed: {', '.join(missing)}")
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--no-first-run"):
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={tmp_path / 'profile'}")
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    try:
        yield driver
    finally:
        driver.quit()


_READ = """
const out = [];
for (const table of document.querySelectorAll('table')) {
  const rows = [];
  for (const tr of table.querySelectorAll('tbody tr')) {
    rows.push(Array.from(tr.children).map(td => {
      const span = td.querySelector('span');
      return [td.innerText, span ? getComputedStyle(span).color : null];
    }));
  }
  out.push(rows);
}
return out;
"""


def test_comparison_view_renders_with_its_colours(browser: Any, tmp_path: Path) -> None:
    comparison = report_comparison()
    page = tmp_path / "cell.html"
    # what a notebook front end does with _repr_html_: the fragment inside its own page
    page.write_text(
        f"<!doctype html><meta charset=utf-8><body>{comparison_html_table(comparison)}</body>",
        encoding="utf-8",
    )
    browser.get(page.as_uri())
    overall, slices = browser.execute_script(_READ)
    assert len(overall) == 4 and len(slices) == 30
    for row in [*overall, *slices]:
        direction_text, direction_colour = row[-3 if len(row) == 9 else -2]
        difference_colour = row[-4 if len(row) == 9 else -3][1]
        assert direction_colour == RGB[direction_text] == difference_colour
    tweets = next(r for r in slices if r[0][0] == "accuracy" and r[1][0] == "domain=tweets")
    assert tweets[6] == ["worse", RGB["worse"]]
    assert browser.execute_script("return document.querySelectorAll('script').length") == 0
