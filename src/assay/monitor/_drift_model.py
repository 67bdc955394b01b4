"""The result of judging a current window against a reference profile."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from assay.stats.drift import DriftMeasure, DriftTest, DriftVerdict

__all__ = ["ColumnDrift", "DriftResult", "MissingShare"]


@dataclass(frozen=True)
class MissingShare:
    """Share of nulls + NaN in each window and the difference with its interval."""

    reference: float
    """Missing share of the reference."""
    current: float
    """Missing share of the current window (NaN for an empty window)."""
    low: float
    """Lower bound of the difference current - reference."""
    high: float
    """Upper bound of the difference."""
    method: str = "Agresti-Caffo interval of a difference of proportions"
    """How the interval was computed."""


@dataclass(frozen=True)
class ColumnDrift:
    """One column's row of a drift result."""

    column: str
    """The column."""
    kind: str
    """numeric, categorical or unsupported (of the reference)."""
    verdict: DriftVerdict
    """drifted / not drifted / inconclusive (see :mod:`assay.stats.drift`)."""
    statistic: str
    """The distance the verdict is judged on."""
    margin: float
    """The change that matters for that distance."""
    reason: str
    """Why the verdict is what it is, in words."""
    measures: tuple[DriftMeasure, ...] = ()
    """Every distance with its interval and method."""
    test: DriftTest | None = None
    """The KS or chi-squared test."""
    adjusted_p: float = math.nan
    """Benjamini-Hochberg adjusted p-value across the window's judged columns."""
    n_reference: int = 0
    """Non-missing values in the reference."""
    n_current: int = 0
    """Non-missing values in the current window."""
    missing: MissingShare | None = None
    """Missing share of both windows."""
    new_categories: tuple[str, ...] = ()
    """Categories of the current window absent from the reference (first 20)."""
    n_new_categories: int = 0
    """How many values fall in categories new to the reference."""
    out_of_range: int = 0
    """Current values below the reference minimum or above its maximum."""
    out_of_range_share: float = 0.0
    """Their share of the current non-missing values."""
    quality: tuple[str, ...] = ()
    """Data-quality findings in words."""
    quality_alarm: bool = False
    """Whether the missing share rose by more than the spec's margin (judged on the interval)."""
    notes: tuple[str, ...] = ()
    """Caveats (sketch error, estimated bins, constant reference)."""

    @property
    def measure(self) -> DriftMeasure | None:
        """The distance the verdict is judged on."""
        return next((m for m in self.measures if m.name == self.statistic), None)


@dataclass(frozen=True)
class DriftResult:
    """A current window judged against a reference profile, column by column."""

    reference: str
    """The reference profile's name."""
    reference_digest: str
    """The reference profile's SHA-256."""
    current: str
    """The current window's name."""
    rows_reference: int
    """Rows of the reference."""
    rows_current: int
    """Rows of the current window."""
    columns: tuple[ColumnDrift, ...]
    """One row per watched column."""
    verdict: Literal["drifted", "not drifted", "inconclusive"]
    """drifted if any column drifted or raised a quality alarm; else inconclusive if any column
    is; else not drifted."""
    confidence: float
    """Confidence level of the intervals."""
    alpha: float
    """Benjamini-Hochberg level across columns."""
    added_columns: tuple[str, ...] = ()
    """Columns of the current window the reference does not have (not judged)."""
    settings: dict[str, Any] = field(default_factory=dict)
    """The monitor spec the window was judged with."""

    def column(self, name: str) -> ColumnDrift:
        """The row of column ``name``."""
        for c in self.columns:
            if c.column == name:
                return c
        raise KeyError(name)

    @property
    def drifted(self) -> tuple[str, ...]:
        """Names of the drifted columns."""
        return tuple(c.column for c in self.columns if c.verdict == "drifted")

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready data (NaN and infinities become None)."""
        out: dict[str, Any] = _clean(asdict(self))
        for column, row in zip(self.columns, out["columns"], strict=True):
            for measure, data in zip(column.measures, row["measures"], strict=True):
                data["estimate_outside"] = measure.estimate_outside
        return out


def _clean(value: Any) -> Any:
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_clean(v) for v in value]
    return value
