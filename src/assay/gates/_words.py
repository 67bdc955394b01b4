"""Numbers in words for rule reasons: percentage points, units, signs.

A metric whose estimates and interval bounds (both runs) all lie in [0, 1] and that is not
operational is shown on the percentage scale: values as percentages (``81.2%``), differences
in percentage points (``−2.1 points``). Latency metrics (``latency_*``) are in milliseconds,
every number of one result at the same decimals (two significant digits of the finest
interval's width), so ``0.14 ms`` and ``+2.33 ms`` line up. Everything else is shown in the
metric's own units with four significant digits. Negative
numbers use the minus sign (−).
"""

from __future__ import annotations

import math

from assay.core import Interval, MetricComparison

__all__ = [
    "Scale",
    "about",
    "is_operational",
    "join_names",
    "p_text",
    "percent_change",
    "scale_of",
]


OPERATIONAL_METRICS = frozenset({"latency_p50", "latency_p95", "latency_p99", "cost_per_example"})
"""The latency and cost results a comparison adds (names a suite's metrics cannot take)."""


def is_operational(metric: str) -> bool:
    """Latency and cost metrics: judged by budgets, left out of ``metric: "*"``."""
    return metric in OPERATIONAL_METRICS


def _minus(text: str) -> str:
    return text.replace("-", "\u2212")


class Scale:
    """How one metric's numbers are written."""

    def __init__(self, percent: bool, unit: str = "", decimals: int | None = None) -> None:
        self.percent = percent
        self.unit = unit
        self.decimals = decimals  # latency: one count of decimals for every number of a result

    def _fixed(self, x: float, sign: str = "") -> str:
        if self.decimals is None:
            return f"{x:{sign}.4g}"
        return f"{x:{sign}.{self.decimals}f}"

    def _digits(self, *values: float) -> int:
        big = max((abs(v) for v in values if math.isfinite(v)), default=0.0)
        return 2 if big * 100 < 1.0 else 1

    def value(self, x: float) -> str:
        """A value: ``81.2%``, ``412 ms`` or ``0.3127``."""
        if self.percent:
            return _minus(f"{x * 100:.1f}%")
        return _minus(self._fixed(x)) + (f" {self.unit}" if self.unit else "")

    def values(self, iv: Interval) -> str:
        """``81.2% [79.0%, 83.3%]``."""
        if self.percent:
            return f"{self.value(iv.estimate)} [{self.value(iv.low)}, {self.value(iv.high)}]"
        bounds = _minus(f"[{self._fixed(iv.low)}, {self._fixed(iv.high)}]")
        return f"{self.value(iv.estimate)} {bounds}"

    def diff(self, x: float, *, digits: int | None = None) -> str:
        """A signed difference: ``−2.1 points``, ``+12 ms`` or ``+0.0042``."""
        if self.percent:
            d = self._digits(x) if digits is None else digits
            return _minus(f"{x * 100:+.{d}f} points")
        return _minus(self._fixed(x, "+")) + (f" {self.unit}" if self.unit else "")

    def diffs(self, iv: Interval) -> str:
        """``−2.1 points [−3.4, −0.8]``."""
        if self.percent:
            d = self._digits(iv.estimate, iv.low, iv.high)
            low, high = (_minus(f"{v * 100:+.{d}f}") for v in (iv.low, iv.high))
            return f"{self.diff(iv.estimate, digits=d)} [{low}, {high}]"
        low, high = self._fixed(iv.low, "+"), self._fixed(iv.high, "+")
        return f"{self.diff(iv.estimate)} " + _minus(f"[{low}, {high}]")

    def margin(self, x: float) -> str:
        """A signed margin as an adjective: ``−1.0-point``, ``+0.01``."""
        if self.percent:
            return _minus(f"{x * 100:+.1f}") + "-point"
        return _minus(f"{x:+.4g}") + (f" {self.unit}" if self.unit else "")

    def size(self, x: float) -> str:
        """An unsigned size as an adjective: ``1.0-point``, ``0.01``, ``25 ms``."""
        if self.percent:
            return f"{abs(x) * 100:.1f}-point"
        return f"{abs(x):.4g}" + (f" {self.unit}" if self.unit else "")

    def half_width(self, iv: Interval) -> str:
        """``±9.1 points``: half the interval's width."""
        half = (iv.high - iv.low) / 2.0
        if self.percent:
            return f"±{half * 100:.1f} points"
        return f"±{half:.3g}" + (f" {self.unit}" if self.unit else "")


def scale_of(result: MetricComparison) -> Scale:
    """The scale a result is written on (see the module docstring)."""
    if result.metric.startswith("latency_"):
        ivs = (result.baseline, result.candidate, result.difference)
        return Scale(False, "ms", max(_decimals(iv) for iv in ivs))
    if is_operational(result.metric):
        return Scale(False)
    bounds = (result.baseline, result.candidate)
    inside = all(0.0 <= v <= 1.0 for b in bounds for v in (b.estimate, b.low, b.high))
    return Scale(inside)


def p_text(p: float) -> str:
    """A p-value in two significant digits, ``< 0.001`` below that: a bootstrap p-value has
    its floor at 1/(B + 1) (0.0005 at 2,000 resamples), so smaller digits would be noise."""
    return "< 0.001" if p < 0.001 else f"{p:.2g}"


def percent_change(x: float) -> str:
    """A signed relative change: ``+12.0%``; whole percents from 100% on (``+1635%``)."""
    return _minus(f"{x * 100:+.0f}%" if abs(x) >= 1.0 else f"{x * 100:+.1f}%")


def _decimals(iv: Interval) -> int:
    """Decimals that show two significant digits of an interval's width (as the reports)."""
    width = iv.high - iv.low
    if math.isfinite(width) and width > 0:
        return max(0, min(6, 1 - math.floor(math.log10(width))))
    size = abs(iv.estimate)
    if not math.isfinite(size) or size == 0:
        return 3
    return max(0, min(6, 2 - math.floor(math.log10(size))))


def about(k: int) -> str:
    """A count for "about N": exact below 100, else two significant digits (``3,400``)."""
    if k < 100:
        return str(k)
    step = 10 ** (len(str(k)) - 2)
    return f"{int(k / step + 0.5) * step:,}"


def join_names(names: list[str], *, most: int = 3) -> str:
    """``a``, ``a and b``, ``a, b and c``, ``a, b, c and 2 more``."""
    if len(names) > most:
        return ", ".join(names[:most]) + f" and {len(names) - most} more"
    if len(names) <= 1:
        return "".join(names)
    return ", ".join(names[:-1]) + f" and {names[-1]}"
