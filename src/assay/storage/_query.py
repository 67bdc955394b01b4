"""What a run listing asks for: filters on suite, model, tags and metric estimates."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal, cast, get_args

from assay._util import check_choice, check_instance, check_int
from assay.errors import ParameterError

__all__ = ["DIGEST_PREFIX", "MetricFilter", "Operator", "RunQuery", "like_prefix"]

Operator = Literal[">", ">=", "<", "<=", "=="]
_OPERATORS: tuple[str, ...] = get_args(Operator)
_FILTER = re.compile(r"^\s*([A-Za-z_][A-Za-z0-9_]*)\s*(>=|<=|==|>|<)\s*(\S+)\s*$")
DIGEST_PREFIX = re.compile(r"^[0-9a-f]{6,64}$")
"""A suite filter of this form also matches suites whose digest starts with it."""


def like_prefix(prefix: str) -> str:
    """A LIKE pattern matching strings that start with ``prefix`` (escape character ``\\``)."""
    escaped = prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return escaped + "%"


@dataclass(frozen=True)
class MetricFilter:
    """Keep runs whose stored estimate of ``metric`` satisfies ``estimate <op> value``.

    Runs without that metric, or with a missing (NaN) estimate, never match.
    """

    metric: str
    """Metric name, e.g. ``"accuracy"``."""
    op: Operator
    """Comparison: one of ``>``, ``>=``, ``<``, ``<=``, ``==``."""
    value: float
    """Threshold compared with the run's estimate."""

    def __post_init__(self) -> None:
        check_choice(self.op, "op", "MetricFilter", list(_OPERATORS))
        check_instance(self.value, "value", "MetricFilter", (int, float), "a number")
        if math.isnan(self.value):
            raise ParameterError("value", "MetricFilter", "a number", self.value)

    @classmethod
    def parse(cls, text: str) -> MetricFilter:
        """Parse ``"accuracy>=0.8"`` (as typed on a command line)."""
        match = _FILTER.match(text)
        value: float | None = None
        if match:
            try:
                value = float(match.group(3))
            except ValueError:
                value = None
        if match is None or value is None:
            raise ParameterError(
                "filter", "MetricFilter.parse", "METRIC OP NUMBER such as 'accuracy>=0.8'", text
            )
        return cls(match.group(1), cast(Operator, match.group(2)), value)


@dataclass(frozen=True)
class RunQuery:
    """Which runs to list and in what order. Every filter given must match."""

    suite: str | None = None
    """Suite name, or a prefix (at least 6 characters) of its digest."""
    model: str | None = None
    """Model name, or ``name@version``."""
    tags: Mapping[str, str] = field(default_factory=dict)
    """Tags the run must carry with exactly these values."""
    metric_filters: Sequence[MetricFilter] = ()
    """Thresholds on stored metric estimates."""
    sort: str = "created_at"
    """``"created_at"`` or a metric name (runs without the metric come last)."""
    descending: bool = True
    """Newest (or highest) first."""
    limit: int | None = None
    """At most this many runs."""

    def __post_init__(self) -> None:
        if self.limit is not None:
            check_int(self.limit, "limit", "RunQuery")
        if not isinstance(self.sort, str) or not self.sort:
            raise ParameterError("sort", "RunQuery", "'created_at' or a metric name", self.sort)
        for item in self.metric_filters:
            check_instance(
                item, "metric_filters", "RunQuery", MetricFilter, "a sequence of MetricFilter"
            )
