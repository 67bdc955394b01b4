"""What a report names: the offline wording by default, users and arms for an experiment."""

from __future__ import annotations

import re

from assay.core import Verdict, VerdictResult
from assay.reports import (
    OFFLINE,
    ReportKind,
    experiment_kind,
    render_html,
    render_markdown,
    render_memo,
)
from assay.testing import report_comparison

FLIPS = re.compile(r"\bflip\w*\b", re.IGNORECASE)


def _verdict() -> VerdictResult:
    return VerdictResult(
        verdict=Verdict.SHIP,
        policy="p",
        policy_digest="0" * 64,
        summary="SHIP: every blocking rule passes.",
        rules=[],
    )


def test_the_offline_kind_is_the_default_and_changes_nothing() -> None:
    c, v = report_comparison(), _verdict()
    assert ReportKind() == OFFLINE
    assert render_markdown(c, v) == render_markdown(c, v, kind=OFFLINE)
    assert render_html(c, v) == render_html(c, v, kind=OFFLINE)
    assert render_memo(c, v) == render_memo(c, v, kind=OFFLINE)
    text = render_markdown(c, v)
    assert "## Flipped examples" in text and "## Coverage" in text
    assert f"| Examples in the suite | {c.coverage.suite_examples:,} |" in text


def test_an_experiment_kind_names_users_and_arms_and_drops_flips() -> None:
    c, v = report_comparison(), _verdict()
    assert c.flips  # the comparison has flips: leaving them out is the kind's doing
    kind = experiment_kind({"control": 1_200, "treatment": 1_250})
    assert (kind.unit, kind.group, kind.whole, kind.paired) == ("user", "arm", "experiment", False)
    assert kind.group_sizes == (("control", 1_200), ("treatment", 1_250))
    md = render_markdown(c, v, kind=kind)
    memo = render_memo(c, v, kind=kind)
    page = render_html(c, v, kind=kind)
    for text in (md, memo, re.sub(r"<style>.*?</style>", "", page, flags=re.S)):
        assert FLIPS.search(text) is None
        assert "paired by example id" not in text
        assert "all users" in text.lower()
    assert "| control | 1,200 |" in md and "| treatment | 1,250 |" in md
    assert "## Coverage" not in md and "## Users per arm" in md
    assert "Users per arm: control 1,200, treatment 1,250;" in memo
    assert f"| Baseline | arm {c.baseline_run} |" in md


def test_an_experiment_report_has_no_run_sections_and_counts_users_per_arm() -> None:
    c, v = report_comparison(), _verdict()
    n = c.results[0].n
    kind = experiment_kind({"control": n // 2, "treatment": n - n // 2})
    md = render_markdown(c, v, kind=kind)
    page = render_html(c, v, kind=kind)
    memo = render_memo(c, v, kind=kind)
    for text in (md, page):
        assert "Manifest" not in text and "## Errors" not in text and "<h2>Errors" not in text
        assert "n (control / treatment)" in text
        assert f"{n // 2:,} / {n - n // 2:,}" in text
    assert "Errors:" not in memo and "n (control / treatment)" in memo
    # a result whose count is not the arms' sizes added up says it covers both arms
    odd = experiment_kind({"control": 1, "treatment": 2})
    assert f"{n:,} (both arms)" in render_markdown(c, v, kind=odd)
    offline = render_markdown(c, v)
    assert "## Errors" in offline and "## Manifest differences" in offline
    assert "| Slice | n |" in offline  # the offline header is plain n
