"""no_regression: one-sided p-values, Holm / BH against statsmodels, small slices, margins."""

from __future__ import annotations

import re
import warnings

import numpy as np
import pytest
from statsmodels.stats.multitest import multipletests

from assay.core import MetricComparison, RuleOutcome
from assay.errors import SmallSliceWarning
from assay.gates import evaluate_policy, load_policy, regression_p_value
from assay.testing import binary_result
from assay.testing import comparison_of as comparison
from assay.testing import metric_result as result

# Two-sided p-values and the sign of each slice's difference (negative = regression).
P_VALUES = [0.0004, 0.003, 0.012, 0.02, 0.03, 0.2, 0.0001, 0.6, 0.04, 0.008]
SIGNS = [-1, -1, -1, -1, -1, -1, 1, -1, -1, -1]


def _slices(goal: str = "higher") -> list[MetricComparison]:
    out = [result()]
    for i, (p, s) in enumerate(zip(P_VALUES, SIGNS, strict=True)):
        d = 0.02 * s if goal == "higher" else -0.02 * s
        out.append(
            result((d, d - 0.015, d + 0.015), slice=f"group=g{i}", p_value=p, n=400, goal=goal)  # type: ignore[arg-type]
        )
    return out


def _judge(results: list[MetricComparison], **params: object) -> RuleOutcome:
    extra = "".join(f", {k}: {v}" for k, v in params.items())
    policy = load_policy(
        "name: p\nrules:\n  quality:\n"
        f"    - {{name: nr, metric: accuracy, slice: every, kind: no_regression{extra}}}\n"
    )
    (outcome,) = evaluate_policy(policy, comparison(results)).rules
    return outcome


def _failing(outcome: RuleOutcome) -> set[str]:
    return set(re.findall(r"accuracy on (group=g\d+) [−+]", outcome.reason))


@pytest.mark.parametrize(("method", "reference"), [("holm", "holm"), ("bh", "fdr_bh")])
@pytest.mark.parametrize("goal", ["higher", "lower"])
def test_adjustment_matches_statsmodels(method: str, reference: str, goal: str) -> None:
    one_sided = [p / 2 if s < 0 else 1 - p / 2 for p, s in zip(P_VALUES, SIGNS, strict=True)]
    _, adjusted, _, _ = multipletests(one_sided, method=reference)
    expected = {f"group=g{i}" for i, a in enumerate(adjusted) if a < 0.025 and SIGNS[i] < 0}
    assert 0 < len(expected) < len(P_VALUES)  # the family separates the slices
    outcome = _judge(_slices(goal), multiplicity=method)
    assert outcome.outcome == "fail"
    assert _failing(outcome) == expected
    for i in sorted(int(label[-1]) for label in expected):
        assert f"group=g{i} " in outcome.reason
        assert f"(p_adj {adjusted[i]:.2g})" in outcome.reason
    name = "Holm" if method == "holm" else "Benjamini–Hochberg"
    assert f"{name} over {len(P_VALUES)} one-sided tests" in outcome.reason


def test_one_sided_p_value_from_the_two_sided_one_and_the_direction() -> None:
    worse = result((-0.02, -0.03, -0.01), p_value=0.01)
    better = result((0.02, 0.01, 0.03), p_value=0.01)
    assert regression_p_value(worse) == pytest.approx(0.005)
    assert regression_p_value(better) == pytest.approx(0.995)
    lower_worse = result((0.02, 0.01, 0.03), p_value=0.01, goal="lower")
    assert regression_p_value(lower_worse) == pytest.approx(0.005)


def test_small_slices_are_reported_with_their_width_and_cannot_block() -> None:
    tiny = result((-0.30, -0.391, -0.209), slice="group=tiny", n=12, p_value=1e-6)
    with pytest.warns(SmallSliceWarning) as caught:
        outcome = _judge([result(), tiny, result(slice="group=big", n=500)])
    assert [str(w.message) for w in caught] == [
        "Rule 'nr': accuracy on group=tiny has n=12 paired examples, fewer than "
        "min_slice_size=30; it is reported with its interval but cannot fail the rule."
    ]
    assert outcome.outcome == "pass"
    assert (
        "accuracy on group=tiny too small to judge (n=12, interval width ±9.1 points)"
        in outcome.reason
    )
    assert "no significant regression on 1 judged slice " in outcome.reason
    with pytest.warns(SmallSliceWarning, match="group=tiny has n=12"):
        only_tiny = _judge([result(), tiny])
    assert only_tiny.outcome == "pass"
    assert only_tiny.reason.startswith("accuracy: no slice has n >= 30, so none can be judged")
    # The same slice blocks once the minimum allows it, and is no longer a caveat.
    with warnings.catch_warnings():
        warnings.simplefilter("error", SmallSliceWarning)
        assert _judge([result(), tiny], min_slice_size=10).outcome == "fail"


def test_a_significant_regression_within_the_margin_does_not_fail() -> None:
    small_drop = result((-0.004, -0.006, -0.002), slice="group=a", p_value=1e-5)
    assert _judge([result(), small_drop]).outcome == "fail"
    assert _judge([result(), small_drop], margin=0.005).outcome == "pass"
    assert _judge([result(), small_drop], margin=0.003).outcome == "fail"


def test_a_planted_slice_regression_in_real_data_is_found() -> None:
    rng = np.random.default_rng(7)
    results = []
    for lang, drop in (("en", 0.0), ("de", 0.0), ("fr", 0.0), ("tweets", 0.15)):
        n = 600
        base = (rng.random(n) < 0.8).astype(float)
        cand = base.copy()
        # Unbiased noise: as many 1 -> 0 as 0 -> 1 flips on average (0.8 * 0.02 = 0.2 * 0.08).
        noise = rng.random(n) < np.where(base == 1, 0.02, 0.08)
        cand[noise] = 1 - cand[noise]
        worse = (rng.random(n) < drop) & (base == 1)
        cand[worse] = 0.0
        results.append(binary_result(base, cand, slice=f"lang={lang}"))
    outcome = _judge([result(), *results])
    assert outcome.outcome == "fail"
    assert _failing_any(outcome) == {"lang=tweets"}


def _failing_any(outcome: RuleOutcome) -> set[str]:
    return set(re.findall(r"accuracy on (lang=\w+) [−+]", outcome.reason))
