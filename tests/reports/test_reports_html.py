"""The HTML report: escaping, self-containment, order of sections, charts, footnotes, size."""

from __future__ import annotations

import math
import re
from html import escape

import pytest
from report_checks import collect, parse_svg, svg_blocks

from assay.core import Comparison, Flip, MetricSummary, ModelRef, RunInfo, Verdict
from assay.errors import ParameterError
from assay.reports import ReportLimits, render_html, render_markdown
from assay.testing import HOSTILE_TEXTS as HOSTILE
from assay.testing import report_comparison as make_comparison
from assay.testing import report_verdict as make_verdict
from assay.testing import simulated_result

_ACTIVE = {
    "script",
    "iframe",
    "object",
    "embed",
    "img",
    "link",
    "textarea",
    "form",
    "button",
    "select",
    "base",
    "meta-refresh",
    "video",
    "audio",
    "source",
}
_URL_ATTRS = {
    "href",
    "src",
    "srcset",
    "action",
    "formaction",
    "poster",
    "data",
    "xlink:href",
    "background",
    "cite",
}


@pytest.fixture(scope="module")
def comparison() -> Comparison:
    return make_comparison()


@pytest.fixture(scope="module")
def page(comparison: Comparison) -> str:
    return render_html(comparison, make_verdict(Verdict.BLOCK))


def test_hostile_text_is_escaped_never_markup(page: str) -> None:
    doc = collect(page)
    assert not _ACTIVE & set(doc.names()), _ACTIVE & set(doc.names())
    # The only inputs are the radio buttons of the CSS-only flip filter.
    inputs = [attrs for name, attrs in doc.tags if name == "input"]
    assert inputs and all(i.get("type") == "radio" for i in inputs)
    assert not [a for _, attrs in doc.tags for a in attrs if a.startswith("on")]
    text = "".join(doc.text)
    for hostile in HOSTILE:
        if "<" in hostile:
            assert hostile not in page  # never verbatim in the markup
            assert escape(hostile, quote=True) in page  # shown escaped
        assert hostile.split("\n")[0] in text  # and read back as text, as the reader sees it
    assert "{{ config.__class__ }} {% raw %}" in text  # no template engine touched it
    assert "ex-00000<b>" in text  # example ids are untrusted too
    assert "<script>x</script>" in text  # manifest values
    assert "<script>alert(3)</script>" in text  # a rule's reason
    assert "日本語のテキスト" in text and "العربية" in text and "🙂" in text


def test_no_external_resource(page: str) -> None:
    doc = collect(page)
    for tag, attrs in doc.tags:
        for name, value in attrs.items():
            if name in _URL_ATTRS and value is not None:
                assert value.startswith("#"), (tag, name, value)
    style = "".join(doc.style_text)
    assert style and "@import" not in style and "http" not in style
    assert all(u.startswith("url(#") for u in re.findall(r"url\([^)]*\)", page))
    # The only URL in the page is the hostile text of a flip, shown as text.
    assert "https://evil.example/x" in "".join(doc.text)
    assert [t for t, _ in doc.tags if t == "svg"], "charts are inline SVG"


def test_every_svg_is_well_formed_xml(page: str, comparison: Comparison) -> None:
    blocks = svg_blocks(page)
    metrics = {r.metric for r in comparison.results}
    assert len(blocks) == len(metrics) + 1  # one forest panel per metric and the heat map
    for block in blocks:
        root = parse_svg(block)
        assert root.tag == "svg" and root.find("title") is not None


def test_sections_in_order_with_verdict_first(page: str) -> None:
    ids = collect(page).ids
    order = [
        "verdict",
        "rules",
        "forest",
        "results",
        "heatmap",
        "flips",
        "errors",
        "latency-cost",
        "manifest",
        "coverage",
        "methods",
    ]
    assert [i for i in ids if i in order] == order
    assert page.index(">BLOCK<") < page.index('id="rules"')


def test_forest_has_a_row_per_result_and_fills_exactly_the_excluding_intervals(
    page: str, comparison: Comparison
) -> None:
    panels = svg_blocks(page)[:-1]
    metrics = list(dict.fromkeys(r.metric for r in comparison.results))
    for metric, block in zip(metrics, panels, strict=True):
        root = parse_svg(block)
        rows = [r for r in comparison.results if r.metric == metric]
        markers = [el for el in root.iter("rect") if el.get("width") == "7"]
        assert len(markers) == len(rows)
        for r, marker in zip(rows, markers, strict=True):
            excludes_zero = r.difference.low > 0 or r.difference.high < 0
            assert (marker.get("fill") == "#000") == excludes_zero, r.label


def test_markers_sit_on_the_scale_in_order(page: str, comparison: Comparison) -> None:
    root = parse_svg(svg_blocks(page)[0])
    rows = [r for r in comparison.results if r.metric == "accuracy"]
    xs = [float(el.get("x", "nan")) + 3.5 for el in root.iter("rect") if el.get("width") == "7"]
    ests = [r.difference.estimate for r in rows]
    # Pixel positions are an increasing affine function of the estimates.
    slope = (xs[1] - xs[0]) / (ests[1] - ests[0])
    assert slope > 0
    for x, est in zip(xs, ests, strict=True):
        assert math.isclose(x, xs[0] + slope * (est - ests[0]), abs_tol=0.3)


def test_heat_map_writes_every_slice_cell_and_marks_small_slices(
    page: str, comparison: Comparison
) -> None:
    root = parse_svg(svg_blocks(page)[-1])
    sliced = [r for r in comparison.results if r.slice_attribute is not None]
    texts = [t.text or "" for t in root.iter("text")]
    hatched = [el for el in root.iter("rect") if el.get("fill") == "url(#assay-hatch)"]
    assert len(hatched) == sum(r.n < 30 for r in sliced)
    labels = [t for t in texts if "(n=" in t]
    assert len(labels) == len({(r.slice_attribute, r.slice_value) for r in sliced})
    assert any("<script>alert(1)</script>" in t for t in labels)  # escaped in the XML, read back
    signed = [t for t in texts if re.fullmatch(r"[+\u2212]?\d[\d,]*\.?\d*", t)]
    assert len(signed) >= len(sliced)  # a number in every cell (axis ticks are elsewhere)


def test_intervals_carry_a_method_footnote(page: str, comparison: Comparison) -> None:
    doc = collect(page)
    anchors = {a.get("href") for t, a in doc.tags if t == "a"}
    targets = {f"#{i}" for i in doc.ids if i.startswith("method-")}
    assert anchors <= targets | {None}
    methods = {r.difference.method for r in comparison.results} | {
        r.test for r in comparison.results
    }
    methods_html = page[page.index('id="methods"') :]
    for method in methods:
        assert escape(method) in methods_html
    assert "2,000 resamples, seed 7" in methods_html
    for line in comparison.methods:
        assert escape(line) in methods_html


def test_without_a_verdict_says_so() -> None:
    page = render_html(make_comparison(n_flips=0), title="Plain <comparison>")
    assert "NO VERDICT" in page and 'id="rules"' not in page
    assert "<title>Plain &lt;comparison&gt;</title>" in page
    assert "No example changed outcome" in page


def test_run_metadata_in_the_header(comparison: Comparison) -> None:
    run = RunInfo(
        run_id=comparison.candidate_run,
        suite_name="s",
        suite_digest="d",
        model=ModelRef(name="minilm-logreg", version="1.0", parameters={"C": 0.5}),
        created_at=comparison.created_at,
        n_records=2000,
        n_examples=2000,
        n_errors=11,
        metrics={
            "accuracy": MetricSummary(estimate=0.8, low=0.78, high=0.82, method="wilson", n=2000)
        },
    )
    page = render_html(comparison, runs=[run])
    assert "Candidate run" in page and "C=0.5" in page and "Baseline run" not in page


def test_bad_arguments_use_the_one_message_shape(comparison: Comparison) -> None:
    with pytest.raises(ParameterError, match="'comparison' parameter of render_html"):
        render_html({"results": []})  # type: ignore[arg-type]
    with pytest.raises(ParameterError, match="'verdict' parameter of render_html"):
        render_html(comparison, "SHIP")  # type: ignore[arg-type]
    with pytest.raises(ParameterError, match="'flips' parameter of ReportLimits"):
        ReportLimits(flips=0)


def test_long_text_is_cut_with_a_note() -> None:
    c = make_comparison(n_flips=1, flip_chars=5000)
    page = render_html(c, limits=ReportLimits(text_chars=300))
    full = len(c.flips[0].input or "")
    assert f"truncated: 300 of {full:,} characters shown" in page


def test_size_stays_bounded_on_a_huge_comparison() -> None:
    """50 metrics × 60 slices, 10,000 long flips, 5,000 manifest differences: under 5 MB."""
    import numpy as np

    rng = np.random.default_rng(1)
    slices = [(f"attr{i // 12}", f"value-{i}") for i in range(60)]
    base = make_comparison(n_flips=0, n_manifest=5000, metrics=(("accuracy", "higher", "binary"),))
    one_metric = [
        simulated_result(rng, "metric", "higher", int(rng.integers(40, 200)), a, v)
        for a, v in [(None, None), *slices]
    ]
    results = [
        r.model_copy(update={"metric": f"metric_{m:02d}"}) for m in range(50) for r in one_metric
    ]
    long = ("<script>alert(1)</script> " * 400)[:10_000]
    flips = [
        Flip(
            example_id=f"ex-{i}",
            metric="metric_00",
            baseline_score=1.0,
            candidate_score=0.0,
            input=long,
            reference="r",
            baseline_output=long,
            candidate_output=long,
        )
        for i in range(10_000)
    ]
    huge = base.model_copy(update={"results": results, "flips": flips})
    page = render_html(huge)
    assert len(page.encode("utf-8")) < 5_000_000
    assert re.search(r"At least 10,000 examples flipped on \S+ .*; 50 shown\.", page)
    assert "of 3,050 results are not shown" in page
    assert "30 metrics beyond the first 20 are not drawn" in page
    assert "200 of 5,000 differences shown" in page
    forest_rows = sum(block.count('width="7"') for block in svg_blocks(page)[:-1])
    assert forest_rows == 300
    for block in svg_blocks(page):
        parse_svg(block)
    text = render_markdown(huge)
    assert len(text.encode("utf-8")) < 5_000_000
    assert re.search(r"At least 10,000 examples flipped on \S+ .*; 50 shown\.", text)
