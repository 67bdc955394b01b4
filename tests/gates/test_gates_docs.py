"""docs/policies.md documents every built-in kind and parameter, and its examples load."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

import assay.gates
from assay.gates import default_policy, get_rule_kind, list_rule_kinds, load_policy

DOCS = Path(__file__).resolve().parents[2] / "docs" / "policies.md"


def _sections() -> dict[str, str]:
    text = DOCS.read_text(encoding="utf-8")
    parts = re.split(r"^### (\w+)\n", text, flags=re.MULTILINE)
    return dict(zip(parts[1::2], parts[2::2], strict=True))


def _yaml_blocks() -> list[str]:
    return re.findall(r"```yaml\n(.*?)```", DOCS.read_text(encoding="utf-8"), flags=re.DOTALL)


# kinds that tests register for themselves need no docs
SHIPPED_KINDS = [
    k for k in list_rule_kinds() if type(get_rule_kind(k)).__module__.startswith("assay.")
]


@pytest.mark.parametrize("kind", SHIPPED_KINDS)
def test_every_kind_and_parameter_is_documented(kind: str) -> None:
    sections = _sections()
    assert kind in sections, f"docs/policies.md has no '### {kind}' section"
    for parameter in get_rule_kind(kind).parameters.model_fields:
        assert f"`{parameter}`" in sections[kind], (kind, parameter)


def test_every_kind_of_the_default_policy_is_documented() -> None:
    rules = default_policy().rules
    kinds = {rule.kind for tier in ("safety", "quality", "cost") for rule in getattr(rules, tier)}
    assert "coverage" in kinds
    assert kinds <= set(_sections())


def test_policy_examples_in_the_docs_load() -> None:
    policies = [b for b in _yaml_blocks() if b.startswith("name:") and "\nrules:" in b]
    assert len(policies) >= 2
    for block in policies:
        load_policy(block)
    rules = [b for b in _yaml_blocks() if b.startswith("- name:")]
    assert len(rules) >= 4
    for block in rules:
        load_policy(yaml.safe_dump({"name": "doc", "rules": {"quality": yaml.safe_load(block)}}))


def test_the_ci_example_gates_with_the_exit_code() -> None:
    (workflow,) = [b for b in _yaml_blocks() if "jobs:" in b]
    steps = yaml.safe_load(workflow)["jobs"]["gate"]["steps"]
    gate = next(s for s in steps if s.get("name") == "Gate")["run"]
    assert "assay gate" in gate and "--policy" in gate
    for code in ("0)", "1)", "2)"):
        assert code in gate


def test_the_documented_default_policy_is_the_shipped_one() -> None:
    documented = [b for b in _yaml_blocks() if b.startswith("name: default")]
    assert len(documented) == 1
    assert load_policy(documented[0]).digest == default_policy().digest


def test_public_names_are_pinned() -> None:
    assert sorted(assay.gates.__all__) == sorted(
        [
            "ALL_METRICS",
            "SHIPPED_POLICIES",
            "TIERS",
            "BudgetParameters",
            "CleanSubsetParameters",
            "CoverageParameters",
            "MaxDisparityParameters",
            "MaxErrorRateParameters",
            "NoRegressionParameters",
            "NonInferiorityParameters",
            "Policy",
            "PolicyRules",
            "Rule",
            "RuleCase",
            "RuleJudgement",
            "RuleKind",
            "SampleSizeToSettle",
            "SuperiorityParameters",
            "ThresholdParameters",
            "Tier",
            "WorstGroupParameters",
            "default_policy",
            "non_inferiority_margin",
            "evaluate_policy",
            "is_proportion",
            "get_rule_kind",
            "list_rule_kinds",
            "load_policy",
            "policy_to_yaml",
            "regression_p_value",
            "register_rule_kind",
            "sample_size_to_settle",
            "shipped_policy",
        ]
    )
    for name in assay.gates.__all__:
        assert getattr(assay.gates, name) is not None


def test_the_documented_p_value_floors_are_the_expanded_bootstrap_floors() -> None:
    from assay.stats import expanded_p_value

    section = _sections()["no_regression"]
    para = section[section.index("A bootstrap p-value has a floor") :]
    listed = [float(x) for x in re.findall(r"0\.\d{3,4}(?!\d)", para) if x != "0.025"]
    floors = [
        float(expanded_p_value(2 / (b + 1), "two-sided", g)) / 2  # one-sided, as the rule reads it
        for b in (2_000, 10_000)
        for g in (5, 8, 12)
    ]
    assert len(listed) == len(floors)
    for shown, floor in zip(listed, floors, strict=True):
        assert shown == float(f"{floor:.2g}")
    # the slices named cannot fail: Holm's first step multiplies the floor by their number
    assert 2 * floors[0] > 0.025 and 3 * floors[1] > 0.025 and floors[0] < 0.025
