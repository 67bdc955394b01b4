"""Margins a non-inferiority rule does not state: the suite's, 1 point for a proportion, else
1% of the baseline; the reason says which, with the numbers worked by hand."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

import assay
from assay.core import MetricComparison, MetricSpec, RuleOutcome, Suite
from assay.data import SuiteData
from assay.gates import default_policy, evaluate_policy, load_policy, non_inferiority_margin
from assay.testing import comparison_of, metric_result, synthetic_records, synthetic_suite

_NO_MARGIN = "{name: ni, metric: '*', kind: non_inferiority}"


def _suite(*metrics: MetricSpec) -> Suite:
    return Suite(name="s", metrics=metrics, examples_digest="0" * 64, n_examples=1000)


def _judge(
    result: MetricComparison, suite: Suite | None = None, rule: str = _NO_MARGIN
) -> RuleOutcome:
    policy = load_policy(f"name: p\nrules:\n  quality:\n    - {rule}\n")
    (outcome,) = evaluate_policy(policy, comparison_of([result]), suite=suite).rules
    return outcome


def _bleu(diff: tuple[float, float, float]) -> MetricComparison:
    return metric_result(diff, metric="bleu", baseline=(31.2, 30.1, 32.3))


def test_an_absolute_margin_declared_by_the_suite() -> None:
    suite = _suite(MetricSpec(name="bleu", aggregate="bleu", margin=0.5))
    # −1.2 < −0.5 ≤ −0.3: the interval crosses the margin
    crossing = _judge(_bleu((-0.8, -1.2, -0.3)), suite)
    assert crossing.outcome == "inconclusive"
    assert (
        crossing.reason == "bleu: −0.8 [−1.2, −0.3], across the −0.5 margin declared by the suite"
    )
    below = _judge(_bleu((-0.8, -1.1, -0.6)), suite)
    assert below.outcome == "fail"
    assert below.reason == (
        "bleu: −0.8 [−1.1, −0.6], entirely below the −0.5 margin declared by the suite"
    )


def test_a_relative_margin_declared_by_the_suite() -> None:
    suite = _suite(MetricSpec(name="revenue", relative_margin=0.02))
    result = metric_result((-0.12, -0.29, 0.05), metric="revenue", baseline=(31.2, 30.0, 32.4))
    outcome = _judge(result, suite)  # 2% of 31.2 = 0.624 and −0.29 ≥ −0.624
    assert outcome.outcome == "pass"
    assert outcome.reason == (
        "revenue: −0.12 [−0.29, +0.05], entirely at or above the −0.624 margin (relative "
        "margin 2.0% of the baseline's 31.2 = 0.624, declared by the suite)"
    )
    # 2% of 31.2 = 0.624: −0.63 is just beyond it, −0.62 just inside
    assert (
        _judge(
            metric_result((-0.3, -0.63, 0.0), metric="revenue", baseline=(31.2, 30.0, 32.4)), suite
        ).outcome
        == "inconclusive"
    )
    assert (
        _judge(
            metric_result((-0.3, -0.62, 0.0), metric="revenue", baseline=(31.2, 30.0, 32.4)), suite
        ).outcome
        == "pass"
    )


def test_a_metric_not_known_to_be_a_proportion_gets_one_percent_of_the_baseline() -> None:
    # 1% of 31.2 = 0.312: −0.35 < −0.312 ≤ −0.05, so inconclusive (not passing on 1 "point")
    outcome = _judge(_bleu((-0.2, -0.35, -0.05)))
    assert outcome.outcome == "inconclusive"
    assert outcome.reason == (
        "bleu: −0.2 [−0.35, −0.05], across the −0.312 margin (the default for a metric not "
        "known to be a proportion: relative margin 1% of the baseline's 31.2 = 0.312)"
    )
    assert _judge(_bleu((-0.4, -0.5, -0.33))).outcome == "fail"  # −0.33 < −0.312


def test_a_lower_is_better_metric_on_its_own_scale() -> None:
    # response time 412 ms: 1% is 4.12; a rise of [+0.5, +4.0] stays within it
    base = (412.0, 400.0, 424.0)
    within = metric_result((2.0, 0.5, 4.0), metric="response_ms", goal="lower", baseline=base)
    beyond = metric_result((3.0, 1.0, 5.0), metric="response_ms", goal="lower", baseline=base)
    assert _judge(within).outcome == "pass"
    outcome = _judge(beyond)
    assert outcome.outcome == "inconclusive"
    assert "+4.12 margin" in outcome.reason and "= 4.12)" in outcome.reason


def test_a_proportion_keeps_the_absolute_point() -> None:
    zero_one = metric_result((-0.004, -0.009, 0.001), test="mcnemar exact")
    outcome = _judge(zero_one)  # −0.9 points ≥ −1.0 point
    assert outcome.outcome == "pass"
    assert outcome.reason == (
        "accuracy: −0.40 points [−0.90, +0.10], entirely at or above the −1.0-point margin "
        "(the default for a proportion)"
    )
    # the same interval from a paired t test, with nothing known of the metric: 1% of 80%
    # is 0.8 points, and −0.9 points crosses it
    unknown = metric_result((-0.004, -0.009, 0.001), test="paired t")
    assert _judge(unknown).outcome == "inconclusive"
    # the suite's scorer says the scores are 0/1 (a clustered comparison uses a t test)
    scored = _suite(MetricSpec(name="accuracy", scorer="exact_match"))
    assert _judge(unknown, scored).outcome == "pass"
    assert _judge(unknown, _suite(MetricSpec(name="accuracy", aggregate="f1"))).outcome == "pass"


def test_a_margin_the_rule_states_wins_over_the_suites() -> None:
    suite = _suite(MetricSpec(name="bleu", margin=5.0))
    rule = "{name: ni, metric: bleu, kind: non_inferiority, margin: 0.1}"
    outcome = _judge(_bleu((-0.8, -1.1, -0.6)), suite, rule)
    assert outcome.outcome == "fail"
    assert outcome.reason == "bleu: −0.8 [−1.1, −0.6], entirely below the −0.1 margin"


def test_the_margin_function_and_its_sources() -> None:
    spec = MetricSpec(name="x", relative_margin=0.1)
    assert non_inferiority_margin(None, None, spec, -20.0, zero_one=False) == (
        2.0,
        "suite relative",
    )
    assert non_inferiority_margin(0.3, None, spec, 20.0, zero_one=True) == (0.3, "rule")
    assert non_inferiority_margin(None, None, None, 0.7, zero_one=True) == (0.01, "proportion")
    assert non_inferiority_margin(None, None, None, 250.0, zero_one=False) == (2.5, "relative")


@pytest.mark.parametrize(
    ("fields", "words"),
    [
        ({"margin": 0.5, "relative_margin": 0.1}, "not both"),
        ({"margin": -0.5}, "positive"),
        ({"margin": float("nan")}, "positive"),
        ({"relative_margin": 1.5}, "(0, 1)"),
    ],
)
def test_bad_declared_margins_are_refused(fields: dict[str, float], words: str) -> None:
    with pytest.raises(ValidationError, match="metric 'bleu'") as info:
        MetricSpec(name="bleu", **fields)
    assert words in str(info.value)


def test_a_margin_is_part_of_the_suites_identity_only_when_declared() -> None:
    plain = _suite(MetricSpec(name="bleu"))
    declared = _suite(MetricSpec(name="bleu", margin=0.5))
    assert declared.digest != plain.digest
    assert _suite(MetricSpec(name="bleu", margin=None)).digest == plain.digest


@pytest.mark.filterwarnings("ignore::assay.errors.SmallSliceWarning")
def test_gate_runs_uses_the_margin_the_stored_suite_declares(store: assay.Store) -> None:
    data = synthetic_suite(300, seed=5)
    runs: dict[str, str] = {}
    for label, spec in {
        "declared": MetricSpec(name="accuracy", margin=0.3),
        "default": MetricSpec(name="accuracy"),
    }.items():
        suite = data.suite.model_copy(update={"metrics": (spec,)})
        one = SuiteData(suite=suite, examples=data.examples)
        b, c = (
            assay.log_run(synthetic_records(one, seed=s), suite=one, model=f"m@{s}", store=store)
            for s in (1, 2)
        )
        gated = assay.gate_runs(b.run.run_id, c.run.run_id, store=store)
        (ni,) = [o for o in gated.verdict.rules if o.rule == "non_inferiority"]
        runs[label] = ni.reason
    assert runs["declared"].endswith("−30.0-point margin declared by the suite")
    assert runs["default"].endswith("−1.0-point margin (the default for a proportion)")
    assert default_policy().rules.quality[1].params == {}


def test_a_suite_file_declares_its_metrics_margins(tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "suite.yaml"
    path.write_text(
        "name: translate\n"
        "metrics:\n"
        "  - {name: bleu, goal: higher, margin: 0.5}\n"
        "  - {name: revenue, goal: higher, relative_margin: 0.02}\n"
        "examples:\n"
        "  - {example_id: a, input: x, reference: y}\n"
    )
    specs = {m.name: m for m in assay.load_suite(path).suite.metrics}
    assert (specs["bleu"].margin, specs["bleu"].relative_margin) == (0.5, None)
    assert (specs["revenue"].margin, specs["revenue"].relative_margin) == (None, 0.02)
    path.write_text(path.read_text().replace("margin: 0.5", "margin: -0.5"))
    with pytest.raises(assay.errors.AssayError, match="'margin' must be a positive number"):
        assay.load_suite(path)
