"""The scenario registry: the situations that matter to users, their weight and owner, and the
suites and slices that cover them, read from YAML.

```yaml
half_width: 0.05        # default precision target, in the metric's units (±5 points)
confidence: 0.95        # of the intervals the target is about
scenarios:
  - name: older applicants
    weight: 0.15        # traffic share or any non-negative weight; shares are weight / total
    owner: credit-risk team
    half_width: 0.03    # this scenario's own target (optional)
    proportion: 0.8     # planning value of a 0/1 metric (optional; default 0.5, the widest)
    covered_by:
      - suite: adult-income
        slice: age_band=60+
        metric: accuracy
```

Every problem is a :class:`~assay.errors.ConfigError` naming the file, line and column: text
that is not YAML or breaks the bounds of :func:`assay._util.parse_yaml`, an unknown key, a
missing name, a negative or non-finite weight, a slice that is not ``attribute=value``, a name
used twice.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import yaml

from assay._util import brief, node_mark, parse_yaml
from assay.errors import ConfigError

__all__ = ["CoverageRegistry", "Scenario", "ScenarioMapping", "parse_coverage_registry"]

MAX_COVERAGE_REGISTRY_BYTES = 4 << 20
"""The largest registry file read."""
MAX_COVERAGE_REGISTRY_DEPTH = 12
"""How deeply a registry may nest (it needs five levels)."""
MAX_SCENARIOS = 10_000
"""The most scenarios a registry may list."""
_TOP = ("half_width", "confidence", "scenarios")
_SCENARIO = ("name", "weight", "owner", "half_width", "proportion", "sd", "covered_by")
_MAPPING = ("suite", "slice", "metric")
_NAME_LIMIT = 200

Path_ = tuple[str | int, ...]


@dataclass(frozen=True)
class ScenarioMapping:
    """One suite (and optionally one slice of it) that covers a scenario."""

    suite: str
    """Suite name (its newest stored version is used)."""
    attribute: str | None
    """Slice attribute, or ``None`` for the whole suite."""
    value: str | None
    """Slice value, or ``None`` for the whole suite."""
    metric: str | None
    """The metric whose interval must be useful; ``None``: the suite's first metric."""
    where: tuple[str, int | None, int | None]
    """Where the mapping is written (file, line, column), for errors."""

    def located(self, message: str) -> str:
        """``message`` placed as the registry's own errors are: ``file, line L: message
        (column C)``."""
        return _located(message, *self.where)

    @property
    def label(self) -> str:
        """``suite`` or ``suite: attribute=value``."""
        return (
            self.suite if self.attribute is None else f"{self.suite}: {self.attribute}={self.value}"
        )


@dataclass(frozen=True)
class Scenario:
    """A situation that matters to users, with its weight and who owns it."""

    name: str
    """Unique name."""
    weight: float
    """Traffic share or relative weight (non-negative); its share is weight / total."""
    owner: str
    """Who answers for the scenario ("" when not said)."""
    half_width: float
    """Precision target: the widest useful interval half-width, in the metric's units."""
    proportion: float | None
    """Planning proportion of a 0/1 metric (``None``: 0.5, the widest interval)."""
    sd: float | None
    """Standard deviation of per-example scores of a metric that is not a 0/1 proportion."""
    covered_by: tuple[ScenarioMapping, ...]
    """Suites and slices that cover it (empty: nothing covers it)."""


@dataclass(frozen=True)
class CoverageRegistry:
    """A parsed registry."""

    source: str
    """File name (or ``<text>``)."""
    confidence: float
    """Confidence level of the intervals the targets are about."""
    scenarios: tuple[Scenario, ...]
    """The scenarios, in file order."""


def _located(message: str, source: str, line: int | None, column: int | None) -> str:
    # the shape of assay._util.parse_yaml's errors
    if line is None:
        return f"{source}: {message}"
    return f"{source}, line {line}: {message.rstrip('.')} (column {column})."


class _Source:
    """Errors that name the file, line and column of a path in the YAML tree."""

    def __init__(self, name: str, root: yaml.Node | None) -> None:
        self.name = name
        self.root = root

    def where(self, path: Path_) -> tuple[str, int | None, int | None]:
        mark = node_mark(self.root, path)
        if mark is None:
            return self.name, None, None
        return self.name, mark.line + 1, mark.column + 1

    def error(self, message: str, path: Path_ = ()) -> ConfigError:
        return ConfigError(_located(message, *self.where(path)))


def _keys(data: Any, allowed: tuple[str, ...], what: str, src: _Source, path: Path_) -> None:
    if not isinstance(data, Mapping):
        raise src.error(f"{what} is a mapping with {', '.join(allowed)}. Got {brief(data)}.", path)
    unknown = [k for k in data if k not in allowed]
    if unknown:
        raise src.error(
            f"unknown key {brief(unknown[0])} in {what}; it has {', '.join(allowed)}.",
            (*path, unknown[0]),
        )


def _number(data: Mapping[str, Any], key: str, src: _Source, path: Path_, what: str) -> float:
    value = data[key]
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise src.error(f"{key!r} of {what} is a finite number. Got {brief(value)}.", (*path, key))
    return float(value)


def _text(data: Mapping[str, Any], key: str, src: _Source, path: Path_, what: str) -> str:
    value = data.get(key)
    if not isinstance(value, str) or not value.strip() or len(value) > _NAME_LIMIT:
        raise src.error(
            f"{key!r} of {what} is non-empty text of at most {_NAME_LIMIT} characters. "
            f"Got {brief(value)}.",
            (*path, key) if key in data else path,
        )
    return value.strip()


def _in_open(value: float, key: str, src: _Source, path: Path_, what: str, high: float) -> float:
    if not 0.0 < value < high:
        raise src.error(f"{key!r} of {what} is in (0, {high:g}). Got {value:g}.", (*path, key))
    return value


def _mapping(raw: Any, src: _Source, path: Path_, what: str) -> ScenarioMapping:
    _keys(raw, _MAPPING, what, src, path)
    suite = _text(raw, "suite", src, path, what)
    attribute = value = metric = None
    if raw.get("slice") is not None:
        text = raw["slice"]
        attr, sep, val = text.partition("=") if isinstance(text, str) else ("", "", "")
        if not sep or not attr.strip() or not val.strip() or len(text) > _NAME_LIMIT:
            raise src.error(
                f"'slice' of {what} is 'attribute=value' (e.g. 'sex=Female'). Got {brief(text)}.",
                (*path, "slice"),
            )
        attribute, value = attr.strip(), val.strip()
    if raw.get("metric") is not None:
        metric = _text(raw, "metric", src, path, what)
    return ScenarioMapping(suite, attribute, value, metric, src.where(path))


def _scenario(raw: Any, index: int, src: _Source, defaults: dict[str, float]) -> Scenario:
    path: Path_ = ("scenarios", index)
    _keys(raw, _SCENARIO, f"scenario {index + 1}", src, path)
    name = _text(raw, "name", src, path, f"scenario {index + 1}")
    what = f"scenario {name!r}"
    if "weight" not in raw:
        raise src.error(f"{what} has no 'weight' (its traffic share or relative weight).", path)
    weight = _number(raw, "weight", src, path, what)
    if weight < 0.0:
        raise src.error(f"'weight' of {what} is at least 0. Got {weight:g}.", (*path, "weight"))
    owner = "" if raw.get("owner") is None else _text(raw, "owner", src, path, what)
    half = defaults["half_width"]
    if raw.get("half_width") is not None:
        half = _in_open(
            _number(raw, "half_width", src, path, what), "half_width", src, path, what, math.inf
        )
    proportion = sd = None
    if raw.get("proportion") is not None:
        proportion = _in_open(
            _number(raw, "proportion", src, path, what), "proportion", src, path, what, 1.0
        )
    if raw.get("sd") is not None:
        if proportion is not None:
            raise src.error(f"{what} gives 'proportion' or 'sd', not both.", (*path, "sd"))
        sd = _in_open(_number(raw, "sd", src, path, what), "sd", src, path, what, math.inf)
    listed = raw.get("covered_by") or []
    if not isinstance(listed, list):
        raise src.error(f"'covered_by' of {what} is a list of suites.", (*path, "covered_by"))
    mappings = tuple(
        _mapping(m, src, (*path, "covered_by", i), f"{what}, covered_by[{i}]")
        for i, m in enumerate(listed)
    )
    return Scenario(name, weight, owner, half, proportion, sd, mappings)


def parse_coverage_registry(raw: str | bytes, *, source: str = "<text>") -> CoverageRegistry:
    """Parse a registry's YAML (see the module docstring); ``source`` names it in errors."""
    document = parse_yaml(
        raw,
        source=source,
        error=ConfigError,
        max_bytes=MAX_COVERAGE_REGISTRY_BYTES,
        max_depth=MAX_COVERAGE_REGISTRY_DEPTH,
    )
    src, data = _Source(source, document.root), document.data
    _keys(data, _TOP, "a coverage registry", src, ())
    defaults = {"half_width": 0.05, "confidence": 0.95}
    for key in defaults:
        if data.get(key) is not None:
            high = 1.0 if key == "confidence" else math.inf
            value = _number(data, key, src, (), "the registry")
            defaults[key] = _in_open(value, key, src, (), "the registry", high)
    listed = data.get("scenarios")
    if not isinstance(listed, list) or not listed:
        raise src.error("'scenarios' is a non-empty list of scenarios.", ("scenarios",))
    if len(listed) > MAX_SCENARIOS:
        raise src.error(
            f"at most {MAX_SCENARIOS:,} scenarios. Got {len(listed):,}.", ("scenarios",)
        )
    scenarios = [_scenario(raw_s, i, src, defaults) for i, raw_s in enumerate(listed)]
    seen: set[str] = set()
    for i, s in enumerate(scenarios):
        if s.name in seen:
            raise src.error(
                f"the scenario name {s.name!r} is used twice.", ("scenarios", i, "name")
            )
        seen.add(s.name)
    if sum(s.weight for s in scenarios) <= 0.0:
        raise src.error(
            "the weights add up to 0: give at least one scenario a weight.", ("scenarios",)
        )
    return CoverageRegistry(source, defaults["confidence"], tuple(scenarios))
