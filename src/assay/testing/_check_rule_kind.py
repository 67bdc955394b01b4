"""Conformance of a rule kind with the contract of :class:`assay.gates.RuleKind`.

:func:`check_rule_kind` judges a registered kind on three comparisons built by hand (the
candidate clearly better, clearly worse, and too uncertain to tell) through the same path
:func:`assay.gates.evaluate_policy` takes, and checks what every kind owes its callers: a
pydantic ``parameters`` model that refuses unknown fields, one of the three outcomes with a
reason in words, the same judgement twice, a GateError for a metric the comparison lacks, and
a ConfigError for a slice on a kind that cannot be sliced.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import BaseModel

from assay.core import Comparison, Coverage, MetricComparison, RunErrors
from assay.errors import ConfigError, GateError
from assay.gates import (
    Policy,
    PolicyRules,
    Rule,
    RuleCase,
    RuleJudgement,
    RuleKind,
    evaluate_policy,
    get_rule_kind,
    list_rule_kinds,
)
from assay.testing._comparisons import comparison_of, given_interval

__all__ = ["check_rule_kind"]

Case = Literal["better", "worse", "uncertain"]
OUTCOMES = ("pass", "fail", "inconclusive")


@dataclass(frozen=True)
class _Example:
    """How to write a rule of a kind, and what it concludes on each case (when known)."""

    params: Mapping[str, Any]
    metric: str = "accuracy"
    slice: str | None = None
    expected: Mapping[Case, str] = field(default_factory=dict)


_ALL_THREE: Mapping[Case, str] = {
    "better": "pass",
    "worse": "fail",
    "uncertain": "inconclusive",
}

# The built-in kinds, written the way a policy would; a third-party kind passes its own.
_BUILT_IN: dict[str, _Example] = {
    "threshold": _Example({"min": 0.5}, expected=_ALL_THREE),
    "non_inferiority": _Example({"margin": 0.05}, expected=_ALL_THREE),
    "superiority": _Example({}, expected=_ALL_THREE),
    # no_regression fails on a significant regression and passes otherwise: never inconclusive
    "no_regression": _Example(
        {"margin": 0.0},
        slice="every:lang",
        expected={"better": "pass", "worse": "fail", "uncertain": "pass"},
    ),
    "budget": _Example({"max": 0.5}, metric="latency", expected=_ALL_THREE),
    "max_error_rate": _Example({"max": 0.05}, metric="error_rate", expected=_ALL_THREE),
    # clean_subset judges one slice, named by its parameters (here lang=en stands for
    # contamination=clean)
    "clean_subset": _Example(
        {"margin": 0.05, "attribute": "lang", "clean": "en"}, expected=_ALL_THREE
    ),
    # coverage is a count, not an estimate: never inconclusive
    # fairness kinds compare the groups of one attribute: alike when better or uncertain,
    # 0.30 apart when worse
    "worst_group": _Example({"min": 0.5}, slice="every:lang", expected=_ALL_THREE),
    "max_disparity": _Example({"max": 0.1}, slice="every:lang", expected=_ALL_THREE),
    "coverage": _Example(
        {"max_missing": 0.01},
        metric="coverage",
        expected={"better": "pass", "worse": "fail", "uncertain": "pass"},
    ),
}

# (candidate estimate, half-width, difference estimate, n, p-value) for a higher-is-better
# metric on a 0-1 scale; a lower-is-better metric mirrors it around 0.5
_SHAPES: dict[Case, tuple[float, float, float, int, float]] = {
    "better": (0.90, 0.02, 0.40, 1000, 1e-9),
    "worse": (0.10, 0.02, -0.40, 1000, 1e-9),
    "uncertain": (0.50, 0.20, 0.0, 60, 0.9),
}
# the worse case's groups differ (lang=en at 0.40, lang=de at 0.10, both regressed by 0.40),
# so a kind comparing groups has a real gap to find there
_GROUP_SHAPES: dict[tuple[Case, str], tuple[float, float, float, int, float]] = {
    ("worse", "lang=en"): (0.40, 0.02, -0.40, 1000, 1e-9),
}
_METRICS: tuple[tuple[str, Literal["higher", "lower"]], ...] = (
    ("accuracy", "higher"),
    ("latency", "lower"),
)
_ERRORS: dict[Case, tuple[int, int]] = {
    "better": (0, 1000),
    "worse": (500, 1000),
    "uncertain": (5, 100),
}
_MISSING: dict[Case, int] = {"better": 0, "worse": 500, "uncertain": 0}


def _result(
    case: Case, metric: str, goal: Literal["higher", "lower"], where: str | None
) -> MetricComparison:
    cand, half, diff, n, p = _GROUP_SHAPES.get((case, where or ""), _SHAPES[case])
    if goal == "lower":
        cand, diff = 1.0 - cand, -diff
    base = cand - diff
    return MetricComparison(
        metric=metric,
        goal=goal,
        slice_attribute=where.split("=")[0] if where else None,
        slice_value=where.split("=")[1] if where else None,
        n=n,
        baseline=given_interval(base, base - half, base + half),
        candidate=given_interval(cand, cand - half, cand + half),
        difference=given_interval(diff, diff - half, diff + half),
        test="paired t",
        p_value=p,
    )


def conformance_comparison(case: Case) -> Comparison:
    """The comparison of ``case``: accuracy (higher is better) and latency (lower is better),
    overall and on ``lang=en`` / ``lang=de``, with the candidate's errors and coverage."""
    results = [
        _result(case, metric, goal, where)
        for metric, goal in _METRICS
        for where in (None, "lang=en", "lang=de")
    ]
    errors, records = _ERRORS[case]
    built = comparison_of(results, errors=(errors, records))
    missing = _MISSING[case]
    n = built.coverage.shared
    return built.model_copy(
        update={
            "coverage": Coverage(
                shared=n - missing, baseline_only=missing, candidate_only=0, suite_examples=n
            ),
            "errors": {
                "baseline": RunErrors(records=records, errors=0),
                "candidate": RunErrors(records=records, errors=errors),
            },
        }
    )


def _fail(message: str) -> AssertionError:
    return AssertionError(f"rule kind conformance: {message}")


def _name_of(kind_or_name: str | RuleKind | type) -> str:
    if isinstance(kind_or_name, str):
        get_rule_kind(kind_or_name)  # ConfigError listing the known kinds when unknown
        return kind_or_name
    for name in list_rule_kinds():
        registered = get_rule_kind(name)
        if registered is kind_or_name or type(registered) is kind_or_name:
            return name
    raise _fail(f"{kind_or_name!r} is not registered; register it with @register_rule_kind")


def _rule(name: str, example: _Example, **changes: Any) -> Rule:
    kind = get_rule_kind(name)
    fields: dict[str, Any] = {"name": f"conformance-{name}", "kind": name, **example.params}
    if kind.uses_metric:
        fields["metric"] = example.metric
    if example.slice is not None:
        fields["slice"] = example.slice
    fields.update(changes)
    return Rule.model_validate(fields)


def _in(rule: Rule, result: MetricComparison) -> bool:
    """Whether the rule's slice selects ``result`` (the conformance comparisons' slices)."""
    where = rule.slice
    if where is None:
        return result.slice_attribute is None
    if where == "every" or where.startswith("every:"):
        return result.slice_attribute is not None
    return f"{result.slice_attribute}={result.slice_value}" == where


def _judge(name: str, rule: Rule, comparison: Comparison) -> RuleJudgement:
    """Judge ``rule`` as evaluate_policy does, and check the judgement's shape."""
    policy = Policy(name="conformance", rules=PolicyRules(quality=(rule,)))
    verdict = evaluate_policy(policy, comparison)
    if not verdict.rules:
        raise _fail(f"{name}: evaluate_policy judged no rule")
    kind = get_rule_kind(name)
    first = verdict.rules[0]
    results = tuple(r for r in comparison.results if r.metric == first.metric and _in(rule, r))
    case = RuleCase(rule, rule.parameters, first.metric, results, comparison)
    judgement = kind.judge(case)
    if not isinstance(judgement, RuleJudgement):
        raise _fail(f"{name}.judge returned {type(judgement).__name__}, not a RuleJudgement")
    if judgement.outcome not in OUTCOMES:
        raise _fail(
            f"{name}.judge returned the outcome {judgement.outcome!r}, not one of {OUTCOMES}"
        )
    if not isinstance(judgement.reason, str) or not judgement.reason.strip():
        raise _fail(f"{name}.judge gave no reason in words")
    if judgement.to_settle is not None and not isinstance(judgement.to_settle, str):
        raise _fail(f"{name}.judge gave a 'to_settle' that is not text")
    if not all(isinstance(e, str) for e in judgement.evidence):
        raise _fail(f"{name}.judge gave evidence labels that are not text")
    if kind.judge(case) != judgement:
        raise _fail(f"{name}.judge gave two judgements of one case")
    if first.outcome != judgement.outcome:
        raise _fail(f"{name}: evaluate_policy says {first.outcome!r}, judge {judgement.outcome!r}")
    return judgement


def _check_parameters(name: str, kind: RuleKind, example: _Example) -> None:
    if not (isinstance(kind.parameters, type) and issubclass(kind.parameters, BaseModel)):
        raise _fail(f"{name}.parameters is not a pydantic model class")
    kind.parameters.model_validate(dict(example.params))
    try:
        _rule(name, example, not_a_parameter_of_any_kind=1)
    except ConfigError:
        pass
    else:
        raise _fail(f"{name}.parameters accepts an unknown field (use extra='forbid')")


def _check_scope(name: str, kind: RuleKind, example: _Example) -> None:
    if kind.uses_metric:
        rule = _rule(name, example, metric="no_such_metric", slice=None)
        try:
            evaluate_policy(
                Policy(name="conformance", rules=PolicyRules(quality=(rule,))),
                conformance_comparison("better"),
            )
        except GateError:
            pass
        else:
            raise _fail(f"{name}: a metric the comparison lacks is not a GateError")
    elif not isinstance(kind.fixed_metric, str):
        raise _fail(f"{name}: a kind without a metric must name its 'fixed_metric'")
    if not kind.allows_slice:
        try:
            _rule(name, example, slice="lang=en")
        except ConfigError:
            pass
        else:
            raise _fail(f"{name}: allows_slice is false but a sliced rule was accepted")


def check_rule_kind(
    kind_or_name: str | RuleKind | type,
    *,
    params: Mapping[str, Any] | None = None,
    metric: str = "accuracy",
    slice: str | None = None,
    expected: Mapping[Case, str] | None = None,
) -> dict[Case, RuleJudgement]:
    """Check a registered rule kind against the rule-kind contract; AssertionError if it fails.

    ``params`` (the kind's fields of a rule), ``metric`` (``accuracy``, higher is better, or
    ``latency``, lower is better) and ``slice`` say how to write a rule of the kind; the
    built-in kinds need none of them. ``expected`` maps ``better`` / ``worse`` / ``uncertain``
    to the outcome the kind must reach on that case (the built-ins have theirs). Returns the
    judgement of each case.
    """
    name = _name_of(kind_or_name)
    kind = get_rule_kind(name)
    if not isinstance(kind, RuleKind):
        raise _fail(f"{name} lacks part of the RuleKind protocol")
    if params is None and name in _BUILT_IN:
        example = _BUILT_IN[name]
    else:
        example = _Example(dict(params or {}), metric=metric, slice=slice)
    if expected is not None:
        example = _Example(example.params, example.metric, example.slice, dict(expected))
    _check_parameters(name, kind, example)
    _check_scope(name, kind, example)
    rule = _rule(name, example)
    judged: dict[Case, RuleJudgement] = {}
    for case in _SHAPES:
        judgement = _judge(name, rule, conformance_comparison(case))
        want = example.expected.get(case)
        if want is not None and judgement.outcome != want:
            raise _fail(
                f"{name} on the {case} case: expected {want!r}, got {judgement.outcome!r} "
                f"({judgement.reason})"
            )
        judged[case] = judgement
    return judged
