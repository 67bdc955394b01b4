"""Release policies, rule kinds and verdicts (SHIP / BLOCK / INCONCLUSIVE).

* :class:`Policy` is a typed release policy: rules in ordered tiers (safety, quality, cost);
  :func:`load_policy`, :func:`policy_to_yaml`, :func:`default_policy` and :func:`shipped_policy` move it to and from
  YAML.
* :func:`evaluate_policy` judges a policy on an :class:`assay.core.Comparison` and returns an
  :class:`assay.core.VerdictResult`; every rule is judged on interval bounds.
* Rule kinds form a registry: ``@register_rule_kind("name")`` on a class with a pydantic
  ``parameters`` model and a ``judge`` method (see :class:`RuleKind`); the built-in kinds
  register the same way, and plug-ins can also use the ``assay.rule_kinds`` entry-point group.
"""

# Importing the kind modules registers the built-in rule kinds.
from assay.gates._evaluate import evaluate_policy
from assay.gates._kinds_contamination import CleanSubsetParameters
from assay.gates._kinds_coverage import CoverageParameters
from assay.gates._kinds_difference import (
    NonInferiorityParameters,
    SuperiorityParameters,
)
from assay.gates._kinds_fairness import MaxDisparityParameters, WorstGroupParameters
from assay.gates._kinds_limit import (
    BudgetParameters,
    MaxErrorRateParameters,
    ThresholdParameters,
)
from assay.gates._load import (
    SHIPPED_POLICIES,
    default_policy,
    load_policy,
    policy_to_yaml,
    shipped_policy,
)
from assay.gates._margins import is_proportion, non_inferiority_margin
from assay.gates._model import ALL_METRICS, TIERS, Policy, PolicyRules, Rule, Tier
from assay.gates._no_regression import NoRegressionParameters, regression_p_value
from assay.gates._registry import (
    RuleCase,
    RuleJudgement,
    RuleKind,
    get_rule_kind,
    list_rule_kinds,
    register_rule_kind,
)
from assay.gates._settle import SampleSizeToSettle, sample_size_to_settle

__all__ = [
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
    "evaluate_policy",
    "get_rule_kind",
    "is_proportion",
    "list_rule_kinds",
    "load_policy",
    "non_inferiority_margin",
    "policy_to_yaml",
    "register_rule_kind",
    "regression_p_value",
    "sample_size_to_settle",
    "shipped_policy",
]
