"""Number and text formatting shared by every report format.

Numbers are written with as many decimals as their interval's width supports (two significant
digits of the width), so an estimate and its bounds always line up: ``0.853 [0.836, 0.870]``,
``423 [417, 429]``.

Units follow the release gates' wording, so a rule's reason and the report agree: a metric
whose estimates and bounds (both runs) lie in [0, 1] and that is not operational is a
proportion, its values written as percentages (``84.7%``) and its differences in percentage
points (``+2.0 points [+1.6, +2.4]``, one decimal, two below one point); latency metrics are
in milliseconds (``+4.18 ms [+4.05, +4.54]``); anything else in its own units. Negative numbers
use one minus sign (−, U+2212) everywhere in reports; the fixed-width terminal numbers keep the
ASCII hyphen.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass, field

from assay._util import MINUS, plural
from assay._util import format_number as number
from assay.core import Interval, MetricComparison

__all__ = [
    "MINUS",
    "Units",
    "decimals_for",
    "diff_number",
    "diff_text",
    "direction",
    "fixed_interval",
    "fixed_number",
    "good_difference",
    "interval_text",
    "is_operational",
    "mde_text",
    "metric_units",
    "number",
    "plural",
    "pvalue_text",
    "slice_label",
    "truncate",
    "units_of",
    "value_text",
    "values_text",
]

_MAX_DECIMALS = 6
_OPERATIONAL_PREFIXES = ("latency", "cost", "tokens", "time_", "throughput")
_OPERATIONAL_SUFFIXES = ("_ms", "_seconds", "_per_1k_tokens")  # a load test's timings, its cost


def decimals_for(low: float, high: float, estimate: float) -> int:
    """Decimals that show two significant digits of the interval's width."""
    width = high - low
    if math.isinf(width) and math.isfinite(estimate):  # one-sided: twice the finite half
        finite = [abs(b - estimate) for b in (low, high) if math.isfinite(b)]
        width = 2 * finite[0] if finite else width
    if math.isfinite(width) and width > 0:
        return max(0, min(_MAX_DECIMALS, 1 - math.floor(math.log10(width))))
    size = abs(estimate)
    if not math.isfinite(size) or size == 0:
        return 3
    return max(0, min(_MAX_DECIMALS, 2 - math.floor(math.log10(size))))


def fixed_number(x: float, *, decimals: int = 4, signed: bool = False) -> str:
    """A number at a fixed width, for terminal tables: ``0.8123``, or ``+0.0123`` signed.

    Signed numbers (differences) switch to ``decimals`` significant digits from 100 on
    (``+1234``, ``+1.235e+04``) so a large difference stays short.
    """
    if signed:
        return f"{x:+.{decimals}f}" if abs(x) < 100 else f"{x:+.{decimals}g}"
    return f"{x:.{decimals}f}"


def fixed_interval(
    estimate: float, low: float, high: float, *, decimals: int = 4, signed: bool = False
) -> str:
    """``0.8123 [0.8051, 0.8192]`` or, signed, ``+0.0123 [-0.0040, +0.0286]`` (see
    :func:`fixed_number`)."""
    return (
        f"{fixed_number(estimate, decimals=decimals, signed=signed)} "
        f"[{fixed_number(low, decimals=decimals, signed=signed)}, "
        f"{fixed_number(high, decimals=decimals, signed=signed)}]"
    )


def interval_text(iv: Interval, *, signed: bool = False) -> str:
    """``estimate [low, high]`` at the decimals the interval supports."""
    d = decimals_for(iv.low, iv.high, iv.estimate)
    return (
        f"{number(iv.estimate, d, signed=signed)} "
        f"[{number(iv.low, d, signed=signed)}, {number(iv.high, d, signed=signed)}]"
    )


def mde_text(r: MetricComparison) -> str:
    """The minimum detectable effect in the difference's units (``1.3 points``, ``2.1 ms``)."""
    if r.mde is None:
        return "—"
    u, iv = units_of(r), r.difference
    if u.percent:
        return f"{number(r.mde * 100, _point_decimals(iv.low * 100, iv.high * 100))} points"
    text = number(r.mde, _decimals(iv, u))
    return text + (f" {u.unit}" if u.unit else "")


def pvalue_text(p: float | None, resamples: int | None = None) -> str:
    """A p-value: two decimals from 0.1, three below, ``< 0.001`` under 0.001.

    A resampling p-value cannot go below its floor 1/(B+1) (2/(B+1) two-sided); at the floor
    it is written as ``< `` the power of ten above the floor (``< 0.001`` for 2,000
    resamples), because the resamples only show that it is smaller.
    """
    if p is None or math.isnan(p):
        return "—"
    if resamples:
        floor = 2.0 / (resamples + 1)
        if p <= floor * (1 + 1e-9):
            bound = 10.0 ** math.ceil(math.log10(floor) - 1e-12)
            return f"< {bound:.{max(0, -round(math.log10(bound)))}f}"
    if p < 1e-3:
        return "< 0.001"
    return f"{p:.3f}" if p < 0.1 else f"{p:.2f}"


@dataclass(frozen=True)
class Units:
    """How a metric's numbers are written: proportion (%, points), or a unit (``ms``)."""

    percent: bool
    """Values as percentages and differences in percentage points."""
    unit: str = ""
    """The unit after a value or difference when not a proportion (``ms`` for latency)."""
    decimals: int | None = field(default=None, compare=False)
    """Decimals every value and difference of the metric is written with (latency: one
    count for the row, so ``0.14 ms`` and ``2.47 ms`` line up); ``None``: each interval's own."""

    @property
    def difference_unit(self) -> str:
        """``points``, ``ms`` or empty."""
        return "points" if self.percent else self.unit


def units_of(r: MetricComparison) -> Units:
    """The units a result is written in (see the module docstring)."""
    if r.metric.lower().startswith("latency"):
        # one count of decimals for both runs and the difference: the finest any needs
        ivs = (r.baseline, r.candidate, r.difference)
        return Units(False, "ms", max(decimals_for(iv.low, iv.high, iv.estimate) for iv in ivs))
    if is_operational(r.metric):
        return Units(False)
    bounds = (r.baseline, r.candidate)
    inside = all(0.0 <= v <= 1.0 for b in bounds for v in (b.estimate, b.low, b.high))
    return Units(inside)


def metric_units(results: Sequence[MetricComparison]) -> dict[str, Units]:
    """One set of units per metric, from its overall result (else its first), so a metric's
    slices are written like its overall row even when a small slice's interval leaves [0, 1]."""
    out: dict[str, Units] = {}
    overall = {r.metric for r in results if r.slice_attribute is None}
    for r in results:
        if r.metric in overall and r.slice_attribute is None:
            out[r.metric] = units_of(r)
        elif r.metric not in overall:
            out.setdefault(r.metric, units_of(r))
    return out


def _point_decimals(*values: float) -> int:
    big = max((abs(v) for v in values if math.isfinite(v)), default=0.0)
    return 2 if big < 1.0 else 1


def value_text(x: float, units: Units, decimals: int | None = None) -> str:
    """One value: ``84.7%``, ``0.0294 ms`` or ``0.853``."""
    if units.percent:
        d = _point_decimals(x * 100) if decimals is None else decimals
        return f"{number(x * 100, d)}%"
    chosen = decimals if decimals is not None else units.decimals
    places = decimals_for(x, x, x) if chosen is None else chosen
    return number(x, places) + (f" {units.unit}" if units.unit else "")


def values_text(iv: Interval, units: Units) -> str:
    """A value with its interval: ``84.7% [84.1, 85.3]`` or ``0.029 ms [0.023, 0.048]``."""
    if units.percent:
        d = _point_decimals(iv.estimate * 100, iv.low * 100, iv.high * 100)
        lo, hi = number(iv.low * 100, d), number(iv.high * 100, d)
        return f"{number(iv.estimate * 100, d)}% [{lo}, {hi}]"
    d = _decimals(iv, units)
    unit = f" {units.unit}" if units.unit else ""
    return f"{number(iv.estimate, d)}{unit} [{number(iv.low, d)}, {number(iv.high, d)}]"


def _decimals(iv: Interval, units: Units) -> int:
    return decimals_for(iv.low, iv.high, iv.estimate) if units.decimals is None else units.decimals


def diff_number(iv: Interval, units: Units, *, max_decimals: int = _MAX_DECIMALS) -> str:
    """The signed difference alone, at the decimals of :func:`diff_text` (at most
    ``max_decimals``) and without unit."""
    if units.percent:
        d = _point_decimals(iv.estimate * 100, iv.low * 100, iv.high * 100)
        return number(iv.estimate * 100, d, signed=True)
    d = min(max_decimals, _decimals(iv, units))
    return number(iv.estimate, d, signed=True)


def diff_text(iv: Interval, units: Units, *, unit: bool = True) -> str:
    """A signed difference with its interval: ``−22.2 points [−34.3, −9.1]``, ``+4.18 ms
    [+4.05, +4.54]``; ``unit=False`` leaves the unit out (a table names it in its header)."""
    if units.percent:
        d = _point_decimals(iv.estimate * 100, iv.low * 100, iv.high * 100)
        est, lo, hi = (number(v * 100, d, signed=True) for v in (iv.estimate, iv.low, iv.high))
        return f"{est}{' points' if unit else ''} [{lo}, {hi}]"
    d = _decimals(iv, units)
    est, lo, hi = (number(v, d, signed=True) for v in (iv.estimate, iv.low, iv.high))
    suffix = f" {units.unit}" if units.unit and unit else ""
    return f"{est}{suffix} [{lo}, {hi}]"


def slice_label(r: MetricComparison, everyone: str = "all examples") -> str:
    """``all examples`` (``everyone``) or ``attribute=value``."""
    if r.slice_attribute is None:
        return everyone
    return f"{r.slice_attribute}={r.slice_value}"


def good_difference(r: MetricComparison) -> float:
    """The difference oriented so that positive is better for the candidate."""
    return r.difference.estimate if r.goal == "higher" else -r.difference.estimate


def direction(r: MetricComparison) -> str:
    """``better`` or ``worse`` when the interval excludes 0, else ``unclear``.

    Judged on the difference's interval only (no multiplicity adjustment), as a description of
    the evidence, not as a gate.
    """
    lo, hi = r.difference.low, r.difference.high
    if lo > 0 or hi < 0:
        up = lo > 0
        return "better" if up == (r.goal == "higher") else "worse"
    return "unclear"


def is_operational(metric: str) -> bool:
    """Whether a metric measures latency, cost or tokens rather than quality."""
    name = metric.lower()
    return name.startswith(_OPERATIONAL_PREFIXES) or name.endswith(_OPERATIONAL_SUFFIXES)


def truncate(text: str, limit: int) -> tuple[str, int | None]:
    """The first ``limit`` characters, and the full length when something was cut."""
    if len(text) <= limit:
        return text, None
    return text[:limit], len(text)


def stored_text(value: str | None) -> str | None:
    """An example's stored input or reference (JSON text) as a reader expects it: a string
    as itself, like the outputs beside it; anything structured as its JSON."""
    if value is None:
        return None
    try:
        decoded = json.loads(value)
    except ValueError:
        return value
    return decoded if isinstance(decoded, str) else value
