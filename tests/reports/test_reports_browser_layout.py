"""The HTML report's layout in a real browser (headless Chromium driven by Selenium): nothing
overflows the page at common widths, and no chart text is clipped by its SVG.

Skipped when Chromium or chromedriver is missing, except under ``CI=true``, where it fails
(``apt-get install -y chromium chromium-driver``); skipped when Selenium is not installed
(``pip install selenium``).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from assay.core import Verdict
from assay.reports import render_html
from assay.testing import chromium_driver
from assay.testing import report_comparison as make_comparison
from assay.testing import report_verdict as make_verdict


@pytest.fixture(scope="module")
def driver() -> Iterator[Any]:
    with chromium_driver(browser_log=False) as browser:
        yield browser


@pytest.fixture(scope="module")
def page(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("layout") / "report.html"
    path.write_text(render_html(make_comparison(), make_verdict(Verdict.BLOCK)), encoding="utf-8")
    return path


_OVERFLOW = """
const out = [];
for (const el of document.body.querySelectorAll('*')) {
  if (el.closest('.scroll, .chart')) continue;  // these scroll inside their own box
  const r = el.getBoundingClientRect();
  if (r.width > 0 && r.right > window.innerWidth + 1) out.push(el.tagName + '.' + el.className);
}
return [document.documentElement.scrollWidth, window.innerWidth, out.slice(0, 10)];
"""

_CLIPPED = """
const out = [];
let texts = 0;
for (const svg of document.querySelectorAll('svg')) {
  const box = svg.viewBox.baseVal;
  for (const t of svg.querySelectorAll('text')) {
    texts++;
    const b = t.getBBox();
    const m = t.getCTM() && svg.getCTM() ? svg.getCTM().inverse().multiply(t.getCTM()) : null;
    const pts = [[b.x, b.y], [b.x + b.width, b.y], [b.x, b.y + b.height],
                 [b.x + b.width, b.y + b.height]].map(([x, y]) => {
      if (!m) return [x, y];
      return [m.a * x + m.c * y + m.e, m.b * x + m.d * y + m.f];
    });
    for (const [x, y] of pts) {
      if (x < box.x - 1 || y < box.y - 1 || x > box.x + box.width + 1 ||
          y > box.y + box.height + 1) {
        out.push(svg.getAttribute('class') + ': ' + t.textContent.slice(0, 60));
        break;
      }
    }
  }
}
return [texts, out.slice(0, 10)];
"""


@pytest.mark.parametrize("width", [1024, 1440])
def test_nothing_overflows_the_page(driver: Any, page: Path, width: int, tmp_path: Path) -> None:
    driver.set_window_size(width, 1000)
    driver.get(page.as_uri())
    scroll_width, inner, offenders = driver.execute_script(_OVERFLOW)
    assert scroll_width <= inner, (scroll_width, inner, offenders)
    assert offenders == []
    shot = tmp_path / f"report-{width}.png"
    assert driver.save_screenshot(str(shot)) and shot.stat().st_size > 10_000


def test_no_chart_text_is_clipped(driver: Any, page: Path) -> None:
    driver.set_window_size(1440, 1000)
    driver.get(page.as_uri())
    texts, clipped = driver.execute_script(_CLIPPED)
    assert texts > 100  # the check looked at the charts' text
    assert clipped == []


def test_the_flip_filter_works_without_script(driver: Any, page: Path) -> None:
    driver.set_window_size(1440, 1000)
    driver.get(page.as_uri())
    shown = "return [...document.querySelectorAll('#flips details')].map(d => getComputedStyle(d).display);"
    before = driver.execute_script(shown)
    assert before and "none" not in before
    driver.execute_script("document.getElementById('flip-worse').click();")
    after = driver.execute_script(shown)
    kinds = driver.execute_script(
        "return [...document.querySelectorAll('#flips details')].map(d => d.className);"
    )
    for kind, display in zip(kinds, after, strict=True):
        assert (display == "none") == (kind == "flips-better")
