"""The Markdown report: escaping checked with a real CommonMark parser, caps, and a golden file.

Regenerate the golden files after an intended change of the output with::

    ASSAY_UPDATE_GOLDEN=1 pytest tests/reports/test_reports_markdown.py

then read the diff of ``tests/golden/report_*.md`` before committing it.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from markdown_it import MarkdownIt
from report_checks import collect

from assay.core import (
    Comparison,
    Coverage,
    Flip,
    Interval,
    MetricComparison,
    RunErrors,
    Verdict,
    VerdictResult,
)
from assay.reports import ReportLimits, render_html, render_markdown, render_memo
from assay.testing import HOSTILE_TEXTS as HOSTILE
from assay.testing import REPORT_TIME as WHEN
from assay.testing import report_comparison as make_comparison
from assay.testing import report_verdict as make_verdict
from assay.testing import rule_outcome as rule

GOLDEN = Path(__file__).resolve().parents[1] / "golden"


def _to_html(markdown: str) -> str:
    # CommonMark with raw HTML enabled: any markup that escaped our escaping would come through.
    return str(MarkdownIt("commonmark").enable("table").render(markdown))


@pytest.fixture(scope="module")
def text() -> str:
    return render_markdown(make_comparison(), make_verdict(Verdict.BLOCK))


def test_rendered_markdown_has_no_markup_from_untrusted_text(text: str) -> None:
    doc = collect(_to_html(text))
    names = set(doc.names())
    assert not names & {"script", "img", "textarea", "a", "iframe"}, names
    shown = "".join(doc.text)
    for hostile in HOSTILE:
        assert hostile.split("\n")[0] in shown  # every hostile text reads back as text
    assert "<script>alert(3)</script>" in shown  # a rule's reason, in a table cell


def test_table_rows_keep_their_cells(text: str) -> None:
    html = _to_html(text)
    tables = re.findall(r"<table>.*?</table>", html, flags=re.S)
    assert len(tables) >= 6
    for table in tables:
        head = len(re.findall(r"<th\b", table.split("</thead>")[0]))
        for row in re.findall(r"<tr>(.*?)</tr>", table.split("</thead>")[-1], flags=re.S):
            assert len(re.findall(r"<td\b", row)) == head


def test_pipes_and_newlines_in_cells_are_escaped() -> None:
    c = make_comparison(n_flips=0)
    v = VerdictResult(
        verdict=Verdict.SHIP,
        policy="p|q",
        policy_digest="d",
        summary="ok",
        rules=[rule("a|b", "quality", "accuracy", "pass", reason="x | y\nsecond line `code` <b>")],
    )
    out = render_markdown(c, v)
    row = next(line for line in out.splitlines() if line.startswith("| quality | a"))
    assert r"a\|b" in row and r"x \| y<br>second line \`code\` &lt;b&gt;" in row
    cells = re.split(r"(?<!\\)\|", row)[1:-1]
    assert len(cells) == 7


def test_markdown_syntax_in_untrusted_text_stays_literal() -> None:
    reason = "[click](https://evil.example) _x_ *y* ~~z~~ ![i](x.png) # h"
    v = VerdictResult(
        verdict=Verdict.SHIP,
        policy="p",
        policy_digest="d",
        summary=reason,
        rules=[rule("r", "quality", "accuracy", "pass", reason=reason)],
    )
    doc = collect(_to_html(render_markdown(make_comparison(n_flips=0), v)))
    assert not {"a", "em", "img", "del"} & set(doc.names()) and doc.names().count("h1") == 1
    assert "".join(doc.text).count(reason) == 2  # the summary and the rule, as written


def test_fences_outlast_backticks_inside_untrusted_text() -> None:
    evil = "```\n<script>alert(1)</script>\n````"
    flip = Flip(
        example_id="e",
        metric="accuracy",
        baseline_score=1,
        candidate_score=0,
        input=evil,
        baseline_output="ok",
        candidate_output=None,
    )
    c = make_comparison(n_flips=0).model_copy(update={"flips": [flip]})
    out = render_markdown(c)
    assert "`````text\n" + evil + "\n`````" in out
    html = _to_html(out)
    assert "<script>" not in html and "&lt;script&gt;" in html


def test_a_stored_string_reference_is_shown_like_the_outputs() -> None:
    # inputs and references are stored as JSON text; a string shows as itself, a structure
    # as its JSON, so a correct answer never looks like a mismatch over quotes
    flip = Flip(
        example_id="e",
        metric="accuracy",
        baseline_score=1,
        candidate_score=0,
        input='{"age": 41}',
        reference='">50K"',
        baseline_output=">50K",
        candidate_output="<=50K",
    )
    c = make_comparison(n_flips=0).model_copy(update={"flips": [flip]})
    out = render_markdown(c)
    assert "```text\n>50K\n```" in out and '">50K"' not in out
    assert '{"age": 41}' in out
    html = render_html(c)
    assert '<div class="label">reference</div><div><pre class="untrusted">&gt;50K</pre>' in html
    assert "&quot;&gt;50K&quot;" not in html


def test_caps_are_said() -> None:
    c = make_comparison(n_flips=80, n_manifest=30)
    out = render_markdown(c, limits=ReportLimits(flips=5, result_rows=10, manifest_rows=3))
    counts = re.findall(r"At least ([\d,]+) examples flipped on .*?; (\d+) shown\.", out)
    assert sum(int(total) for total, _ in counts) == 80
    assert sum(int(shown) for _, shown in counts) == 5
    assert f"{len(c.results) - 10:,} of {len(c.results):,} results are not shown" in out
    assert "3 of 30 differences shown" in out
    results = out.split("## Results")[1].split("## Slices")[0]
    assert sum(line.startswith("| ") for line in results.splitlines()) == 10 + 1


def _iv(est: float, half: float, method: str) -> Interval:
    return Interval(estimate=est, low=est - half, high=est + half, method=method)


def _small() -> tuple[Comparison, VerdictResult]:
    """A fixed, hand-written comparison: two metrics, two slices, two flips."""
    rows = []
    for metric, goal, b, c, d, half, method in [
        ("accuracy", "higher", 0.80, 0.83, 0.03, 0.02, "paired normal (Wald)"),
        ("latency_p95", "lower", 410.0, 380.0, -30.0, 12.0, "paired bootstrap BCa"),
    ]:
        for attr, value, n, shift in [
            (None, None, 500, 0.0),
            ("lang", "en", 300, 0.01),
            ("lang", "de|<b>", 20, -0.05),
        ]:
            k = 1.0 if goal == "higher" else 100.0
            rows.append(
                MetricComparison(
                    metric=metric,
                    goal=goal,
                    slice_attribute=attr,
                    slice_value=value,
                    n=n,
                    baseline=_iv(b, half, "wilson" if goal == "higher" else "bootstrap percentile"),
                    candidate=_iv(
                        c + shift * k,
                        half,
                        "wilson" if goal == "higher" else "bootstrap percentile",
                    ),
                    difference=_iv(d + shift * k, half * (1 + (n < 30)), method),
                    test="paired t" if goal == "higher" else "paired bootstrap",
                    p_value=0.004 if n > 30 else 0.4,
                    p_adjusted=0.008 if attr and n > 30 else (0.8 if attr else None),
                    adjustment="holm over 2 slices" if attr else None,
                    mde=0.021 if goal == "higher" else 9.5,
                    resamples=None if goal == "higher" else 1000,
                    seed=None if goal == "higher" else 3,
                    notes=["small slice"] if n < 30 else [],
                )
            )
    flips = [
        Flip(
            example_id="q-1",
            metric="accuracy",
            baseline_score=1,
            candidate_score=0,
            input='{"q": "2+2 | `x`"}',
            reference="4",
            baseline_output="4",
            candidate_output="<script>alert(1)</script>",
        ),
        Flip(
            example_id="q-2",
            metric="accuracy",
            baseline_score=0,
            candidate_score=1,
            input="{{ name }}",
            reference="yes",
            baseline_output="no",
            candidate_output="yes",
        ),
    ]
    comparison = Comparison(
        baseline_run="r-a",
        candidate_run="r-b",
        baseline_model="m@1",
        candidate_model="m@2",
        suite_name="qa",
        suite_digest="sha256:00ff",
        coverage=Coverage(shared=500, baseline_only=1, candidate_only=2, suite_examples=501),
        results=rows,
        flips=flips,
        errors={
            "baseline": RunErrors(records=501, errors=1),
            "candidate": RunErrors(records=502, errors=4),
        },
        manifest_differences=[{"path": "model.version", "a": "1", "b": "2"}],
        created_at=WHEN,
        methods=["Paired by example_id."],
    )
    verdict = VerdictResult(
        verdict=Verdict.INCONCLUSIVE,
        policy="default",
        policy_digest="sha256:abcd",
        summary="INCONCLUSIVE: latency-budget could not be settled.",
        rules=[
            rule("no-harm", "safety", "accuracy", "pass", kind="threshold", evidence=["accuracy"]),
            rule(
                "latency-budget",
                "cost",
                "latency_p95",
                "inconclusive",
                kind="budget",
                to_settle="about 1,200 more paired examples",
                evidence=["latency_p95"],
            ),
        ],
    )
    return comparison, verdict


@pytest.mark.parametrize("name", ["report_small.md", "report_memo.md"])
def test_golden_files(name: str) -> None:
    c, v = _small()
    if name == "report_small.md":
        out = render_markdown(c, v)
    else:
        out = render_memo(
            c, v, question="Replace m@1 with m@2 for | everyone?", options=["Ship to EU only"]
        )
    path = GOLDEN / name
    if os.environ.get("ASSAY_UPDATE_GOLDEN") == "1":
        path.write_text(out, encoding="utf-8")
    assert path.exists(), f"{path} is missing: run with ASSAY_UPDATE_GOLDEN=1 to write it"
    assert out == path.read_text(encoding="utf-8")
