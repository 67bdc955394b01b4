"""Verdicts of drift against a "change that matters" margin, judged on the interval.

A column has **drifted** when the lower bound of its distance's interval is above the margin
*and* its test rejects "same distribution" after Benjamini-Hochberg across the columns of the
window; it has **not drifted** when the upper bound is below the margin; otherwise it is
**inconclusive**. A huge window therefore does not flag a trivial shift (the interval is narrow
and below the margin), and a tiny window flags nothing (its interval straddles the margin).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import numpy as np

from assay.stats._multiplicity import adjust_pvalues

__all__ = ["DriftVerdict", "adjust_drift_pvalues", "drift_verdict"]

DriftVerdict = Literal["drifted", "not drifted", "inconclusive"]


def drift_verdict(
    low: float, high: float, margin: float, adjusted_p: float, alpha: float
) -> DriftVerdict:
    """The verdict of one column (see the module docstring)."""
    if not (np.isfinite(low) and np.isfinite(high)):
        return "inconclusive"
    if low > margin and np.isfinite(adjusted_p) and adjusted_p <= alpha:
        return "drifted"
    if high < margin:
        return "not drifted"
    return "inconclusive"


def adjust_drift_pvalues(p_values: Sequence[float], alpha: float) -> list[float]:
    """Benjamini-Hochberg adjusted p-values; missing (NaN) p-values stay NaN and do not count."""
    ps = np.asarray(p_values, dtype=np.float64)
    out = np.full(ps.shape, np.nan)
    ok = np.isfinite(ps)
    if ok.any():
        out[ok] = adjust_pvalues(ps[ok], method="bh", alpha=alpha).adjusted
    return [float(v) for v in out]
