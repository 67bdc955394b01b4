"""Notebook tables, and the private chart helpers (scale and ticks) on their own."""

from __future__ import annotations

import itertools
import math

import pytest
from report_checks import collect

from assay.errors import ParameterError
from assay.reports import comparison_html_table, verdict_html_table
from assay.reports._svg import Scale, nice_ticks
from assay.testing import report_comparison as make_comparison
from assay.testing import report_verdict as make_verdict


def test_comparison_table_has_the_overall_rows_escaped() -> None:
    c = make_comparison()
    html = comparison_html_table(c)
    doc = collect(html)
    overall = [r for r in c.results if r.slice_attribute is None]
    # the overall table, then the slices whose difference excludes 0 (capped at 30)
    assert doc.names().count("table") == 2
    assert doc.names().count("tr") == (len(overall) + 1) + (30 + 1)
    assert "script" not in doc.names() and "style" not in doc.names()
    for r in overall:
        assert f">{r.metric}</td>" in html
    assert "wilson" in html  # the methods under the table


def test_verdict_table_escapes_reasons() -> None:
    v = make_verdict()
    html = verdict_html_table(v)
    doc = collect(html)
    assert "script" not in doc.names()
    assert doc.names().count("tr") == len(v.rules) + 1
    assert "<script>alert(3)</script>" in "".join(doc.text)
    with pytest.raises(ParameterError, match="'verdict' parameter of verdict_html_table"):
        verdict_html_table("BLOCK")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("lo", "hi"), [(0.0, 1.0), (-0.31, 0.07), (-42.0, -18.0), (1e-5, 3e-4), (-1e6, 2.5e6)]
)
def test_nice_ticks_are_round_evenly_spaced_and_inside(lo: float, hi: float) -> None:
    ticks = nice_ticks(lo, hi)
    assert 3 <= len(ticks) <= 11
    steps = {round(b - a, 12) for a, b in itertools.pairwise(ticks)}
    assert len(steps) == 1
    step = steps.pop()
    mantissa = step / 10 ** math.floor(math.log10(step))
    assert any(math.isclose(mantissa, m) for m in (1, 2, 5))
    assert lo - 1e-12 <= ticks[0] < lo + step and hi - step < ticks[-1] <= hi + 1e-12


def test_scale_maps_ends_and_clips() -> None:
    s = Scale(-2.0, 2.0, 100.0, 300.0)
    assert (s(-2.0), s(0.0), s(2.0)) == (100.0, 200.0, 300.0)
    assert s(-math.inf) == 100.0 and s(99.0) == 300.0
