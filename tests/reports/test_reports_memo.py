"""The decision memo: every section, the human placeholders, and evidence-derived content."""

from __future__ import annotations

import re

import pytest

from assay.core import Comparison, Verdict, VerdictResult
from assay.errors import ParameterError
from assay.reports import PLACEHOLDER, render_memo
from assay.testing import report_comparison as make_comparison
from assay.testing import report_verdict as make_verdict
from assay.testing import rule_outcome as rule

SECTIONS = [
    "**Decision: ",
    "**Evidence:** ",
    "**Next:** ",
    "## 1. Question",
    "## 2. Options considered",
    "## 3. Evidence",
    "## 4. Tradeoffs",
    "## 5. Safety implications",
    "## 6. Recommendation",
    "## 7. What would change this recommendation",
    "## 8. ",
    "## 9. Sign-off",
    "## Methods",
]


@pytest.fixture(scope="module")
def comparison() -> Comparison:
    return make_comparison()


@pytest.mark.parametrize("verdict", list(Verdict))
def test_every_section_in_order_with_the_human_parts(
    comparison: Comparison, verdict: Verdict
) -> None:
    memo = render_memo(comparison, make_verdict(verdict))
    positions = [memo.index(s) for s in SECTIONS]
    assert positions == sorted(positions)
    blocks = [line for line in memo.splitlines() if line.startswith(f"> {PLACEHOLDER}")]
    owners = {re.match(rf"> {PLACEHOLDER} (.+?):", b).group(1) for b in blocks}  # type: ignore[union-attr]
    assert len(blocks) >= 6 and owners == {"THE DECISION OWNER", "THE SAFETY REVIEWER"}
    for stage in ("Shadow", "Canary", "Ramp", "Full"):
        assert (f"| {stage} |" in memo) == (verdict != Verdict.BLOCK)
    for option in ("Ship the candidate", "Keep the baseline", "Collect more evidence"):
        assert f"| {option} |" in memo


@pytest.mark.parametrize(
    ("verdict", "phrase"),
    [
        (Verdict.SHIP, "**Ship the candidate**"),
        (Verdict.BLOCK, "**Keep the baseline**"),
        (Verdict.INCONCLUSIVE, "**Collect more evidence**"),
    ],
)
def test_recommendation_follows_the_verdict(
    comparison: Comparison, verdict: Verdict, phrase: str
) -> None:
    memo = render_memo(comparison, make_verdict(verdict))
    rec = memo.split("## 6. Recommendation")[1].split("## 7.")[0]
    assert phrase in rec and f"({verdict.value}, policy release-default)" in rec
    others = {"**Ship the candidate**", "**Keep the baseline**", "**Collect more evidence**"} - {
        phrase
    }
    assert not any(o in rec for o in others)


def test_what_would_change_it_comes_from_to_settle_and_open_rules(comparison: Comparison) -> None:
    v = make_verdict(Verdict.INCONCLUSIVE)
    memo = render_memo(comparison, v)
    section = memo.split("## 7. What would change this recommendation")[1].split("## 8.")[0]
    open_rules = [r for r in v.rules if r.outcome == "inconclusive"]
    assert open_rules
    for r in open_rules:
        assert r.rule in section and (r.to_settle or "") in section


def test_tradeoffs_name_the_slices_that_gain_and_lose(comparison: Comparison) -> None:
    memo = render_memo(comparison, make_verdict())
    line = next(s for s in memo.splitlines() if s.startswith("- **accuracy**"))
    losses = [
        r
        for r in comparison.results
        if r.metric == "accuracy" and r.slice_attribute and r.difference.high < 0
    ]
    gains = [
        r
        for r in comparison.results
        if r.metric == "accuracy" and r.slice_attribute and r.difference.low > 0
    ]
    assert any(r.slice_value == "tweets" for r in losses)  # the builder made tweets regress
    lose_part = line.split("Losses on")[1]
    gain_part = line.split("Losses on")[0]
    for r in losses[:10]:
        assert f"{r.slice_attribute}={r.slice_value}" in lose_part
    for r in gains[:10]:
        assert f"{r.slice_attribute}={r.slice_value}" in gain_part


def test_safety_section_lists_the_safety_tier(comparison: Comparison) -> None:
    v = make_verdict(Verdict.BLOCK)
    safety = render_memo(comparison, v).split("## 5. Safety implications")[1].split("## 6.")[0]
    for r in v.rules:
        assert (f"| {r.rule} |" in safety) == (r.tier == "safety")
    none = VerdictResult(
        verdict=Verdict.SHIP,
        policy="p",
        policy_digest="d",
        summary="s",
        rules=[rule("q", "quality", "accuracy", "pass")],
    )
    assert "says nothing about safety" in render_memo(comparison, none)


def test_question_and_options_are_escaped(comparison: Comparison) -> None:
    memo = render_memo(
        comparison,
        make_verdict(),
        question="Ship <b>it</b> | now?",
        options=["Roll out to `beta` only"],
    )
    assert r"Ship &lt;b&gt;it&lt;/b&gt; \| now?" in memo
    assert r"| Roll out to \`beta\` only |" in memo
    assert "<script>" not in memo


def test_memo_needs_a_verdict(comparison: Comparison) -> None:
    with pytest.raises(ParameterError, match="'verdict' parameter of render_memo"):
        render_memo(comparison, None)  # type: ignore[arg-type]
    with pytest.raises(ParameterError, match="'options' parameter of render_memo"):
        render_memo(comparison, make_verdict(), options=[1, 2])  # type: ignore[list-item]
