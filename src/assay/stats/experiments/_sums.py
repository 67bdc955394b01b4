"""Per-arm sufficient statistics: sanity checks and the per-unit moments they imply.

Every metric is a smooth function of per-unit means, so one delta-method engine serves them
all: a mean (or proportion, or count per unit) is ``E[y]``, a ratio metric is
``E[num] / E[den]``, and CUPED's covariate is the same function of the pre-period values.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from assay.errors import DataError
from assay.stats.experiments._types import MeanSums, RatioSums

__all__ = ["ArmMoments", "arm_moments", "validate_sums"]

FloatArray = npt.NDArray[np.float64]
_TOL = 1e-9


def validate_sums(s: MeanSums | RatioSums, arm: str, kind: str) -> None:
    """Raise DataError when the sums cannot come from real data, naming the arm and column."""
    if isinstance(s.n, bool) or not isinstance(s.n, (int, np.integer)) or s.n < 0:
        raise DataError(
            f"arm {arm!r}: the unit count must be a non-negative integer",
            column="n",
            expected="an integer >= 0",
            found=repr(s.n),
        )
    if s.n == 0:
        raise DataError(f"arm {arm!r} has zero units", column="n", expected="n >= 1", found="0")
    names = [f for f in _fields(s) if getattr(s, f) is not None]
    for name in names:
        value = float(getattr(s, name))
        if not math.isfinite(value):
            raise DataError(
                f"arm {arm!r}: {name} is not a finite number",
                column=name,
                expected="a finite number",
                found=str(value),
            )
    if kind == "proportion" and isinstance(s, MeanSums):
        if not 0.0 <= s.sum <= s.n:
            raise DataError(
                f"arm {arm!r}: a proportion's sum (count of successes) must lie in [0, n]",
                column="sum",
                expected=f"0 <= sum <= {s.n}",
                found=repr(s.sum),
            )
        if abs(s.sum_squares - s.sum) > _TOL * max(1.0, s.sum):
            raise DataError(
                f"arm {arm!r}: a proportion has 0/1 values, so sum_squares must equal sum",
                column="sum_squares",
                expected=repr(s.sum),
                found=repr(s.sum_squares),
            )
    if kind == "count" and isinstance(s, MeanSums) and s.sum < 0:
        raise DataError(
            f"arm {arm!r}: a count metric cannot have a negative sum",
            column="sum",
            expected="sum >= 0",
            found=repr(s.sum),
        )
    n, sums, second, labels = _raw(s)
    m = len(sums)
    centred = second - np.outer(sums, sums) / n
    for i in range(m):
        if centred[i, i] < -_TOL * max(abs(second[i, i]), 1e-300):
            raise DataError(
                f"arm {arm!r}: {labels[i][i]} is smaller than sum²/n, impossible for real data",
                column=labels[i][i],
                expected=f">= {sums[i] ** 2 / n!r}",
                found=repr(second[i, i]),
            )
    for i in range(m):
        for j in range(i + 1, m):
            bound = math.sqrt(max(centred[i, i], 0.0) * max(centred[j, j], 0.0))
            slack = _TOL * (abs(second[i, j]) + math.sqrt(abs(second[i, i] * second[j, j])))
            if abs(centred[i, j]) > bound + slack:
                raise DataError(
                    f"arm {arm!r}: {labels[i][j]} implies a correlation beyond ±1",
                    column=labels[i][j],
                    expected="a cross-product consistent with the sums of squares",
                    found=repr(second[i, j]),
                )


def _fields(s: MeanSums | RatioSums) -> list[str]:
    return [f for f in type(s).__dataclass_fields__ if f != "n"]


def _raw(s: MeanSums | RatioSums) -> tuple[int, FloatArray, FloatArray, list[list[str]]]:
    """Unit count, vector of sums and matrix of sums of products, with the column names."""
    f = float
    if isinstance(s, MeanSums):
        if s.has_pre:
            sums = np.array([s.sum, f(s.sum_pre)])  # type: ignore[arg-type]
            second = np.array(
                [[s.sum_squares, f(s.sum_cross)], [f(s.sum_cross), f(s.sum_squares_pre)]]  # type: ignore[arg-type]
            )
            labels = [["sum_squares", "sum_cross"], ["sum_cross", "sum_squares_pre"]]
            return int(s.n), sums, second, labels
        return int(s.n), np.array([s.sum]), np.array([[s.sum_squares]]), [["sum_squares"]]
    labels = [["sum_squares_num", "sum_num_den"], ["sum_num_den", "sum_squares_den"]]
    if not s.has_pre:
        sums = np.array([s.sum_num, s.sum_den])
        second = np.array([[s.sum_squares_num, s.sum_num_den], [s.sum_num_den, s.sum_squares_den]])
        return int(s.n), sums, second, labels
    g = {k: f(v) for k, v in vars(s).items() if v is not None and k != "n"}
    sums = np.array([g["sum_num"], g["sum_den"], g["sum_num_pre"], g["sum_den_pre"]])
    second = np.array(
        [
            [
                g["sum_squares_num"],
                g["sum_num_den"],
                g["sum_cross_num_num"],
                g["sum_cross_num_den"],
            ],
            [
                g["sum_num_den"],
                g["sum_squares_den"],
                g["sum_cross_den_num"],
                g["sum_cross_den_den"],
            ],
            [
                g["sum_cross_num_num"],
                g["sum_cross_den_num"],
                g["sum_squares_num_pre"],
                g["sum_num_den_pre"],
            ],
            [
                g["sum_cross_num_den"],
                g["sum_cross_den_den"],
                g["sum_num_den_pre"],
                g["sum_squares_den_pre"],
            ],
        ]
    )
    labels = [
        ["sum_squares_num", "sum_num_den", "sum_cross_num_num", "sum_cross_num_den"],
        ["sum_num_den", "sum_squares_den", "sum_cross_den_num", "sum_cross_den_den"],
        ["sum_cross_num_num", "sum_cross_den_num", "sum_squares_num_pre", "sum_num_den_pre"],
        ["sum_cross_num_den", "sum_cross_den_den", "sum_num_den_pre", "sum_squares_den_pre"],
    ]
    return int(s.n), sums, second, labels


@dataclass(frozen=True)
class ArmMoments:
    """Per-arm metric g, CUPED covariate h, and their per-unit (co)variances."""

    n: int
    g: float
    v_g: float
    h: float = math.nan
    v_h: float = math.nan
    c_gh: float = math.nan


def arm_moments(s: MeanSums | RatioSums, ddof: int, with_pre: bool) -> ArmMoments:
    n, sums, second, _ = _raw(s)
    mu = sums / n
    cov = (second - np.outer(sums, sums) / n) / (n - ddof)
    if isinstance(s, MeanSums):
        grad_g = np.array([1.0, 0.0])[: len(mu)]
        g = mu[0]
        grad_h = np.array([0.0, 1.0]) if with_pre else None
        h = mu[1] if with_pre else math.nan
    else:
        g = mu[0] / mu[1]
        grad_g = np.array([1.0 / mu[1], -mu[0] / mu[1] ** 2, 0.0, 0.0])[: len(mu)]
        grad_h = np.array([0.0, 0.0, 1.0 / mu[3], -mu[2] / mu[3] ** 2]) if with_pre else None
        h = mu[2] / mu[3] if with_pre else math.nan
    v_g = max(float(grad_g @ cov @ grad_g), 0.0)
    if grad_h is None:
        return ArmMoments(n, float(g), v_g)
    v_h = max(float(grad_h @ cov @ grad_h), 0.0)
    return ArmMoments(n, float(g), v_g, float(h), v_h, float(grad_g @ cov @ grad_h))
