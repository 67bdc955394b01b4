"""Which columns of unit-level rows make which metric."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from assay.errors import ConfigError, DataError

__all__ = ["MetricSpec", "default_metrics", "parse_metric"]

_KINDS = ("mean", "proportion", "count", "ratio", "quantile")
_QUANTILE = re.compile(r"^p(\d+(?:\.\d+)?)\((\w[\w.\- ]*)\)$")


@dataclass(frozen=True)
class MetricSpec:
    """A metric computed from unit-level columns.

    Mean, proportion and count metrics read ``column``; ratio metrics ``numerator`` and
    ``denominator`` (each a per-unit total, e.g. clicks and views per user); quantile metrics
    ``column`` at ``quantile``. The ``*_pre`` columns are pre-period covariates for CUPED.
    """

    name: str
    """Metric name used in the readout."""
    kind: str | None = None
    """``mean``, ``proportion``, ``count``, ``ratio``, ``quantile``; ``None`` infers mean or
    proportion from the sums (proportion when every value is 0 or 1)."""
    column: str | None = None
    """Value column (defaults to ``name``) for non-ratio metrics."""
    pre: str | None = None
    """Pre-period covariate column (CUPED) for mean, proportion and count metrics."""
    numerator: str | None = None
    """Numerator column of a ratio metric."""
    denominator: str | None = None
    """Denominator column of a ratio metric."""
    numerator_pre: str | None = None
    """Pre-period numerator column of a ratio metric (CUPED)."""
    denominator_pre: str | None = None
    """Pre-period denominator column of a ratio metric (CUPED)."""
    quantile: float | None = None
    """Quantile in (0, 1) for quantile metrics."""

    def __post_init__(self) -> None:
        if self.kind is not None and self.kind not in _KINDS:
            raise ConfigError(
                f"Metric {self.name!r}: kind must be one of {_KINDS}. Got {self.kind!r}."
            )
        if self.kind == "ratio" and (self.numerator is None or self.denominator is None):
            raise ConfigError(
                f"Metric {self.name!r}: a ratio metric needs numerator and denominator."
            )
        if self.kind == "quantile" and not (self.quantile is not None and 0 < self.quantile < 1):
            raise ConfigError(f"Metric {self.name!r}: a quantile metric needs quantile in (0, 1).")

    @property
    def value_column(self) -> str:
        """The column holding the metric's per-unit value (non-ratio metrics)."""
        return self.column or self.name

    @property
    def columns(self) -> tuple[str, ...]:
        """Every column the metric reads (covariates included)."""
        cols: tuple[str | None, ...]
        if self.kind == "ratio":
            cols = (self.numerator, self.denominator, self.numerator_pre, self.denominator_pre)
        else:
            cols = (self.value_column, self.pre)
        return tuple(c for c in cols if c is not None)

    @property
    def has_pre(self) -> bool:
        """Whether the metric has pre-period covariate columns."""
        if self.kind == "ratio":
            return self.numerator_pre is not None and self.denominator_pre is not None
        return self.pre is not None


def _pre(column: str, available: Sequence[str]) -> str | None:
    name = f"{column}_pre"
    return name if name in available else None


def parse_metric(text: str, available: Sequence[str]) -> MetricSpec:
    """Parse a metric given on the command line, against the columns of the data.

    Forms: ``COL`` (mean, or proportion for 0/1 values), ``COL:count`` (any kind but ratio and
    quantile), ``NAME=NUM/DEN`` (ratio), ``p90(COL)`` or ``NAME=p90(COL)`` (quantile).
    Pre-period covariates are found by name: ``COL_pre``, ``NUM_pre`` and ``DEN_pre``.
    """
    text = text.strip()
    name, eq, rhs = text.partition("=")
    expr = rhs.strip() if eq else text
    name = name.strip()
    q = _QUANTILE.match(expr)
    if q:
        col = q.group(2).strip()
        _require(col, available, text)
        return MetricSpec(
            name=name if eq else expr, kind="quantile", column=col, quantile=float(q.group(1)) / 100
        )
    if eq and "/" in expr:
        num, _, den = (p.strip() for p in expr.partition("/"))
        _require(num, available, text)
        _require(den, available, text)
        pre_n, pre_d = _pre(num, available), _pre(den, available)
        both = pre_n is not None and pre_d is not None
        return MetricSpec(
            name=name,
            kind="ratio",
            numerator=num,
            denominator=den,
            numerator_pre=pre_n if both else None,
            denominator_pre=pre_d if both else None,
        )
    col, colon, kind = expr.partition(":")
    col = col.strip()
    _require(col, available, text)
    if colon and kind.strip() not in ("mean", "proportion", "count"):
        raise ConfigError(
            f"In metric {text!r}, the kind after ':' must be mean, proportion or count."
        )
    return MetricSpec(
        name=name if eq else col,
        kind=kind.strip() if colon else None,
        column=col,
        pre=_pre(col, available),
    )


def _require(column: str, available: Sequence[str], text: str) -> None:
    if column not in available:
        raise DataError(
            f"metric {text!r} names a column that is not in the data",
            column=column,
            expected="one of " + ", ".join(available),
        )


def default_metrics(numeric: Sequence[str], reserved: Sequence[str]) -> list[MetricSpec]:
    """Every numeric column that is not an id, the arm or a ``*_pre`` covariate."""
    skip = set(reserved)
    names = [c for c in numeric if c not in skip and not c.endswith("_pre")]
    return [MetricSpec(name=c, column=c, pre=_pre(c, numeric)) for c in names]
