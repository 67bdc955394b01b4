"""Numbers as every layer writes them for people: one minus sign, grouped thousands, and
infinity and NaN in words a reader understands."""

from __future__ import annotations

import math

__all__ = ["MINUS", "format_number"]

MINUS = "\u2212"
"""The minus sign of every report and of the command line, so ``−0.5`` never reads as ``-``."""


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
