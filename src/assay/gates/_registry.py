"""The rule-kind registry: what a rule kind is, and how kinds are registered and found.

A rule kind is a class with a pydantic ``parameters`` model and a ``judge`` method, registered
with ``@register_rule_kind("name")``. The built-in kinds (threshold, non_inferiority,
superiority, no_regression, budget, max_error_rate) register exactly this way; a third-party
package does the same, or names its module in the ``assay.rule_kinds`` entry-point group.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from importlib.metadata import entry_points
from typing import TYPE_CHECKING, Any, ClassVar, Literal, Protocol, TypeVar, runtime_checkable

from pydantic import BaseModel

from assay.core import Comparison, MetricComparison
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

_ENTRY_POINT_GROUP = "assay.rule_kinds"
_KINDS: dict[str, RuleKind] = {}


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


def register_rule_kind(name: str, *, replace: bool = False) -> Callable[[type[K]], type[K]]:
    """Register a rule-kind class under ``name`` (class decorator); the class is instantiated
    once, without arguments. A second class under a taken name is a ConfigError unless
    ``replace`` is true."""
    if not isinstance(name, str) or not name.isidentifier():
        raise ParameterError("name", "register_rule_kind", "an identifier string", name)

    def decorator(cls: type[K]) -> type[K]:
        instance = cls()
        if not isinstance(instance, RuleKind):
            raise ConfigError(
                f"A rule kind needs 'parameters', 'uses_metric', 'allows_slice', "
                f"'fixed_metric' and 'judge'; {cls.__name__} lacks some of them."
            )
        taken = _KINDS.get(name)
        if taken is not None and type(taken) is not cls and not replace:
            raise ConfigError(f"A rule kind named {name!r} is already registered.")
        _KINDS[name] = instance
        return cls

    return decorator


def _load_entry_points() -> None:
    for ep in entry_points(group=_ENTRY_POINT_GROUP):
        if ep.name in _KINDS:
            continue
        loaded: Any = ep.load()  # importing the module registers its kinds
        if ep.name not in _KINDS and isinstance(loaded, type):
            register_rule_kind(ep.name)(loaded)


def get_rule_kind(name: str) -> RuleKind:
    """The rule kind registered as ``name``; ConfigError listing the known kinds if none is."""
    if name not in _KINDS:
        _load_entry_points()
    if name not in _KINDS:
        raise ConfigError(
            f"No rule kind is registered as {name!r}. Known kinds: {', '.join(list_rule_kinds())}."
        )
    return _KINDS[name]


def list_rule_kinds() -> list[str]:
    """Names of the registered rule kinds, sorted."""
    _load_entry_points()
    return sorted(_KINDS)
