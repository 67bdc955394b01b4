"""A monitor's specification: the decision it watches, its watches, error budget and schedule.

In YAML::

    name: income-watch
    decision: dec-2f1c            # the recorded SHIP decision this monitor watches
    alpha: 0.05                   # family-wise false-alarm budget of the whole monitor
    every_seconds: 3600           # the look schedule (one look an hour)
    watches:
      - metric: accuracy          # a gated metric of the decision's comparison
      - metric: accuracy
        slice: sex=Female         # the same metric on a slice of the window
        margin: 0.02              # default: the policy's non-inferiority margin
      - metric: accuracy
        method: cbpe              # no labels: expected accuracy from calibrated probabilities
        column: probability
    slos:
      - name: availability
        objective: 0.999
        errors: http_requests_total{code=~"5.."}
        total: http_requests_total
"""

from __future__ import annotations

import re
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from assay.errors import ConfigError

__all__ = ["MONITOR_NAME", "MonitorSpec", "SloSpec", "WatchSpec", "load_monitor_spec"]

_CONFIG = ConfigDict(frozen=True, extra="forbid", use_attribute_docstrings=True)
MONITOR_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,99}")
"""What a monitor or SLO name may be: it names files and Prometheus label values."""
_SELECTOR = re.compile(r"^[a-zA-Z_:][a-zA-Z0-9_:]*(\{[^{}`\n]*\})?$")

Method = Literal["auto", "bernstein", "normal", "cbpe"]


class WatchSpec(BaseModel):
    """One metric (on one slice) watched against the release evidence."""

    model_config = _CONFIG

    metric: str
    """The metric, as named in the decision's comparison."""
    slice: str | None = None
    """``attribute=value``: watch only the window's rows in that slice; ``None`` for all rows."""
    column: str | None = None
    """The window's column holding the per-example scores (default: the metric's name); for
    ``cbpe`` the predicted probability of the positive class."""
    margin: float | None = Field(default=None, ge=0.0)
    """How much worse than the release estimate is still acceptable (default: the policy's
    non-inferiority margin: 1 point for a proportion, else 1% of the estimate)."""
    method: Method = "auto"
    """``bernstein`` (bounded scores, exact), ``normal`` (unbounded scores, asymptotic),
    ``cbpe`` (no labels) or ``auto``: bernstein for scores within ``bounds``, else normal."""
    bounds: tuple[float, float] | None = None
    """The range of one score, for ``bernstein`` (default [0, 1])."""
    holdout: str | None = None
    """``cbpe``: a labelled hold-out file (Parquet, CSV, JSONL; relative to the spec) with
    ``column`` and ``label``, to measure calibration on."""
    label: str = "label"
    """``cbpe``: the hold-out's label column (0/1)."""

    @model_validator(mode="after")
    def _check(self) -> WatchSpec:
        if self.slice is not None and not re.fullmatch(r"[^=\s]+=[^=]+", self.slice):
            raise ValueError(f"slice must be 'attribute=value'. Got {self.slice!r}.")
        if self.bounds is not None and not self.bounds[0] < self.bounds[1]:
            raise ValueError(f"bounds must be (low, high) with low < high. Got {self.bounds}.")
        return self

    @property
    def name(self) -> str:
        """The watch's name: ``metric``, ``metric[attribute=value]``, with ``:cbpe`` for CBPE."""
        base = self.metric if self.slice is None else f"{self.metric}[{self.slice}]"
        return base + (":cbpe" if self.method == "cbpe" else "")


class SloSpec(BaseModel):
    """A serving SLO watched with multi-window burn-rate alerts (from Prometheus counters)."""

    model_config = _CONFIG

    name: str
    """The SLO's name, e.g. ``availability``."""
    objective: float = Field(gt=0.0, lt=1.0)
    """The share of good events promised, e.g. 0.999."""
    errors: str
    """A counter selector of bad events, e.g. ``http_requests_total{code=~"5.."}``."""
    total: str
    """A counter selector of all events, e.g. ``http_requests_total``."""

    @model_validator(mode="after")
    def _check(self) -> SloSpec:
        if not MONITOR_NAME.fullmatch(self.name):
            raise ValueError(f"name must be letters, digits, '_', '.', '-'. Got {self.name!r}.")
        for field in ("errors", "total"):
            if not _SELECTOR.match(getattr(self, field)):
                raise ValueError(
                    f"{field} must be a metric selector. Got {getattr(self, field)!r}."
                )
        return self


class MonitorSpec(BaseModel):
    """A monitor attached to a recorded decision."""

    model_config = _CONFIG

    name: str
    """Unique name of the monitor."""
    decision: str
    """The id (or unique prefix) of the decision watched."""
    alpha: float = Field(default=0.05, gt=0.0, lt=1.0)
    """The monitor's family-wise false-alarm budget over every look, split across its watches
    (Bonferroni). Monitors of a family of M share a budget by giving each alpha/M."""
    every_seconds: int = Field(default=3600, ge=1)
    """The look schedule: seconds between looks (used by alert rules for staleness)."""
    watches: tuple[WatchSpec, ...] = ()
    """Quality watches; at least one watch or SLO."""
    slos: tuple[SloSpec, ...] = ()
    """Serving SLOs, alerted on by burn rate."""

    @model_validator(mode="after")
    def _check(self) -> MonitorSpec:
        if not MONITOR_NAME.fullmatch(self.name):
            raise ValueError(f"name must be letters, digits, '_', '.', '-'. Got {self.name!r}.")
        if not self.watches and not self.slos:
            raise ValueError("a monitor needs at least one watch or SLO.")
        names = [w.name for w in self.watches]
        if len(set(names)) != len(names):
            raise ValueError(f"watch names repeat: {sorted(names)}.")
        return self


def load_monitor_spec(text: str, *, source: str = "monitor spec") -> MonitorSpec:
    """Parse a monitor spec from YAML text; a :class:`~assay.errors.ConfigError` names what is
    wrong and where."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ConfigError(f"{source} is not valid YAML: {exc}") from exc
    if not isinstance(data, dict):
        raise ConfigError(f"{source} must be a YAML mapping (name, decision, watches, ...).")
    try:
        return MonitorSpec.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "spec"
        raise ConfigError(f"{source}: {where}: {first['msg']}") from exc
