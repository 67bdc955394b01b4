"""Numbers and times as every layer writes them for people: the command line, the reports and
the dashboard's pages share these, so one run reads the same everywhere.
Numbers as the command line prints them: units, one minus sign, p-values at their floor.

* A metric whose estimates and bounds all lie in [0, 1] (accuracy, a pass rate, a share) is a
  proportion: its values print as percentages (``84.7%``) and its differences in percentage
  points (``+2.0 pts [+1.6, +2.4]``), as the gates' reasons write them.
* ``latency_*`` metrics are in milliseconds and say so (``+0.21 ms [+0.14, +0.35]``).
* Anything else prints at the decimals its interval supports (two significant digits of the
  interval's width), so an estimate and its bounds line up.
* The minus sign is U+2212 (``−``) everywhere, as in the gates' reasons, so a negative number
  never reads as an option and never differs between a table and a sentence.
* A p-value below 0.001 prints as ``< 0.001``. A resampling p-value at its floor (two-sided,
  2/(B+1) with B resamples: no resample crossed) says only that it is at most that, and
  prints so: ``< 0.001`` for B = 2000, ``≤ 0.002`` for B = 999.
* Times are UTC, to the minute: ``2026-12-06 09:12`` (:func:`format_time`).
"""

from __future__ import annotations

import math
from datetime import UTC, datetime
from typing import Protocol

__all__ = [
    "MINUS",
    "Bounds",
    "decimals",
    "difference",
    "effect_size",
    "estimate",
    "format_number",
    "format_time",
    "interval_cells",
    "plural",
    "pvalue",
    "result_scale",
    "scale_of",
    "summary",
]

MINUS = "\u2212"
"""The minus sign of every report and of the command line, so ``−0.5`` never reads as ``-``."""


class Bounds(Protocol):
    """An estimate with its bounds: an ``Interval``, a ``MetricSummary``, or a listing's plain
    numbers."""

    @property
    def estimate(self) -> float: ...
    @property
    def low(self) -> float: ...
    @property
    def high(self) -> float: ...


class _Compared(Protocol):
    """One metric compared between two runs (``MetricComparison``)."""

    @property
    def metric(self) -> str: ...
    @property
    def baseline(self) -> Bounds: ...
    @property
    def candidate(self) -> Bounds: ...


def format_number(x: float, decimals: int = 3, *, signed: bool = False) -> str:
    """``x`` with ``decimals`` decimals and grouped thousands; ``inf`` as ``∞``, NaN as
    ``n/a``; a value that rounds to zero carries no sign."""
    if math.isnan(x):
        return "n/a"
    if math.isinf(x):
        return ("+∞" if signed else "∞") if x > 0 else f"{MINUS}∞"
    text = f"{x:+,.{decimals}f}" if signed else f"{x:,.{decimals}f}"
    if text.lstrip("+-").strip("0.,") == "":
        text = text.lstrip("+-")
    return text.replace("-", MINUS)


def format_time(at: datetime, *, seconds: bool = False) -> str:
    """``2026-12-06 09:12`` (UTC; ``seconds`` adds them): a stored time as people read it."""
    if at.tzinfo is not None:
        at = at.astimezone(UTC)
    return at.strftime("%Y-%m-%d %H:%M:%S" if seconds else "%Y-%m-%d %H:%M")


_MAX_DECIMALS = 6


def _minus(text: str) -> str:
    return text.replace("-", MINUS)


def scale_of(metric: str, values: list[float]) -> str:
    """``pts`` (a proportion), ``ms`` (a latency) or ``""`` (anything else)."""
    if metric.startswith("latency"):
        return "ms"
    if metric.startswith(("cost", "tokens", "time_", "throughput")):
        return ""
    finite = [v for v in values if math.isfinite(v)]
    return "pts" if finite and all(0.0 <= v <= 1.0 for v in finite) else ""


def _decimals(width: float, size: float, least: int = 0) -> int:
    if math.isfinite(width) and width > 0:
        return max(least, min(_MAX_DECIMALS, 1 - math.floor(math.log10(width))))
    if not math.isfinite(size) or size == 0:
        return max(least, 3)
    return max(least, min(_MAX_DECIMALS, 2 - math.floor(math.log10(abs(size)))))


def decimals(scale: str, iv: Bounds, *shown: float) -> int:
    """Decimals for every number of one row: one for percentage points (a tenth of a point is
    as fine as an evaluation resolves), else two significant digits of the interval's width,
    or more where an estimate ``shown`` in the row needs them for two significant digits."""
    if scale == "pts":
        return 1
    places = _decimals(iv.high - iv.low, iv.estimate)
    for x in shown:
        if math.isfinite(x) and x != 0:
            places = max(places, min(_MAX_DECIMALS, 1 - math.floor(math.log10(abs(x)))))
    return places


def estimate(x: float, scale: str, places: int) -> str:
    """One run's estimate: ``84.7%``, ``0.074 ms`` or ``0.8123``."""
    if scale == "pts":
        return format_number(x * 100, places) + "%"
    text = format_number(x, places)
    return f"{text} ms" if scale == "ms" else text


def difference(iv: Bounds, scale: str, places: int) -> str:
    """A paired difference with its interval: ``+2.0 pts [+1.6, +2.4]``."""
    k = 100.0 if scale == "pts" else 1.0
    lo, hi = (
        format_number(iv.low * k, places, signed=True),
        format_number(iv.high * k, places, signed=True),
    )
    unit = f" {scale}" if scale else ""
    return f"{format_number(iv.estimate * k, places, signed=True)}{unit} [{lo}, {hi}]"


def effect_size(x: float, scale: str, *, signed: bool = True) -> str:
    """An effect alone, as prose writes it: ``+1.0 point``, ``−2.5 points`` (a proportion's
    effect, in percentage points, one decimal), ``+12.5 ms``, else three significant digits
    (``+0.0042``, ``+12.5``); ``signed=False`` drops the sign of a positive effect."""
    if scale == "pts":
        text = format_number(x * 100, 1, signed=signed)
        one = text.lstrip("+" + MINUS) == "1.0"
        return f"{text} point" + ("" if one else "s")
    places = _decimals(math.nan, x)
    text = format_number(x, places, signed=signed)
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return f"{text} ms" if scale == "ms" else text


def interval_cells(b: Bounds, scale: str, *, signed: bool = False) -> tuple[str, str]:
    """An estimate and its interval as two table cells: ``("86.7%", "[86.1%, 87.2%]")`` for a
    run's value, ``("+2.0 pts", "[+1.6, +2.4]")`` for a difference (``signed``)."""
    places = decimals(scale, b)
    if not signed:
        low, high = estimate(b.low, scale, places), estimate(b.high, scale, places)
        return estimate(b.estimate, scale, places), f"[{low.removesuffix(' ms')}, {high}]"
    k = 100.0 if scale == "pts" else 1.0
    low, high = (format_number(v * k, places, signed=True) for v in (b.low, b.high))
    unit = f" {scale}" if scale else ""
    return format_number(b.estimate * k, places, signed=True) + unit, f"[{low}, {high}]"


def summary(s: Bounds, metric: str) -> str:
    """A run's metric with its interval: ``84.7% [84.1%, 85.3%]``."""
    scale = scale_of(metric, [s.estimate, s.low, s.high])
    d = decimals(scale, s)
    low, high = estimate(s.low, scale, d), estimate(s.high, scale, d)
    return f"{estimate(s.estimate, scale, d)} [{low.removesuffix(' ms')}, {high}]"


def pvalue(p: float | None, resamples: int | None = None) -> str:
    """``0.042``, ``< 0.001``, or ``≤ 0.002`` for a resampling p-value at its floor."""
    if p is None or math.isnan(p):
        return ""
    if p < 0.001:
        return "< 0.001"
    if resamples and p <= 2.0 / (resamples + 1) * (1 + 1e-9):
        return f"≤ {p:.2g}"
    return f"{p:.3f}"


def result_scale(r: _Compared) -> str:
    """The scale of one comparison row, judged on both runs' estimates and bounds."""
    values = [v for iv in (r.baseline, r.candidate) for v in (iv.estimate, iv.low, iv.high)]
    return scale_of(r.metric, values)


def plural(n: int, one: str, many: str | None = None) -> str:
    """``1 rule`` / ``3 rules``: ``n`` with the noun (``one``) or its plural (``many``,
    default ``one + "s"``), the count written with thousands separators."""
    return f"{n:,} {one if n == 1 else (many or one + 's')}"
