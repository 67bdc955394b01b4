"""What decided a verdict, the rollback criteria and the flip counts, checked against numbers
computed here from the comparison, independently of the report code."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest

from assay.core import (
    Comparison,
    Coverage,
    Flip,
    FlipCount,
    Interval,
    MetricComparison,
    RunErrors,
    Verdict,
)
from assay.gates import default_policy, evaluate_policy
from assay.reports import render_html, render_markdown, render_memo
from assay.reports._format import pvalue_text

MINUS = "\u2212"


def _iv(est: float, half: float) -> Interval:
    return Interval(estimate=est, low=est - half, high=est + half, method="t")


def _result(
    metric: str,
    base: float,
    diff: float,
    half: float,
    p: float,
    *,
    attr: str | None = None,
    value: str | None = None,
    n: int = 400,
    goal: str = "higher",
    p_adj: float | None = None,
    resamples: int | None = None,
) -> MetricComparison:
    return MetricComparison(
        metric=metric,
        goal=goal,  # type: ignore[arg-type]
        slice_attribute=attr,
        slice_value=value,
        n=n,
        baseline=_iv(base, 0.02),
        candidate=_iv(base + diff, 0.02),
        difference=Interval(estimate=diff, low=diff - half, high=diff + half, method="newcombe"),
        test="mcnemar",
        p_value=p,
        p_adjusted=p_adj,
        adjustment=None if p_adj is None else "benjamini-hochberg over 3 slice results",
        resamples=resamples,
    )


def _comparison(results: list[MetricComparison], **kw: object) -> Comparison:
    return Comparison(
        baseline_run="r-a",
        candidate_run="r-b",
        baseline_model="base@1",
        candidate_model="cand@2",
        suite_name="qa",
        suite_digest="sha256:00",
        coverage=Coverage(shared=1200, baseline_only=0, candidate_only=0, suite_examples=1200),
        results=results,
        errors={
            "baseline": RunErrors(records=1200, errors=0),
            "candidate": RunErrors(records=1200, errors=3),
        },
        created_at=datetime(2024, 5, 1, tzinfo=UTC),
        **kw,  # type: ignore[arg-type]
    )


def _blocked() -> Comparison:
    return _comparison(
        [
            _result("correct", 0.756, 0.004, 0.012, 0.5),
            _result("correct", 0.80, 0.01, 0.03, 0.5, attr="language", value="en", p_adj=0.6),
            _result("correct", 0.70, -0.222, 0.12, 0.001, attr="language", value="de", p_adj=0.004),
            _result("correct", 0.75, 0.0, 0.05, 0.9, attr="language", value="fr", p_adj=0.9),
        ]
    )


def _shipped() -> Comparison:
    # Slice "de" is marked worse by its own interval, but not significantly after Holm.
    return _comparison(
        [
            _result("correct", 0.756, 0.02, 0.008, 0.0001),
            _result("correct", 0.80, 0.03, 0.02, 0.01, attr="language", value="en", p_adj=0.03),
            _result("correct", 0.70, -0.05, 0.045, 0.04, attr="language", value="de", p_adj=0.06),
            _result("correct", 0.75, 0.02, 0.03, 0.3, attr="language", value="fr", p_adj=0.3),
        ]
    )


def _holm(ps: list[float]) -> list[float]:
    order = sorted(range(len(ps)), key=lambda i: ps[i])
    out, running = [0.0] * len(ps), 0.0
    for rank, i in enumerate(order):
        running = max(running, min(1.0, (len(ps) - rank) * ps[i]))
        out[i] = running
    return out


def test_block_leads_with_the_deciding_slice_and_writes_no_rollout() -> None:
    c = _blocked()
    v = evaluate_policy(default_policy(), c)
    assert v.verdict == Verdict.BLOCK
    evidence = f"correct on language=de {MINUS}22.2 points [{MINUS}34.2, {MINUS}10.2], p_adj 0.004"
    memo = render_memo(c, v, policy=default_policy())
    head = memo.splitlines()[2:5]
    assert head[0].startswith("**Decision: BLOCK**")
    assert head[1] == f"**Evidence:** {evidence} (fails rule no\\_slice\\_regression).  "
    assert head[2].startswith("**Next:** cand@2 must not ship")
    assert "roll back" not in memo and "| Shadow |" not in memo
    assert "## 8. No rollout" in memo
    page = render_html(c, v, policy=default_policy())
    verdict = page[page.index('id="verdict"') : page.index('id="rules"')]
    assert evidence in verdict and "SHIP" not in verdict
    assert verdict.count(">BLOCK<") == 1 and "BLOCK BLOCK" not in verdict
    md = render_markdown(c, v)
    assert md.count("BLOCK: BLOCK") == 0 and "correct on language=de" in md


def test_rollback_criteria_are_the_baseline_moved_by_the_policys_margins() -> None:
    c = _shipped()
    policy = default_policy()
    v = evaluate_policy(policy, c)
    assert v.verdict == Verdict.SHIP
    memo = render_memo(c, v, policy=policy)
    plan = memo.split("## 8. Rollout and rollback plan")[1].split("## 9.")[0]
    # Non-inferiority: the baseline's 75.6% minus the 1-point margin of the default policy.
    limit = (0.756 - 0.01) * 100
    assert (
        f"- correct: roll back if it falls below {limit:.1f}% (baseline 75.6% {MINUS} the "
        "1.0-point margin of rule non\\_inferiority)." in plan
    )
    # No regression on any slice (margin 0): each slice's own baseline.
    # no margin: the rule's own test decides, never one live reading under the baseline
    assert (
        "- correct on language=de: roll back if live data show it significantly below the "
        "baseline's 70.0% (rule no\\_slice\\_regression's one-sided test" in plan
    )
    assert "falls below 70.0%" not in plan
    # The error budget is the policy's 5% maximum, not the candidate's observed rate.
    assert "roll back if live errors rise above 5.0% of requests" in plan
    assert "0.25% in this evaluation" in plan  # 3 of 1,200
    assert not re.search(r"exceed 0\.00%", plan)
    page = render_html(c, v, policy=policy)
    verdict = page[page.index('id="verdict"') : page.index('id="rules"')]
    assert verdict.count(">SHIP<") == 1 and verdict.count("SHIP") == 2  # the class, the word
    assert "language=de is marked worse" in verdict and "did not block" in verdict
    worse = memo.split("## 6. Recommendation")[1].split("## 7.")[0]
    ps = [1 - 0.01 / 2, 0.04 / 2, 1 - 0.3 / 2]  # one-sided p of a worsening per slice
    expected = _holm(ps)[1]
    line = next(s for s in worse.splitlines() if "language=de is marked worse" in s)
    assert f"not significant after Holm over 3 slices, p_adj {expected:.3f}" in line


def test_the_memo_says_true_flip_counts_in_both_directions() -> None:
    flips = [
        Flip(
            example_id=f"w{i}",
            metric="correct",
            baseline_score=1,
            candidate_score=0,
            regression=True,
            change=-1.0,
        )
        for i in range(3)
    ] + [
        Flip(example_id=f"b{i}", metric="correct", baseline_score=0, candidate_score=1, change=1.0)
        for i in range(2)
    ]
    c = _comparison(
        _blocked().results,
        flips=flips,
        flip_counts=[FlipCount(metric="correct", worse=305, better=601)],
    )
    v = evaluate_policy(default_policy(), c)
    for text in (render_memo(c, v), render_markdown(c, v), render_html(c, v)):
        assert "906 examples flipped on correct: 305 worse, 601 better; 5 shown." in text
        assert "5 examples flipped." not in text


@pytest.mark.parametrize(
    ("p", "resamples", "shown"),
    [
        (2 / 2001, 2000, "< 0.001"),  # at the two-sided floor of 2,000 resamples
        (1 / 2001, 2000, "< 0.001"),
        (2 / 201, 200, "< 0.01"),
        (0.0234, 2000, "0.023"),
        (0.31, None, "0.31"),
        (0.00004, None, "< 0.001"),
        (0.004, None, "0.004"),
    ],
)
def test_p_values_at_the_resampling_floor(p: float, resamples: int | None, shown: str) -> None:
    assert pvalue_text(p, resamples) == shown


@pytest.mark.parametrize(("lo", "hi"), [(0.0, 0.2), (-0.034, 0.012), (-3.4, 1.2), (0.0, 1e-4)])
def test_axis_ticks_are_distinct_and_round(lo: float, hi: float) -> None:
    from assay.reports._svg import nice_ticks, tick_decimals

    ticks = nice_ticks(lo, hi)
    labels = [f"{t:.{tick_decimals(ticks)}f}" for t in ticks]
    assert len(ticks) >= 3 and len(set(labels)) == len(labels)
    assert all(float(label) == pytest.approx(t) for label, t in zip(labels, ticks, strict=True))


def test_forest_draws_the_margin_and_shades_the_failing_row() -> None:
    import xml.etree.ElementTree as ET

    c = _blocked()
    v = evaluate_policy(default_policy(), c)
    page = render_html(c, v, policy=default_policy())
    svg = page[page.index('<svg class="forest"') : page.index("</svg>") + 6]
    root = ET.fromstring(svg)
    ns = "{http://www.w3.org/2000/svg}"
    lines = [el for el in root.iter() if el.tag in ("line", f"{ns}line")]
    margin = [el for el in lines if el.get("class") == "margin"]
    zero = [el for el in lines if el.get("stroke-dasharray")]
    assert len(margin) == 1 and len(zero) == 1
    # The margin is 1 point below zero on an axis in points: left of the zero line by the
    # same distance per point as the ticks are apart.
    ticks = {
        (el.text or ""): float(el.get("x", "nan"))
        for el in root.iter()
        if el.tag in ("text", f"{ns}text") and el.get("y") == "30"
    }
    per_point = (ticks["0"] - ticks["\u221210"]) / 10
    assert float(margin[0].get("x1", "nan")) == pytest.approx(ticks["0"] - per_point, abs=0.2)
    rows = [r for r in c.results if r.metric == "correct"]
    red = [el for el in root.iter() if el.get("fill") == "#fbe3e5"]
    assert len(red) == 1
    index = [r.label for r in rows].index("correct on language=de")
    assert float(red[0].get("y", "nan")) == pytest.approx(40 + index * 18)
