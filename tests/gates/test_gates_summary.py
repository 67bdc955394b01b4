"""The verdict's summary names the evidence that decided it, with numbers, not rule names."""

from __future__ import annotations

import pytest

from assay.core import MetricComparison, Verdict
from assay.gates import default_policy, evaluate_policy, load_policy
from assay.testing import comparison_of, metric_result

pytestmark = pytest.mark.filterwarnings("ignore::assay.errors.SmallSliceWarning")

_LANGUAGES = [
    "ar",
    "bn",
    "de",
    "en",
    "es",
    "fa",
    "fr",
    "hi",
    "id",
    "it",
    "ja",
    "ko",
    "pt",
    "ru",
    "sw",
]


def _results(de: tuple[float, float, float], de_p: float) -> list[MetricComparison]:
    out = [metric_result((0.02, 0.016, 0.024), metric="correct", test="mcnemar exact")]
    for lang in _LANGUAGES:
        diff, p = (de, de_p) if lang == "de" else ((0.0, -0.05, 0.05), 0.9)
        out.append(metric_result(diff, metric="correct", slice=f"language={lang}", p_value=p))
    latency = metric_result(
        (162.8, 140.0, 186.0), metric="latency_p95", goal="lower", baseline=(400.0, 380.0, 420.0)
    )
    return [*out, latency]


def test_block_names_the_regressing_slice_with_its_holm_adjusted_p_value() -> None:
    # de's one-sided p is 0.0002/2 = 0.0001, the smallest of 15; Holm multiplies it by 15
    v = evaluate_policy(default_policy(), comparison_of(_results((-0.222, -0.343, -0.091), 0.0002)))
    assert v.verdict is Verdict.BLOCK
    assert v.summary == (
        "BLOCK: correct on language=de −22.2 points [−34.3, −9.1], p_adj 0.0015 "
        "(no regression on any slice)"
    )


def test_a_p_value_at_the_bootstrap_floor_is_written_as_below_a_thousandth() -> None:
    # one-sided 1e-6, times 15: below 0.001, where a bootstrap's digits (its floor is
    # 1/2001 at 2,000 resamples) are noise
    v = evaluate_policy(default_policy(), comparison_of(_results((-0.2, -0.3, -0.1), 2e-6)))
    assert "p_adj < 0.001 (no regression on any slice)" in v.summary
    (rule,) = [o for o in v.rules if o.rule == "no_slice_regression"]
    assert "(p_adj < 0.001)" in rule.reason


def test_ship_names_the_margin_the_slices_and_the_reported_budget() -> None:
    v = evaluate_policy(default_policy(), comparison_of(_results((0.0, -0.05, 0.05), 0.9)))
    assert v.verdict is Verdict.SHIP
    # 162.8 / 400 = +40.7% against the +20% allowed: reported, never blocking
    assert v.summary == (
        "SHIP: correct +2.0 points [+1.6, +2.4] at or above the −1.0-point margin; no slice "
        "of correct regresses (Holm over 15 slices); 2 more blocking rules pass (coverage, "
        "error-rate limit); latency_p95 +163 ms [+140, +186] over the baseline's 400 ms "
        "(+40.7% [+35.0%, +46.5%]), entirely above the +20.0% allowed increase (+80 ms) "
        "(reported only)"
    )


@pytest.mark.parametrize(
    ("diff", "verdict"),
    [
        ((0.02, 0.01, 0.03), Verdict.SHIP),
        ((-0.005, -0.015, 0.005), Verdict.INCONCLUSIVE),
        ((-0.05, -0.07, -0.03), Verdict.BLOCK),
    ],
)
def test_the_verdict_word_starts_the_summary_once_and_no_rule_name_appears(
    diff: tuple[float, float, float], verdict: Verdict
) -> None:
    policy = load_policy(
        "name: p\nrules:\n  quality:\n"
        "    - {name: zz_named_rule, metric: accuracy, kind: non_inferiority, margin: 0.01}\n"
    )
    v = evaluate_policy(policy, comparison_of([metric_result(diff, test="mcnemar exact")]))
    assert v.verdict is verdict
    assert v.summary.startswith(f"{verdict.value}: accuracy ")
    assert v.summary.count(verdict.value) == 1
    assert "zz_named_rule" not in v.summary
    assert "points [" in v.summary and "−1.0-point margin" in v.summary
