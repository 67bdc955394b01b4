"""Policies as typed models: ordered tiers of rules, each rule of a registered kind."""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from assay.core import digest
from assay.errors import ConfigError
from assay.gates._registry import FieldProblem, get_rule_kind

__all__ = [
    "ALL_METRICS",
    "TIERS",
    "Policy",
    "PolicyRules",
    "Rule",
    "SliceSelector",
    "Tier",
    "parse_slice",
]

Tier = Literal["safety", "quality", "cost"]
TIERS: tuple[Tier, ...] = ("safety", "quality", "cost")
"""The tiers of a policy, in the order they are judged and reported."""

ALL_METRICS = "*"
"""``metric: "*"``: every metric of the comparison except the operational ones (names that
start with ``latency_`` or ``cost_``), one outcome per metric."""

_COMMON = ("name", "metric", "slice", "kind", "blocking", "if_present", "description")
_CONFIG = ConfigDict(frozen=True, extra="forbid", use_attribute_docstrings=True)


@dataclass(frozen=True)
class SliceSelector:
    """A rule's ``slice`` field, parsed."""

    scope: Literal["overall", "one", "every_of", "every"]
    """All examples, one slice, every slice of one attribute, or every slice of every attribute."""
    attribute: str | None = None
    """The attribute (``one`` and ``every_of``)."""
    value: str | None = None
    """The slice value (``one``)."""

    @property
    def label(self) -> str | None:
        """``attribute=value``, ``every slice of attribute``, ``every slice`` or ``None``."""
        if self.scope == "one":
            return f"{self.attribute}={self.value}"
        if self.scope == "every_of":
            return f"every slice of {self.attribute}"
        return "every slice" if self.scope == "every" else None


def parse_slice(text: str | None) -> SliceSelector:
    """Parse ``None``, ``"attribute=value"``, ``"every:attribute"`` or ``"every"``."""
    if text is None:
        return SliceSelector("overall")
    if not isinstance(text, str):
        raise FieldProblem("slice", f"must be a string such as 'lang=de'. Got {text!r}.")
    s = text.strip()
    if s == "every":
        return SliceSelector("every")
    if s.startswith("every:"):
        attribute = s.removeprefix("every:").strip()
        if attribute:
            return SliceSelector("every_of", attribute)
    elif "=" in s:
        attribute, value = (part.strip() for part in s.split("=", 1))
        if attribute and value:
            return SliceSelector("one", attribute, value)
    raise FieldProblem(
        "slice",
        "must be 'attribute=value', 'every:attribute' or 'every' (or absent for all "
        f"examples). Got {text!r}.",
    )


def _message(err: Mapping[str, Any]) -> str:
    """A pydantic error in the words of the rest of assay."""
    if err["type"] == "extra_forbidden":
        return "is not a field of this rule kind"
    if err["type"] == "value_error" and "error" in err.get("ctx", {}):
        return str(err["ctx"]["error"])
    return f"{err['msg']}. Got {err.get('input')!r}."


def _normalise_rule(data: Any) -> dict[str, Any]:
    """Split flat YAML fields into the common ones and the kind's parameters, and validate."""
    if isinstance(data, Rule):
        return data.model_dump()
    if not isinstance(data, Mapping):
        raise FieldProblem("rule", f"a rule is a mapping of fields. Got {data!r}.")
    d = {str(k): v for k, v in data.items()}
    name = d.get("name") if isinstance(d.get("name"), str) else None
    params = dict(d.pop("params", None) or {})
    for key in [k for k in d if k not in _COMMON]:
        params[key] = d.pop(key)
    for required in ("name", "kind"):
        if d.get(required) in (None, ""):
            raise FieldProblem(required, f"the rule has no {required!r}.", name)
    if not isinstance(d["kind"], str):
        raise FieldProblem("kind", f"must be the name of a rule kind. Got {d['kind']!r}.", name)
    try:
        kind = get_rule_kind(d["kind"])
    except ConfigError as exc:
        raise FieldProblem("kind", str(exc), name) from exc
    metric = d.get("metric")
    if kind.uses_metric and metric in (None, ""):
        raise FieldProblem("metric", f"a {d['kind']} rule needs a 'metric'.", name)
    if not kind.uses_metric:
        if metric not in (None, kind.fixed_metric):
            raise FieldProblem(
                "metric",
                f"a {d['kind']} rule judges {kind.fixed_metric!r}; leave 'metric' out. "
                f"Got {metric!r}.",
                name,
            )
        d["metric"] = kind.fixed_metric
    try:
        selector = parse_slice(d.get("slice"))
    except FieldProblem as exc:
        raise FieldProblem(exc.field, exc.problem, name) from exc
    if selector.scope != "overall" and not kind.allows_slice:
        raise FieldProblem("slice", f"a {d['kind']} rule cannot be sliced.", name)
    try:
        checked = kind.parameters.model_validate(params)
    except FieldProblem as exc:
        raise FieldProblem(exc.field, exc.problem, name) from exc
    except ValidationError as exc:
        err = exc.errors()[0]
        where = str(err["loc"][0]) if err["loc"] else "params"
        problem = _message(err)
        if err["type"] == "extra_forbidden":
            known = ", ".join(kind.parameters.model_fields) or "none"
            problem = f"is not a parameter of a {d['kind']} rule (its parameters: {known})."
        raise FieldProblem(where, problem, name) from exc
    d["params"] = checked.model_dump(exclude_none=True)
    return d


class Rule(BaseModel):
    """One rule of a policy. In YAML the kind's parameters sit beside the common fields."""

    model_config = _CONFIG

    name: str
    """Unique name within the policy, e.g. ``accuracy_non_inferior``."""
    kind: str
    """A registered rule kind: threshold, non_inferiority, superiority, no_regression, budget,
    max_error_rate, or one a plug-in registered."""
    metric: str
    """The metric judged, or ``"*"`` for every non-operational metric of the comparison."""
    slice: str | None = None
    """``None`` (all examples), ``"attribute=value"``, ``"every:attribute"`` or ``"every"``."""
    blocking: bool = True
    """Whether a failure blocks shipping; non-blocking rules are reported only."""
    if_present: bool = False
    """Judge the rule only when its metric is in the comparison (otherwise it is left out)."""
    description: str = ""
    """Why the rule exists, in words."""
    params: dict[str, Any] = Field(default_factory=dict)
    """The kind's parameters (margin, min, max, ...), validated by the kind."""

    @model_validator(mode="before")
    @classmethod
    def _validate(cls, data: Any) -> Any:
        return _normalise_rule(data)

    @property
    def parameters(self) -> BaseModel:
        """The parameters as the kind's typed model."""
        return get_rule_kind(self.kind).parameters.model_validate(self.params)

    @property
    def selector(self) -> SliceSelector:
        """The parsed ``slice``."""
        return parse_slice(self.slice)

    def to_mapping(self) -> dict[str, Any]:
        """The rule as flat YAML fields (parameters beside the common fields)."""
        out: dict[str, Any] = {"name": self.name}
        if get_rule_kind(self.kind).uses_metric:
            out["metric"] = self.metric
        if self.slice is not None:
            out["slice"] = self.slice
        out["kind"] = self.kind
        out.update(self.params)
        out["blocking"] = self.blocking
        if self.if_present:
            out["if_present"] = True
        if self.description:
            out["description"] = self.description
        return out


class PolicyRules(BaseModel):
    """A policy's rules in ordered tiers: safety, then quality, then cost."""

    model_config = _CONFIG

    safety: tuple[Rule, ...] = ()
    """Safety gates (harm, refusal, leakage), judged first."""
    quality: tuple[Rule, ...] = ()
    """Quality gates (non-inferiority, superiority, slice regressions)."""
    cost: tuple[Rule, ...] = ()
    """Operational gates (error rate, latency, cost)."""


class Policy(BaseModel):
    """A release policy: the ordered gates a candidate must pass to ship."""

    model_config = _CONFIG

    name: str
    """The policy's name."""
    description: str = ""
    """What the policy protects, in words."""
    confidence: float = 0.95
    """Confidence level the rules are judged at; the comparison's intervals must match it."""
    rules: PolicyRules = Field(default_factory=PolicyRules)
    """The rules, by tier."""

    @model_validator(mode="after")
    def _check(self) -> Policy:
        c = self.confidence
        if not (math.isfinite(c) and 0.0 < c < 1.0):
            raise FieldProblem("confidence", f"must be a float in (0, 1). Got {c!r}.")
        seen: dict[str, str] = {}
        for tier, index, rule in self.tiered():
            where = f"{tier}[{index}]"
            if rule.name in seen:
                raise FieldProblem(
                    "name", f"{where} repeats the name of {seen[rule.name]}.", rule.name
                )
            seen[rule.name] = where
        return self

    def tiered(self) -> Iterator[tuple[Tier, int, Rule]]:
        """Every rule with its tier and its index within the tier, in judging order."""
        for tier in TIERS:
            for index, rule in enumerate(getattr(self.rules, tier)):
                yield tier, index, rule

    @property
    def digest(self) -> str:
        """Content digest of the policy's definition (name, confidence and every rule)."""
        return digest(self.model_dump(mode="json"))
