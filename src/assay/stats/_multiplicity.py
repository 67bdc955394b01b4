"""Adjusting a family of p-values for multiple comparisons.

The project's defaults (DESIGN.md): Holm across the gated family of a policy (controls the
family-wise error rate), Benjamini-Hochberg across exploratory slices (controls the false
discovery rate).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from assay.errors import DataError, ParameterError
from assay.stats._checks import as_float_array, check_probability

__all__ = ["AdjustedPValues", "adjust_pvalues"]

AdjustMethod = Literal["holm", "hochberg", "bh", "by", "bonferroni"]

_CONTROLS = {
    "holm": "family-wise error rate",
    "hochberg": "family-wise error rate",
    "bonferroni": "family-wise error rate",
    "bh": "false discovery rate",
    "by": "false discovery rate",
}


@dataclass(frozen=True)
class AdjustedPValues:
    """A family of p-values adjusted for multiplicity, in the order they were given."""

    p_values: tuple[float, ...]
    """The raw p-values."""
    adjusted: tuple[float, ...]
    """The adjusted p-values (compare each with ``alpha``)."""
    reject: tuple[bool, ...]
    """Whether each null hypothesis is rejected at ``alpha`` (adjusted p <= alpha)."""
    method: str
    """The adjustment: ``"holm"``, ``"hochberg"``, ``"bh"``, ``"by"`` or ``"bonferroni"``."""
    alpha: float
    """The level the rejections are made at."""
    controls: str
    """What the adjustment controls: the family-wise error rate or the false discovery rate."""

    @property
    def n_tests(self) -> int:
        """Size of the family."""
        return len(self.p_values)


def _adjust_sorted(ps: npt.NDArray[np.float64], method: str) -> npt.NDArray[np.float64]:
    """Adjusted p-values of ascending ``ps`` (the step-down / step-up formulas)."""
    m = ps.shape[0]
    rank = np.arange(1, m + 1, dtype=np.float64)
    if method == "bonferroni":
        adj = m * ps
    elif method == "holm":
        # Step-down: later (larger) p-values can never be adjusted below earlier ones.
        adj = np.maximum.accumulate((m - rank + 1.0) * ps)
    elif method == "hochberg":
        adj = np.minimum.accumulate(((m - rank + 1.0) * ps)[::-1])[::-1]
    else:
        scale = float(np.sum(1.0 / rank)) if method == "by" else 1.0
        adj = np.minimum.accumulate((scale * m / rank * ps)[::-1])[::-1]
    capped: npt.NDArray[np.float64] = np.minimum(adj, 1.0)
    return capped


def adjust_pvalues(
    pvalues: Any, *, method: AdjustMethod = "holm", alpha: float = 0.05
) -> AdjustedPValues:
    """Adjust a family of p-values for multiple comparisons.

    * ``"holm"`` (default): step-down Bonferroni; controls the family-wise error rate under any
      dependence. Use for the gated family of a policy.
    * ``"hochberg"``: step-up; more powerful than Holm, valid for independent or positively
      dependent tests.
    * ``"bh"``: Benjamini-Hochberg; controls the false discovery rate for independent or
      positively dependent tests. Use for exploratory slices.
    * ``"by"``: Benjamini-Yekutieli; the false discovery rate under any dependence (BH scaled
      by 1 + 1/2 + ... + 1/m).
    * ``"bonferroni"``: m·p, the simplest and most conservative.

    An empty family is allowed and returns an empty result (there is nothing to adjust). A
    p-value outside [0, 1] or not finite raises DataError naming its position.
    """
    function = "adjust_pvalues"
    if method not in _CONTROLS:
        raise ParameterError(
            "method", function, "one of 'holm', 'hochberg', 'bh', 'by', 'bonferroni'", method
        )
    level = check_probability(alpha, "alpha", function)
    ps = as_float_array(pvalues, "pvalues", function)
    bad = (ps < 0.0) | (ps > 1.0)
    if bad.any():
        row = int(np.flatnonzero(bad)[0])
        raise DataError(
            f"{function}: pvalues[{row}] is not a probability",
            row=row,
            expected="a p-value in [0, 1]",
            found=str(ps[row]),
        )
    order = np.argsort(ps, kind="stable")
    adjusted = np.empty_like(ps)
    adjusted[order] = _adjust_sorted(ps[order], method)
    return AdjustedPValues(
        p_values=tuple(float(p) for p in ps),
        adjusted=tuple(float(p) for p in adjusted),
        reject=tuple(bool(r) for r in adjusted <= level),
        method=method,
        alpha=level,
        controls=_CONTROLS[method],
    )
