"""Policies: YAML ↔ typed model, validation errors, digests, the default policy, the registry."""

from __future__ import annotations

import re
from pathlib import Path
from typing import ClassVar

import pytest
from pydantic import BaseModel, ConfigDict, field_validator

from assay.core import MetricComparison
from assay.errors import ConfigError
from assay.gates import (
    Policy,
    Rule,
    RuleCase,
    RuleJudgement,
    default_policy,
    evaluate_policy,
    get_rule_kind,
    list_rule_kinds,
    load_policy,
    policy_to_yaml,
    register_rule_kind,
)
from assay.testing import comparison_of as comparison
from assay.testing import metric_result as result

EVERY_KIND = """\
name: every-kind
description: one rule of each built-in kind
confidence: 0.9
rules:
  safety:
    - name: harm_ceiling
      metric: harmful_rate
      kind: threshold
      max: 0.01
  quality:
    - name: accuracy_ni
      metric: accuracy
      slice: every:lang
      kind: non_inferiority
      relative_margin: 0.02
    - name: f1_better
      metric: f1
      kind: superiority
      blocking: false
    - name: slices
      metric: "*"
      slice: every
      kind: no_regression
      multiplicity: bh
      min_slice_size: 50
      margin: 0.005
  cost:
    - name: errors
      kind: max_error_rate
      max: 0.02
    - name: p95
      metric: latency_p95
      kind: budget
      max: 800
      max_increase: 0.1
      if_present: true
      description: tail latency users notice
"""


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "policy.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def _rule_yaml(**fields: object) -> str:
    body = "\n".join(f"      {k}: {v}" for k, v in fields.items())
    return f"name: p\nrules:\n  quality:\n    - name: first\n      metric: accuracy\n      kind: superiority\n    -\n{body}\n"


def test_yaml_round_trip_keeps_the_digest(tmp_path: Path) -> None:
    policy = load_policy(_write(tmp_path, EVERY_KIND))
    again = load_policy(policy_to_yaml(policy))
    assert again == policy
    assert again.digest == policy.digest
    assert len(policy.digest) == 64


def test_default_policy_round_trips_and_has_the_documented_rules() -> None:
    policy = default_policy()
    assert load_policy(policy_to_yaml(policy)).digest == policy.digest
    assert [r.name for r in policy.rules.safety] == [
        "attack_success_non_inferiority",
        "over_refusal_budget",
        "no_category_worse",
    ]
    coverage, ni, slices = policy.rules.quality
    assert (coverage.kind, coverage.params) == ("coverage", {"max_missing": 0.0})
    # no margin of its own: each metric's default (declared by the suite, or by its scale)
    assert (ni.kind, ni.metric, ni.params) == ("non_inferiority", "*", {})
    assert (slices.kind, slices.slice) == ("no_regression", "every")
    assert slices.params == {"margin": 0.0, "multiplicity": "holm", "min_slice_size": 30}
    errors, latency = policy.rules.cost
    assert (errors.kind, errors.params, errors.blocking) == ("max_error_rate", {"max": 0.05}, True)
    assert (latency.metric, latency.blocking, latency.if_present) == ("latency_p95", False, True)


def test_digest_changes_with_any_rule_parameter(tmp_path: Path) -> None:
    base = load_policy(EVERY_KIND)
    changed = load_policy(EVERY_KIND.replace("max: 0.02", "max: 0.03"))
    reordered = load_policy(EVERY_KIND.replace("blocking: false", "blocking: true"))
    assert len({base.digest, changed.digest, reordered.digest}) == 3


def test_typed_parameters_fill_the_kind_defaults() -> None:
    rule = Rule(name="r", metric="accuracy", kind="no_regression", slice="every")
    params = rule.parameters
    assert params.model_dump() == {"margin": 0.0, "multiplicity": "holm", "min_slice_size": 30}
    assert Rule(name="e", kind="max_error_rate", max=0.1).metric == "error_rate"


@pytest.mark.parametrize("margin", ["0", "-0.01", "0.0"])
def test_margin_of_the_wrong_sign_names_file_rule_index_field_and_line(
    tmp_path: Path, margin: str
) -> None:
    path = _write(
        tmp_path,
        _rule_yaml(name="acc_ni", metric="accuracy", kind="non_inferiority", margin=margin),
    )
    with pytest.raises(ConfigError) as info:
        load_policy(path)
    text = str(info.value)
    assert text.startswith(f"{path}, line 11:")  # the line of 'margin:'
    assert "rule 'acc_ni' (quality[1])" in text
    assert "field 'margin'" in text
    assert text.endswith(f"Got {margin}.")


@pytest.mark.parametrize(
    ("fields", "field", "words"),
    [
        (
            {"name": "r", "metric": "accuracy", "kind": "non_inferiority", "relative_margin": 1.5},
            "relative_margin",
            "in (0, 1)",
        ),
        (
            {
                "name": "r",
                "metric": "accuracy",
                "kind": "non_inferiority",
                "margin": 0.01,
                "relative_margin": 0.1,
            },
            "relative_margin",
            "not both",
        ),
        ({"name": "r", "metric": "accuracy", "kind": "threshold"}, "min", "needs 'min' or 'max'"),
        (
            {"name": "r", "metric": "accuracy", "kind": "threshold", "min": 0.9, "max": 0.8},
            "max",
            "at least 'min'",
        ),
        (
            {"name": "r", "metric": "accuracy", "kind": "threshold", "margin": 0.1, "min": 0.5},
            "margin",
            "not a parameter of a threshold rule",
        ),
        (
            {
                "name": "r",
                "metric": "accuracy",
                "kind": "no_regression",
                "multiplicity": "bonferroni",
            },
            "multiplicity",
            "'holm' or 'bh'",
        ),
        (
            {"name": "r", "metric": "accuracy", "kind": "no_regression", "min_slice_size": 0},
            "min_slice_size",
            "integer >= 1",
        ),
        (
            {"name": "r", "metric": "accuracy", "kind": "no_regression", "margin": -0.01},
            "margin",
            ">= 0",
        ),
        (
            {"name": "r", "metric": "accuracy", "kind": "budget"},
            "max",
            "needs 'max' or 'max_increase'",
        ),
        (
            {"name": "r", "metric": "latency_p95", "kind": "budget", "max_increase": -1.0},
            "max_increase",
            "> -1",
        ),
        ({"name": "r", "kind": "max_error_rate", "max": 1.0}, "max", "[0, 1)"),
        (
            {"name": "r", "kind": "max_error_rate", "max": 0.1, "slice": "lang=de"},
            "slice",
            "cannot be sliced",
        ),
        (
            {"name": "r", "kind": "max_error_rate", "max": 0.1, "metric": "accuracy"},
            "metric",
            "leave 'metric' out",
        ),
        (
            {"name": "r", "metric": "accuracy", "kind": "superiority", "slice": "lang"},
            "slice",
            "'every:attribute'",
        ),
        ({"name": "r", "kind": "superiority"}, "metric", "needs a 'metric'"),
        (
            {"name": "r", "metric": "accuracy", "kind": "superiority", "blocking": "sometimes"},
            "blocking",
            "valid boolean",
        ),
        (
            {"name": "r", "metric": "accuracy", "kind": "threshold", "min": "high"},
            "min",
            "must be a finite number",
        ),
    ],
)
def test_bad_rule_fields_name_the_rule_and_the_field(
    tmp_path: Path, fields: dict[str, object], field: str, words: str
) -> None:
    path = _write(tmp_path, _rule_yaml(**fields))
    with pytest.raises(ConfigError) as info:
        load_policy(path)
    text = str(info.value)
    assert str(path) in text
    assert "rule 'r' (quality[1])" in text
    assert f"field {field!r}" in text
    assert words in text


def test_unknown_kind_lists_the_known_kinds(tmp_path: Path) -> None:
    path = _write(tmp_path, _rule_yaml(name="r", metric="accuracy", kind="non_inferior"))
    with pytest.raises(ConfigError, match=r"rule 'r' \(quality\[1\]\), field 'kind'") as info:
        load_policy(path)
    for kind in ("threshold", "non_inferiority", "superiority", "no_regression", "budget"):
        assert kind in str(info.value)


@pytest.mark.parametrize("missing", ["name", "kind"])
def test_missing_required_field(tmp_path: Path, missing: str) -> None:
    fields = {"name": "r", "metric": "accuracy", "kind": "superiority"}
    del fields[missing]
    with pytest.raises(ConfigError, match=rf"quality\[1\]\)?, field '{missing}': the rule has no"):
        load_policy(_write(tmp_path, _rule_yaml(**fields)))


def test_bad_yaml_names_the_line(tmp_path: Path) -> None:
    text = "name: p\nrules:\n  quality:\n    - name: r\n      kind: [superiority\n"
    path = _write(tmp_path, text)
    with pytest.raises(ConfigError, match=rf"^{re.escape(str(path))}, line \d+: not valid YAML"):
        load_policy(path)
    with pytest.raises(ConfigError, match=r"^<text>, line 2: not valid YAML"):
        load_policy("name: p\n  bad: : indent\n")


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("name: p\nrules:\n  speed: []\n", "unknown tier 'speed'"),
        ("name: p\nthreshold: 3\n", "unknown policy field(s) ['threshold']"),
        ("rules: {}\n", "the policy has no 'name'"),
        ("- just\n- a list\n", "a policy is a YAML mapping"),
        ("name: p\nconfidence: 1.5\n", "field 'confidence': must be a float in (0, 1)"),
        ("name: p\nrules:\n  quality: {name: r}\n", "tier 'quality' is a list of rules"),
    ],
)
def test_bad_policy_structure(text: str, words: str) -> None:
    with pytest.raises(ConfigError) as info:
        load_policy(text)
    assert words in str(info.value)


def test_repeated_rule_names_are_refused() -> None:
    text = (
        "name: p\nrules:\n  safety:\n    - {name: r, metric: a, kind: superiority}\n"
        "  cost:\n    - {name: r, kind: max_error_rate, max: 0.1}\n"
    )
    with pytest.raises(
        ConfigError, match=r"rule 'r', field 'name': cost\[0\] repeats the name of safety\[0\]"
    ):
        load_policy(text)


def test_unreadable_file_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read the policy file"):
        load_policy(tmp_path / "missing.yaml")


def test_rules_built_in_python_are_validated_too() -> None:
    with pytest.raises(ConfigError, match="field 'margin'"):
        Rule(name="r", metric="accuracy", kind="non_inferiority", margin=-1.0)
    with pytest.raises(ConfigError, match="must be a float in"):
        Policy(name="p", confidence=0.0)


class _FixedParameters(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    outcome: str = "inconclusive"


@register_rule_kind("fixed_outcome_for_tests")
class _FixedOutcome:
    """A plug-in kind registered the way third parties register theirs."""

    parameters: ClassVar[type[BaseModel]] = _FixedParameters
    uses_metric: ClassVar[bool] = True
    allows_slice: ClassVar[bool] = True
    fixed_metric: ClassVar[str | None] = None

    def judge(self, case: RuleCase) -> RuleJudgement:
        params = case.parameters
        assert isinstance(params, _FixedParameters)
        labels = tuple(r.label for r in case.results)
        return RuleJudgement(params.outcome, f"fixed on {len(labels)} results", "wait", labels)  # type: ignore[arg-type]


def test_a_third_party_kind_registers_with_the_decorator_and_is_judged() -> None:
    assert "fixed_outcome_for_tests" in list_rule_kinds()
    assert isinstance(get_rule_kind("fixed_outcome_for_tests"), _FixedOutcome)
    policy = load_policy(
        "name: p\nrules:\n  quality:\n"
        "    - {name: plug, metric: accuracy, slice: every:lang, kind: fixed_outcome_for_tests}\n"
    )
    results: list[MetricComparison] = [
        result(slice="lang=en"),
        result(slice="lang=de"),
        result(),
    ]
    verdict = evaluate_policy(policy, comparison(results))
    (outcome,) = verdict.rules
    assert (outcome.outcome, outcome.reason, outcome.to_settle) == (
        "inconclusive",
        "fixed on 2 results",
        "wait",
    )
    assert outcome.slice == "every slice of lang"
    assert verdict.verdict.value == "INCONCLUSIVE"


def test_registering_a_taken_name_is_refused() -> None:
    with pytest.raises(ConfigError, match="already registered"):

        @register_rule_kind("threshold")
        class _Other(_FixedOutcome):
            pass

    with pytest.raises(ConfigError, match="lacks"):

        @register_rule_kind("incomplete_kind_for_tests")
        class _Incomplete:
            pass


class _WidthParameters(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    width: float

    @field_validator("width")
    @classmethod
    def _positive(cls, v: float) -> float:
        if v <= 0:
            raise ValueError(f"The 'width' parameter of a narrow rule must be positive. Got {v}.")
        return v


@register_rule_kind("narrow_for_tests")
class _Narrow(_FixedOutcome):
    parameters: ClassVar[type[BaseModel]] = _WidthParameters


def test_a_plug_in_parameter_error_names_the_rule_and_field(tmp_path: Path) -> None:
    path = _write(
        tmp_path, _rule_yaml(name="n", metric="accuracy", kind="narrow_for_tests", width=-1)
    )
    with pytest.raises(ConfigError) as info:
        load_policy(path)
    assert str(info.value) == (
        f"{path}, line 11: rule 'n' (quality[1]), field 'width': "
        "The 'width' parameter of a narrow rule must be positive. Got -1.0."
    )


def test_a_path_given_as_a_string_is_read_as_a_file(tmp_path: Path) -> None:
    path = tmp_path / "release.policy"
    path.write_text(EVERY_KIND, encoding="utf-8")
    assert load_policy(str(path)).digest == load_policy(EVERY_KIND).digest
    assert load_policy({"name": "m"}).name == "m"
