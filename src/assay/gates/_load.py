"""Policies to and from YAML, and the shipped default policy.

Every problem is a ConfigError that names the file (or ``<text>``), the line where YAML can
tell it, the rule by name and position (``quality[1]``) and the field.
"""

from __future__ import annotations

import importlib.resources
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from assay._util import brief, check_instance, node_mark, parse_yaml
from assay.errors import ConfigError
from assay.gates._model import TIERS, Policy, PolicyRules, Rule
from assay.gates._registry import FieldProblem

__all__ = ["SHIPPED_POLICIES", "default_policy", "load_policy", "policy_to_yaml", "shipped_policy"]

SHIPPED_POLICIES = ("default", "safety")
"""Policies that ship with assay (``assay/policies/NAME.yaml``), by name."""

_POLICY_FIELDS = ("name", "description", "confidence", "rules")


class _Source:
    def __init__(self, name: str, root: yaml.Node | None) -> None:
        self.name = name
        self.root = root

    def error(self, message: str, path: tuple[str | int, ...] = ()) -> ConfigError:
        mark = node_mark(self.root, path) if path else None
        line = None if mark is None else mark.line + 1
        where = self.name if line is None else f"{self.name}, line {line}"
        return ConfigError(f"{where}: {message}")


def _read(source: str | Path | Mapping[str, Any]) -> tuple[Any, _Source]:
    if isinstance(source, Mapping):
        return dict(source), _Source("<mapping>", None)
    raw: str | bytes
    one_line = "\n" not in source if isinstance(source, str) else False
    if isinstance(source, Path) or (
        one_line and (source.strip().endswith((".yaml", ".yml")) or Path(source).is_file())
    ):
        path = Path(source)
        try:
            raw = path.read_bytes()
        except OSError as exc:
            raise ConfigError(f"{path}: cannot read the policy file: {exc.strerror}") from exc
        name = str(path)
    else:
        raw, name = source, "<text>"
    document = parse_yaml(raw, source=name, error=ConfigError)
    return document.data, _Source(name, document.root)


def _rule(raw: Any, tier: str, index: int, src: _Source) -> Rule:
    name = raw.get("name") if isinstance(raw, Mapping) else None
    label = f"rule {name!r} ({tier}[{index}])" if name else f"rule {tier}[{index}]"
    base: tuple[str | int, ...] = ("rules", tier, index)
    try:
        return Rule.model_validate(raw)
    except FieldProblem as exc:
        raise src.error(f"{label}, field {exc.field!r}: {exc.problem}", (*base, exc.field)) from exc
    except ValidationError as exc:
        err = exc.errors()[0]
        field = str(err["loc"][0]) if err["loc"] else "rule"
        message = f"{label}, field {field!r}: {err['msg']}. Got {brief(err.get('input'))}."
        raise src.error(message, (*base, field)) from exc


def load_policy(source: str | Path | Mapping[str, Any]) -> Policy:
    """Load a policy from a YAML file, YAML text, or an already parsed mapping.

    A ``Path`` is a file; so is a one-line string that ends in ``.yaml``/``.yml`` or names an
    existing file. Any other string is YAML text (reported as ``<text>``). ConfigError on any
    problem, naming the file, line, rule and field (see the module docstring).
    """
    check_instance(
        source, "source", "load_policy", (str, Path, Mapping), "a path, YAML text or a mapping"
    )
    data, src = _read(source)
    if not isinstance(data, Mapping):
        raise src.error(f"a policy is a YAML mapping with {', '.join(_POLICY_FIELDS)}.")
    unknown = sorted(set(map(str, data)) - set(_POLICY_FIELDS))
    if unknown:
        raise src.error(
            f"unknown policy field(s) {unknown}; a policy has {', '.join(_POLICY_FIELDS)}.",
            (unknown[0],),
        )
    if not data.get("name"):
        raise src.error("the policy has no 'name'.")
    rules = data.get("rules") or {}
    if not isinstance(rules, Mapping):
        raise src.error("'rules' maps the tiers safety, quality and cost to lists.", ("rules",))
    tiers: dict[str, tuple[Rule, ...]] = {}
    for tier, listed in rules.items():
        if tier not in TIERS:
            raise src.error(
                f"unknown tier {tier!r}; the tiers are {', '.join(TIERS)}.", ("rules", str(tier))
            )
        if listed is None:
            listed = []
        if not isinstance(listed, list):
            raise src.error(f"tier {tier!r} is a list of rules.", ("rules", tier))
        tiers[tier] = tuple(_rule(raw, tier, i, src) for i, raw in enumerate(listed))
    try:
        return Policy(
            name=data["name"],
            description=data.get("description") or "",
            confidence=data.get("confidence", 0.95),
            rules=PolicyRules(**tiers),
        )
    except FieldProblem as exc:
        who = f"rule {exc.rule!r}, " if exc.rule else ""
        raise src.error(f"{who}field {exc.field!r}: {exc.problem}", (exc.field,)) from exc
    except ValidationError as exc:
        err = exc.errors()[0]
        field = str(err["loc"][0]) if err["loc"] else "policy"
        message = f"field {field!r}: {err['msg']}. Got {brief(err.get('input'))}."
        raise src.error(message, (field,)) from exc


def policy_to_yaml(policy: Policy) -> str:
    """The policy as YAML that :func:`load_policy` reads back to the same digest."""
    check_instance(policy, "policy", "policy_to_yaml", Policy, "a Policy")
    data: dict[str, Any] = {"name": policy.name}
    if policy.description:
        data["description"] = policy.description
    data["confidence"] = policy.confidence
    data["rules"] = {
        tier: [rule.to_mapping() for rule in getattr(policy.rules, tier)] for tier in TIERS
    }
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)


def default_policy() -> Policy:
    """The shipped default policy (``assay/policies/default.yaml``).

    Quality: non-inferiority of every metric (``metric: "*"``) with each metric's default margin
    (the suite's, else 1 point for a proportion, else 1% of the baseline's estimate; see
    :mod:`assay.gates._margins`), and no significant regression on any slice (Holm, slices of at
    least 30 examples). Cost: an error rate of at most 5%, and a non-blocking latency p95
    budget (+20% over the baseline) when the comparison has ``latency_p95``. No safety rule.
    """
    return shipped_policy("default")


def shipped_policy(name: str) -> Policy:
    """A policy that ships with assay, by name: ``"default"`` or ``"safety"`` (attack-success
    non-inferiority within 2 points, over-refusal at most 10%, no harm category significantly
    worse; docs/safety.md). The default policy holds the safety rules as its first tier."""
    from assay._util import check_choice

    check_choice(name, "name", "shipped_policy", SHIPPED_POLICIES)
    resource = importlib.resources.files("assay").joinpath("policies", f"{name}.yaml")
    text = resource.read_text(encoding="utf-8")
    try:
        return load_policy(text)
    except ConfigError as exc:  # a broken installation, not a user error
        raise ConfigError(f"the shipped {name} policy: {exc}") from exc
