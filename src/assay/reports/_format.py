"""Number and text formatting shared by every report format.

Numbers are written with as many decimals as their interval's width supports (two significant
digits of the width), so an estimate and its bounds always line up: ``0.853 [0.836, 0.870]``,
``423 [417, 429]``.
"""

from __future__ import annotations

import math

from assay.core import Interval, MetricComparison

__all__ = [
    "decimals_for",
    "direction",
    "fixed_interval",
    "fixed_number",
    "good_difference",
    "interval_text",
    "is_operational",
    "mde_text",
    "number",
    "pvalue_text",
    "slice_label",
    "truncate",
]

_MAX_DECIMALS = 6
_OPERATIONAL_PREFIXES = ("latency", "cost", "tokens", "time_", "throughput")


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


def number(x: float, decimals: int = 3, *, signed: bool = False) -> str:
    """``x`` with ``decimals`` decimals; ``inf`` as ``∞``, NaN as ``n/a``."""
    if math.isnan(x):
        return "n/a"
    if math.isinf(x):
        return ("+∞" if signed else "∞") if x > 0 else "-∞"
    text = f"{x:+,.{decimals}f}" if signed else f"{x:,.{decimals}f}"
    if text.lstrip("+-").strip("0.,") == "":  # a rounded zero has no sign
        text = text.lstrip("+-")
    return text


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
    """The minimum detectable effect at the decimals of the difference's interval."""
    if r.mde is None:
        return "—"
    iv = r.difference
    return number(r.mde, decimals_for(iv.low, iv.high, iv.estimate))


def pvalue_text(p: float | None) -> str:
    """A p-value: three significant digits, ``<0.0001`` below that."""
    if p is None or math.isnan(p):
        return "—"
    if p < 1e-4:
        return "<0.0001"
    return f"{p:.3g}" if p < 0.1 else f"{p:.2f}"


def slice_label(r: MetricComparison) -> str:
    """``all examples`` or ``attribute=value``."""
    if r.slice_attribute is None:
        return "all examples"
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
    return metric.lower().startswith(_OPERATIONAL_PREFIXES)


def truncate(text: str, limit: int) -> tuple[str, int | None]:
    """The first ``limit`` characters, and the full length when something was cut."""
    if len(text) <= limit:
        return text, None
    return text[:limit], len(text)
