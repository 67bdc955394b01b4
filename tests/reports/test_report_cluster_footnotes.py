"""Methods expanded for different numbers of clusters share one footnote in every report
format, which lists the counts; each row still says its own count in its test."""

from __future__ import annotations

import re
from html import unescape

import pytest

from assay.compare import compare_records
from assay.core import Comparison
from assay.reports import method_index, render_html, render_markdown
from assay.testing import comparison_suite, paired_records, run_info

_EXPANDED = re.compile(r"expanded for (\d+) clusters")


@pytest.fixture(scope="module")
def comparison() -> Comparison:
    # macro-F1 is bootstrapped in every slice, and each slice holds its own number of clusters
    data = comparison_suite(
        240, metrics=("label_f1",), aggregates={"label_f1": "macro_f1"}, cluster_size=4, seed=3
    )
    base, cand = paired_records(data, 0), paired_records(data, 1)
    return compare_records(
        run_info(data, "base"), base, run_info(data, "cand"), cand, data.suite, resamples=200
    )


def _counts(comparison: Comparison) -> set[int]:
    found = set()
    for r in comparison.results:
        for text in (r.difference.method, r.test or ""):
            found |= {int(g) for g in _EXPANDED.findall(text)}
    return found


def test_one_footnote_for_every_cluster_count_listing_them(comparison: Comparison) -> None:
    counts = _counts(comparison)
    assert len(counts) >= 2  # slices of different sizes: the case this is for
    index = method_index(comparison)
    numbers = {index.ref(r.difference.method) for r in comparison.results}
    texts = {r.difference.method for r in comparison.results}
    assert len(numbers) < len(texts)  # methods differing only in G share a number
    entries = {num: method for num, method, _, _ in index.entries()}
    for r in comparison.results:
        note = entries[index.ref(r.difference.method)]  # type: ignore[index]
        g = _EXPANDED.search(r.difference.method)
        if g is not None:  # the family's note lists this G, or is this very method alone
            shared = "expanded for G clusters" in note and f"{int(g[1]):,}" in note
            assert shared or note == r.difference.method
    uses = sum(u for num, _, u, _ in index.entries())
    everything = [
        m
        for r in comparison.results
        for m in (r.difference.method, r.baseline.method, r.candidate.method, r.test, r.adjustment)
        if m
    ]
    assert uses == len(everything)  # every use counted once, none lost in the grouping


@pytest.mark.parametrize("fmt", ["markdown", "html"])
def test_reports_carry_one_footnote_per_family_and_each_row_its_count(
    comparison: Comparison, fmt: str
) -> None:
    text = render_markdown(comparison) if fmt == "markdown" else unescape(render_html(comparison))
    assert text.count("expanded for G clusters") >= 1
    for g in _counts(comparison):
        assert f"expanded for {g} clusters" in text  # the row's own test names its count
    listed = re.findall(
        r"expanded for G clusters \(G is each result's number of clusters: ([^)]*)\)", text
    )
    assert listed and all(listed)
