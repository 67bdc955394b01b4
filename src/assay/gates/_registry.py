"""The rule-kind registry: what a rule kind is, and how kinds are registered and found.

A rule kind is a class with a pydantic ``parameters`` model and a ``judge`` method, registered
with ``@register_rule_kind("name")``. The built-in kinds (threshold, non_inferiority,
superiority, no_regression, budget, max_error_rate) register exactly this way; a third-party
package does the same, or names its module in the ``assay.rule_kinds`` entry-point group.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, ClassVar, Literal, Protocol, TypeVar, runtime_checkable

from pydantic import BaseModel

from assay._util import Registry, check_instance
from assay.core import Comparison, MetricComparison, MetricSpec
from assay.errors import ConfigError, ParameterError

if TYPE_CHECKING:
    from assay.gates._model import Rule

__all__ = [
    "FieldProblem",
    "Outcome",
    "RuleCase",
    "RuleJudgement",
    "RuleKind",
    "get_rule_kind",
    "list_rule_kinds",
    "register_rule_kind",
]

Outcome = Literal["pass", "fail", "inconclusive"]


class FieldProblem(ConfigError):
    """One field of one rule is wrong; the policy loader adds the file, tier, index and line."""

    def __init__(self, field: str, problem: str, rule: str | None = None) -> None:
        self.field = field
        self.problem = problem
        self.rule = rule
        where = f"rule {rule!r}, " if rule else ""
        super().__init__(f"{where}field {field!r}: {problem}")


@dataclass(frozen=True)
class RuleCase:
    """Everything a rule kind needs to judge one rule on one metric."""

    rule: Rule
    """The rule as written in the policy."""
    parameters: BaseModel
    """The rule's parameters, validated by the kind's ``parameters`` model."""
    metric: str
    """The metric judged (a ``*`` rule is judged once per metric)."""
    results: tuple[MetricComparison, ...]
    """The comparison results the rule's slice selects (empty for kinds without a metric)."""
    comparison: Comparison
    """The whole comparison (run errors, coverage, confidence)."""
    metric_specs: Mapping[str, MetricSpec] = field(default_factory=dict)
    """The suite's metrics by name, when the caller gave the suite (declared margins, scorers)."""

    @property
    def confidence(self) -> float:
        """Confidence level of every interval of the comparison."""
        return self.comparison.confidence


@dataclass(frozen=True)
class RuleJudgement:
    """What a rule kind concluded: the outcome, in words, and what would settle it."""

    outcome: Outcome
    """``pass``, ``fail`` or ``inconclusive``, judged on interval bounds."""
    reason: str
    """Plain words with the numbers and their units."""
    to_settle: str | None = None
    """For an inconclusive outcome: what evidence would settle it."""
    evidence: tuple[str, ...] = field(default_factory=tuple)
    """Labels of the comparison results used."""
    summary: str = ""
    """The deciding evidence in a few words with its numbers, for the verdict's summary
    (``accuracy −2.1 points [−3.4, −0.8] below the −1.0-point margin``); empty: the reason."""


@runtime_checkable
class RuleKind(Protocol):
    """A kind of release rule.

    ``parameters`` is a pydantic model (``extra="forbid"``) of the kind's own fields of a rule;
    raise :class:`FieldProblem` from its validators for a value that is the wrong sign or
    out of range, so the loader can name the field. ``uses_metric`` is false for kinds that
    judge the runs rather than a metric (``max_error_rate``); ``fixed_metric`` then names what
    they judge. ``allows_slice`` is false for kinds that cannot be sliced.
    """

    parameters: ClassVar[type[BaseModel]]
    uses_metric: ClassVar[bool]
    allows_slice: ClassVar[bool]
    fixed_metric: ClassVar[str | None]

    def judge(self, case: RuleCase) -> RuleJudgement:
        """Judge the rule on the results of ``case`` (raise GateError if it cannot)."""
        ...


K = TypeVar("K")


@functools.cache
def _instance(cls: Hashable) -> RuleKind:
    # a kind is stateless: one instance per class, made once
    assert isinstance(cls, type)
    instance: RuleKind = cls()
    return instance


def _check_kind(name: str, cls: type) -> None:
    if not isinstance(cls, type) or not isinstance(_instance(cls), RuleKind):
        what = getattr(cls, "__name__", repr(cls))
        raise ConfigError(
            f"A rule kind needs 'parameters', 'uses_metric', 'allows_slice', "
            f"'fixed_metric' and 'judge'; {what} lacks some of them."
        )


_KINDS: Registry[type] = Registry(
    "rule kind",
    plural="kinds",
    group="assay.rule_kinds",
    function="register_rule_kind",
    check=_check_kind,
)


def register_rule_kind(name: str, *, replace: bool = False) -> Callable[[type[K]], type[K]]:
    """Register a rule-kind class under ``name`` (class decorator); the class is instantiated
    once, without arguments. A second class under a taken name is a ConfigError unless
    ``replace`` is true."""
    if not isinstance(name, str) or not name.isidentifier():
        raise ParameterError("name", "register_rule_kind", "an identifier string", name)
    return _KINDS.register(name, replace=replace)


def get_rule_kind(name: str) -> RuleKind:
    """The rule kind registered as ``name``; ConfigError listing the known kinds if none is."""
    check_instance(name, "name", "get_rule_kind", str, "a rule kind's name")
    return _instance(_KINDS.get(name))


def list_rule_kinds() -> list[str]:
    """Names of the registered rule kinds, sorted."""
    return _KINDS.names()
