"""Control and bidirectional characters in untrusted text reach no report as they are.

Model names, suite names, slice values, rule reasons, flips, manifest values and method notes
carry terminal escapes (``ESC [2K``, an OSC 8 hyperlink), a C1 CSI (``0x9b``), a right-to-left
override (``U+202E``), a bell and DEL. Every report shows them as visible symbols, and the
SVG charts of the HTML report stay well-formed XML.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest
from report_checks import collect, svg_blocks

from assay.core import Comparison, VerdictResult
from assay.reports import (
    comparison_html_table,
    render_html,
    render_markdown,
    render_memo,
    verdict_html_table,
)
from assay.testing import report_comparison, report_verdict

ERASE = "\x1b[2K\r"
LINK = "\x1b]8;;https://evil.example/\x07click\x1b]8;;\x07"
CSI_C1 = "\x9b31m"
RLO = "\u202egnp.exe"
NASTY = f"{ERASE}SHIP{LINK}{CSI_C1}{RLO}\x7f\u2066x\u2069\u200f"

# Every character a terminal, an editor or an XML parser would act on (tab and newline aside).
RAW = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def _nasty_comparison() -> Comparison:
    c = report_comparison(n_flips=4, n_manifest=2)
    results = [
        r.model_copy(update={"slice_value": f"tweets{NASTY}"})
        if r.slice_value == "tweets"
        else r.model_copy(update={"metric": f"{r.metric}{NASTY}"})
        if r.metric == "latency_p95"
        else r
        for r in c.results
    ]
    flips = [
        f.model_copy(update={"candidate_output": f"answer {NASTY}", "input": NASTY})
        for f in c.flips
    ]
    return c.model_copy(
        update={
            "baseline_model": f"base{NASTY}@1",
            "candidate_model": f"cand@2{NASTY}",
            "suite_name": f"suite{NASTY}",
            "results": results,
            "flips": flips,
            "manifest_differences": [{"path": f"tags.t{NASTY}", "a": NASTY, "b": "1"}],
            "methods": [*c.methods, f"note {NASTY}"],
        }
    )


def _nasty_verdict() -> VerdictResult:
    v = report_verdict()
    rules = [
        r.model_copy(update={"reason": f"{r.reason} {NASTY}", "slice": f"domain=tweets{NASTY}"})
        for r in v.rules
    ]
    return v.model_copy(
        update={"policy": f"policy{NASTY}", "summary": f"BLOCK {NASTY}", "rules": rules}
    )


@pytest.fixture(scope="module")
def comparison() -> Comparison:
    return _nasty_comparison()


@pytest.fixture(scope="module")
def verdict() -> VerdictResult:
    return _nasty_verdict()


def test_html_report_shows_controls_and_its_svg_parses_as_xml(comparison, verdict):
    html = render_html(comparison, verdict)
    assert RAW.search(html) is None
    blocks = svg_blocks(html)
    assert len(blocks) >= 2  # forest plots and the heat map
    for block in blocks:
        ET.fromstring(block)  # raises on a control character
    text = "".join(collect(html).text)
    assert "␛[2K␍SHIP" in text
    assert "<U+009B>31m" in text and "<U+202E>gnp.exe" in text
    assert "evil.example" in text  # the link's target is shown as text, not followed
    assert "tweets␛[2K" in "".join("".join(ET.fromstring(b).itertext()) for b in blocks)


def test_html_svg_text_stays_on_one_line(comparison, verdict):
    c = comparison.model_copy(
        update={
            "results": [
                r.model_copy(update={"slice_value": "two\nlines\tand\ttabs"})
                if r.slice_value == "movies"
                else r
                for r in comparison.results
            ]
        }
    )
    for block in svg_blocks(render_html(c, verdict)):
        for node in ET.fromstring(block).iter():
            assert "\n" not in (node.text or "") and "\t" not in (node.text or "")


def test_markdown_report_and_memo_show_controls(comparison, verdict):
    for doc in (render_markdown(comparison, verdict), render_memo(comparison, verdict)):
        assert RAW.search(doc) is None
        # Markdown escapes the bracket after the picture; a carriage return is a line break
        assert "␛\\[2K<br>SHIP" in doc
        assert "&lt;U+202E&gt;" in doc or "<U+202E>" in doc


def test_markdown_flips_are_fenced_with_visible_controls(comparison, verdict):
    doc = render_markdown(comparison, verdict)
    assert "answer ␛[2K␍SHIP␛]8;;https://evil.example/␇click" in doc


def test_notebook_tables_show_controls(comparison, verdict):
    for html in (comparison_html_table(comparison), verdict_html_table(verdict)):
        assert RAW.search(html) is None
        assert "␛[2K" in html


def test_ordinary_text_is_unchanged():
    c, v = report_comparison(), report_verdict()
    html = render_html(c, v)
    assert "naïve café — 日本語のテキスト — العربية — 🙂" in html
    assert "␛" not in html and "<U+" not in html
