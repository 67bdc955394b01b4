"""Debian's headless Chromium driven by Selenium, for tests that look at pages as people do."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

__all__ = ["CHROMEDRIVER", "CHROMIUM", "chromium_driver", "then_wait"]

CHROMIUM = Path("/usr/bin/chromium")
"""Debian's ``chromium`` package; nothing here downloads a browser."""
CHROMEDRIVER = Path("/usr/bin/chromedriver")
"""Debian's ``chromium-driver`` package."""


def _missing(why: str) -> None:
    import pytest

    if os.environ.get("CI") == "true":
        pytest.fail(f"{why} is required under CI=true")
    pytest.skip(f"{why} is not installed")


@contextmanager
def chromium_driver(*, browser_log: bool = False, page_load_timeout: float = 30) -> Iterator[Any]:
    """A headless Chromium WebDriver, quit on exit.

    Inside pytest: skips when Chromium, chromedriver or selenium is missing, and fails
    instead under ``CI=true``. ``browser_log`` keeps the console log (``get_log("browser")``).
    """
    if not (CHROMIUM.exists() and CHROMEDRIVER.exists()):
        _missing("Chromium with chromedriver (apt-get install -y chromium chromium-driver)")
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
    except ImportError:
        _missing("selenium (pip install selenium)")
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"):
        options.add_argument(flag)
    if browser_log:
        options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    browser = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    browser.set_page_load_timeout(page_load_timeout)
    try:
        yield browser
    finally:
        browser.quit()


def then_wait(driver: Any, act: Callable[[], object], *, timeout: float = 20) -> None:
    """Do ``act`` (finds an element and clicks or submits it) and wait for the page it opens.

    A click or a submit returns before the browser has loaded the next page, so reading that
    page right after it races the navigation. Here ``act`` runs once the current page has
    finished loading; a reference that a late navigation made stale is found again (the
    action did not happen), and the call returns when the old page is gone and the new one
    has loaded.
    """
    from selenium.common.exceptions import StaleElementReferenceException, WebDriverException
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions
    from selenium.webdriver.support.ui import WebDriverWait

    wait = WebDriverWait(driver, timeout)

    def loaded(d: Any) -> bool:
        return bool(d.execute_script("return document.readyState") == "complete")

    for attempt in range(3):
        wait.until(loaded)
        old = driver.find_element(By.TAG_NAME, "html")
        try:
            act()
            break
        except StaleElementReferenceException:
            if attempt == 2:
                raise
        except WebDriverException as exc:
            if attempt == 2 or "does not belong to the document" not in str(exc):
                raise
    wait.until(expected_conditions.staleness_of(old))
    wait.until(loaded)
