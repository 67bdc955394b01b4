"""The HTML report in a real browser: headless Chromium parses it, renders it and screenshots it.

Skipped when ``/usr/bin/chromium`` is missing, except under ``CI=true``, where it fails.
Install it with ``apt-get install -y chromium``.
"""

from __future__ import annotations

import os
import struct
import subprocess
import zlib
from pathlib import Path

import pytest
from report_checks import collect

from assay.core import Verdict
from assay.reports import render_html
from assay.testing import report_comparison as make_comparison
from assay.testing import report_verdict as make_verdict

CHROMIUM = Path("/usr/bin/chromium")
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture
def chromium() -> Path:
    if not CHROMIUM.exists():
        if os.environ.get("CI") == "true":
            pytest.fail("/usr/bin/chromium is required under CI=true (apt-get install -y chromium)")
        pytest.skip("/usr/bin/chromium is not installed (apt-get install -y chromium)")
    return CHROMIUM


def _run(chromium: Path, tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    profile = tmp_path / "profile"
    return subprocess.run(
        [str(chromium), *FLAGS, f"--user-data-dir={profile}", *args],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )


def test_browser_dom_has_the_verdict_and_the_charts(chromium: Path, tmp_path: Path) -> None:
    page = tmp_path / "report.html"
    page.write_text(render_html(make_comparison(), make_verdict(Verdict.BLOCK)), encoding="utf-8")
    dom = _run(chromium, tmp_path, "--dump-dom", page.as_uri()).stdout
    doc = collect(dom)
    names = doc.names()
    assert "script" not in names and "img" not in names and "textarea" not in names
    assert names.count("svg") == 5  # four forest panels and the heat map
    assert ">BLOCK<" in dom and dom.index(">BLOCK<") < dom.index('id="rules"')
    assert "<script>alert(1)</script>" in "".join(doc.text)  # the browser read it as text


def _png_pixels(path: Path) -> tuple[int, int, bytes]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    pos, idat = 8, b""
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind = data[pos + 4 : pos + 8]
        if kind == b"IDAT":
            idat += data[pos + 8 : pos + 8 + length]
        pos += 12 + length
    return width, height, zlib.decompress(idat)


def test_browser_screenshot_is_not_blank(chromium: Path, tmp_path: Path) -> None:
    page = tmp_path / "report.html"
    page.write_text(render_html(make_comparison(), make_verdict(Verdict.SHIP)), encoding="utf-8")
    shot = tmp_path / "shot.png"
    _run(chromium, tmp_path, f"--screenshot={shot}", "--window-size=1280,2000", page.as_uri())
    assert shot.exists() and shot.stat().st_size > 20_000
    width, height, raw = _png_pixels(shot)
    assert (width, height) == (1280, 2000)
    # A blank page is one colour; a rendered report has text, rules and charts.
    assert len(set(raw[: 4 * width * 600])) > 50
    assert raw.count(0xFF) < 0.99 * len(raw)
