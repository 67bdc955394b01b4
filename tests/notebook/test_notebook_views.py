"""Notebook views (``_repr_html_``) read back with html.parser: the numbers shown are the
objects' numbers, colours are inline styles, untrusted text stays text."""

from __future__ import annotations

import pytest
from html_cells import close, decimals, numbers, read

import assay
from assay.core import RunList, Verdict
from assay.reports import comparison_html_table, run_html_table, runs_html_table
from assay.testing import (
    HOSTILE_TEXTS,
    report_comparison,
    report_verdict,
    synthetic_records,
    synthetic_suite,
)

RED, GREEN, AMBER, GREY = "#a3121f", "#11612b", "#8a5a00", "#555555"


def _expected_direction(low: float, high: float, goal: str) -> str:
    if low > 0 or high < 0:
        return "better" if (low > 0) == (goal == "higher") else "worse"
    return "unclear"


def _check_interval(text: str, estimate: float, low: float, high: float) -> None:
    shown, places = numbers(text), decimals(text)
    for value, exact in zip(shown, (estimate, low, high), strict=True):
        assert close(value, exact, places), (text, exact)


def test_comparison_view_shows_overall_and_the_slices_whose_difference_excludes_zero() -> None:
    comparison = report_comparison()
    html = comparison._repr_html_()
    assert html is not None and html == comparison_html_table(comparison)
    doc = read(html)
    assert "script" not in doc.tags and "style" not in doc.tags
    overall_table, slice_table = doc.tables
    overall = [r for r in comparison.results if r.slice_attribute is None]
    assert len(overall_table) == len(overall) + 1
    for row, r in zip(overall_table[1:], overall, strict=True):
        assert row[0].text == r.metric and row[1].text == f"{r.n:,}"
        _check_interval(row[2].text, r.baseline.estimate, r.baseline.low, r.baseline.high)
        _check_interval(row[3].text, r.candidate.estimate, r.candidate.low, r.candidate.high)
        _check_interval(row[4].text, r.difference.estimate, r.difference.low, r.difference.high)
        want = _expected_direction(r.difference.low, r.difference.high, r.goal)
        assert row[5].text == want
        colour = {"better": GREEN, "worse": RED, "unclear": GREY}[want]
        assert row[4].colours == [colour] and row[5].colours == [colour]

    decisive = [
        r
        for r in comparison.results
        if r.slice_attribute is not None
        and _expected_direction(r.difference.low, r.difference.high, r.goal) != "unclear"
    ]
    worse = [
        r
        for r in decisive
        if _expected_direction(r.difference.low, r.difference.high, r.goal) == "worse"
    ]
    assert len(decisive) > 30 and 0 < len(worse) < 30  # the cap is exercised
    assert len(slice_table) == 30 + 1
    n_slices = len(comparison.results) - len(overall)
    assert f"({len(decisive)} of {n_slices}; {n_slices - 30} not shown)" in "".join(doc.text)
    by_label = {(r.metric, f"{r.slice_attribute}={r.slice_value}"): r for r in decisive}
    seen = set()
    directions = []
    for row in slice_table[1:]:
        r = by_label[(row[0].text, row[1].text)]
        seen.add((row[0].text, row[1].text))
        assert row[2].text == f"{r.n:,}"
        _check_interval(row[5].text, r.difference.estimate, r.difference.low, r.difference.high)
        directions.append(row[6].text)
    # every regression is shown, before any gain
    assert {(r.metric, f"{r.slice_attribute}={r.slice_value}") for r in worse} <= seen
    assert directions == ["worse"] * len(worse) + ["better"] * (30 - len(worse))
    tweets = next(
        row
        for row in slice_table[1:]
        if (row[0].text, row[1].text) == ("accuracy", "domain=tweets")
    )
    assert tweets[6].text == "worse" and tweets[5].colours == [RED]
    assert "<script>alert(1)</script>" not in html  # a hostile slice value stays text


def test_comparison_view_says_when_no_slice_difference_excludes_zero() -> None:
    comparison = report_comparison(slices=[])
    doc = read(comparison_html_table(comparison))
    assert len(doc.tables) == 1
    assert "No slice difference excludes 0 (0 slice results)." in "".join(doc.text)


@pytest.mark.parametrize("verdict", list(Verdict))
def test_verdict_view_colours_each_rule_and_lists_its_evidence(verdict: Verdict) -> None:
    result = report_verdict(verdict)
    html = result._repr_html_()
    assert html is not None
    doc = read(html)
    assert "script" not in doc.tags
    (rules,) = doc.tables
    header = [c.text for c in rules[0]]
    assert header[3] == "Outcome" and header[6] == "Evidence"
    assert len(rules) == len(result.rules) + 1
    colours = {"pass": GREEN, "fail": RED, "inconclusive": AMBER}
    for row, rule in zip(rules[1:], result.rules, strict=True):
        assert row[3].text == rule.outcome.upper()
        assert row[3].colours == [colours[rule.outcome]]
        assert row[6].text == "".join(rule.evidence)  # one label a line
        assert row[5].text == rule.reason
    word = {"SHIP": GREEN, "BLOCK": RED, "INCONCLUSIVE": AMBER}[verdict.value]
    assert f'<span style="color:{word};' in html.split("<table")[0]
    if verdict == Verdict.BLOCK:
        (slices,) = [row for row in rules[1:] if row[1].text.startswith("no-slice-regression")]
        assert (slices[3].text, slices[6].text) == ("FAIL", "accuracy on domain=tweets")


@pytest.fixture
def runs(store: assay.Store) -> RunList:
    suite = synthetic_suite(120, seed=5)
    for s in (1, 2):
        assay.log_run(
            synthetic_records(suite, seed=s),
            suite=suite,
            model=f"clf@{s}",
            tags={"note": HOSTILE_TEXTS[0], "bidi": "a\u202eb"},
            store=store,
        )
    return assay.list_runs(store=store)


def test_run_view_shows_every_metric_with_its_interval_and_method(runs: RunList) -> None:
    run = runs[0]
    html = run._repr_html_()
    assert html is not None and html == run_html_table(run)
    doc = read(html)
    assert "script" not in doc.tags
    (table,) = doc.tables
    assert len(table) == len(run.metrics) + 1
    for row, (name, s) in zip(table[1:], run.metrics.items(), strict=True):
        assert row[0].text == name
        _check_interval(row[1].text, s.estimate, s.low, s.high)
        assert (row[3].text, row[5].text) == (f"{s.n:,}", s.method)
    text = "".join(doc.text)
    assert f"{run.model.name}@{run.model.version}" in text and run.suite_name in text
    assert f"{run.n_records:,} records" in text
    assert "<script>alert(1)</script>" in text and "\u202e" not in text


def test_run_with_manifest_renders_like_its_listing(store: assay.Store, runs: RunList) -> None:
    full = assay.get_run(runs[0].run_id, store=store)
    assert full._repr_html_() == runs[0]._repr_html_()


def test_list_of_runs_view_has_a_row_per_run(runs: RunList) -> None:
    html = runs._repr_html_()
    assert html is not None and html == runs_html_table(runs)
    (table,) = read(html).tables
    header = [c.text for c in table[0]]
    metrics = list(runs[0].metrics)[:6]
    assert header[5 : 5 + len(metrics)] == metrics
    assert len(table) == len(runs) + 1
    for row, run in zip(table[1:], runs, strict=True):
        assert row[0].text == run.run_id[:12]
        assert row[1].text == f"{run.model.name}@{run.model.version}"
        assert row[4].text == f"{run.n_records:,}"
        for cell, name in zip(row[5:], metrics, strict=False):
            s = run.metrics[name]
            _check_interval(cell.text, s.estimate, s.low, s.high)


def test_a_long_list_of_runs_says_what_it_leaves_out(runs: RunList) -> None:
    run = runs[0]
    summary = next(iter(run.metrics.values()))
    wide = run.model_copy(update={"metrics": {f"m{i}": summary for i in range(7)}})
    many = RunList([wide] * 31)
    doc = read(many._repr_html_() or "")
    (table,) = doc.tables
    assert len(table) == 30 + 1 and len(table[0]) == 5 + 6 + 1
    assert "31 runs" in doc.text[0]
    assert "1 more run not shown; 1 more metric not shown." in "".join(doc.text)
