"""The monitor spec: which columns are watched, the margins that matter, and the levels.

Written in YAML (``assay monitor drift --spec monitor.yaml``) or built in Python::

    confidence: 0.95          # intervals of every distance
    alpha: 0.05               # Benjamini-Hochberg level across the columns of a window
    margins: {wasserstein: 0.1, psi: 0.1, js: 0.1, ks: 0.1}
    rules:
      age: {statistic: psi, margin: 0.2}
    ignore: [row_id]
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from assay._util import load_yaml
from assay.errors import ConfigError

__all__ = ["DEFAULT_MARGINS", "ColumnRule", "DriftSpec", "DriftStatistic", "load_drift_spec"]

DriftStatistic = Literal["wasserstein", "psi", "js", "ks"]

DEFAULT_MARGINS: dict[str, float] = {"wasserstein": 0.1, "psi": 0.1, "js": 0.1, "ks": 0.1}
"""Changes that matter by default: a normalised Wasserstein distance of 0.1 reference standard
deviations, a PSI of 0.1 (the usual "some change" line), a Jensen-Shannon distance of 0.1 and a
KS distance of 0.1 (Evidently's thresholds for its large-data tests)."""


class ColumnRule(BaseModel):
    """The statistic and margin of one column (each defaults to the spec-wide value)."""

    model_config = ConfigDict(frozen=True, extra="forbid", use_attribute_docstrings=True)

    statistic: DriftStatistic | None = None
    """The distance the verdict is judged on (``js`` and ``psi`` only for categories)."""
    margin: float | None = Field(default=None, gt=0)
    """The change that matters for that distance."""


class DriftSpec(BaseModel):
    """How a window is judged against its reference; every field has a documented default."""

    model_config = ConfigDict(frozen=True, extra="forbid", use_attribute_docstrings=True)

    columns: tuple[str, ...] | None = None
    """Watched columns; ``None``: every column of the reference."""
    ignore: tuple[str, ...] = ()
    """Columns never judged (ids, timestamps)."""
    confidence: float = Field(default=0.95, gt=0, lt=1)
    """Confidence level of every interval."""
    alpha: float = Field(default=0.05, gt=0, lt=1)
    """Benjamini-Hochberg false-discovery level across the judged columns of a window."""
    resamples: int = Field(default=400, ge=50, le=100_000)
    """Poisson bootstrap resamples per distance."""
    seed: int = Field(default=0, ge=0)
    """Seed of the bootstrap."""
    min_values: int = Field(default=10, ge=2)
    """A column with fewer non-missing values in either window is inconclusive, not judged."""
    numeric_statistic: DriftStatistic = "wasserstein"
    """The distance numeric columns are judged on."""
    categorical_statistic: Literal["js", "psi"] = "js"
    """The distance categorical columns are judged on."""
    margins: dict[str, float] = Field(default_factory=lambda: dict(DEFAULT_MARGINS))
    """Margin per distance (missing entries take :data:`DEFAULT_MARGINS`)."""
    missing_margin: float = Field(default=0.05, gt=0, lt=1)
    """A rise of the missing share (nulls + NaN) whose interval lies above this is an alarm."""
    rules: dict[str, ColumnRule] = Field(default_factory=dict)
    """Per-column statistic and margin."""

    @field_validator("margins")
    @classmethod
    def _known_margins(cls, value: dict[str, float]) -> dict[str, float]:
        unknown = sorted(set(value) - set(DEFAULT_MARGINS))
        if unknown:
            raise ValueError(
                f"unknown distance {unknown[0]!r}; one of {', '.join(DEFAULT_MARGINS)}"
            )
        if any(not v > 0 for v in value.values()):
            raise ValueError("margins are positive numbers")
        return {**DEFAULT_MARGINS, **value}

    def rule(self, column: str, kind: str) -> tuple[DriftStatistic, float]:
        """The statistic and margin a column is judged on."""
        rule = self.rules.get(column, ColumnRule())
        default: DriftStatistic = (
            self.numeric_statistic if kind == "numeric" else self.categorical_statistic
        )
        stat = rule.statistic or default
        if kind != "numeric" and stat not in ("js", "psi"):
            stat = self.categorical_statistic
        margin = (
            rule.margin
            if rule.margin is not None
            else self.margins.get(stat, DEFAULT_MARGINS[stat])
        )
        return stat, float(margin)


def load_drift_spec(path: str | Path) -> DriftSpec:
    """A :class:`DriftSpec` from a YAML file (a ConfigError naming the field when wrong)."""
    p = Path(path)
    try:
        raw = p.read_bytes()
    except OSError as exc:
        raise ConfigError(f"cannot read the monitor spec {p}: {exc.strerror or exc}") from exc
    data = load_yaml(raw, source=str(p)) or {}
    if not isinstance(data, dict):
        raise ConfigError(
            f"{p}: a monitor spec is a mapping of settings, found {type(data).__name__}"
        )
    try:
        return DriftSpec.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(x) for x in first["loc"])
        raise ConfigError(f"{p}: {where}: {first['msg']}") from exc
