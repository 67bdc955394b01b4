"""Argument and data checks shared by the statistical functions (one message shape)."""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

from assay.errors import DataError, ParameterError

__all__ = [
    "as_float_array",
    "as_rng",
    "check_confidence",
    "check_positive_int",
    "check_probability",
]


def check_probability(value: Any, parameter: str, function: str) -> float:
    """Return ``value`` as a float in the open interval (0, 1), or raise ParameterError."""
    if isinstance(value, bool) or not isinstance(value, (int, float, np.floating)):
        raise ParameterError(parameter, function, "a float in (0, 1)", value)
    v = float(value)
    if not 0.0 < v < 1.0:
        raise ParameterError(parameter, function, "a float in (0, 1)", value)
    return v


def check_confidence(value: Any, function: str) -> float:
    """Return a confidence level in (0, 1)."""
    return check_probability(value, "confidence", function)


def check_positive_int(value: Any, parameter: str, function: str, minimum: int = 1) -> int:
    """Return ``value`` as an int >= ``minimum``, or raise ParameterError."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise ParameterError(parameter, function, f"an integer >= {minimum}", value)
    return int(value)


def as_float_array(values: Any, name: str, function: str, ndim: int = 1) -> npt.NDArray[np.float64]:
    """Convert to a float64 array and refuse NaN or infinity, naming the first bad position."""
    try:
        arr = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise DataError(
            f"{function}: {name} must be numeric", expected="numbers", found=type(values).__name__
        ) from exc
    if arr.ndim != ndim:
        raise ParameterError(name, function, f"a {ndim}-dimensional array", f"shape {arr.shape}")
    bad = ~np.isfinite(arr)
    if bad.any():
        idx = tuple(int(i) for i in np.argwhere(bad)[0])
        pos = idx[0] if len(idx) == 1 else idx
        raise DataError(
            f"{function}: {name}[{pos}] is not a finite number",
            row=idx[0],
            expected="a finite number",
            found=str(arr[idx]),
        )
    return arr


def as_rng(rng: Any, function: str) -> tuple[np.random.Generator, int | None]:
    """Return a Generator and the integer seed (if an int was given) for reporting."""
    if isinstance(rng, np.random.Generator):
        return rng, None
    if isinstance(rng, (int, np.integer)) and not isinstance(rng, bool) and rng >= 0:
        return np.random.default_rng(int(rng)), int(rng)
    raise ParameterError("rng", function, "a numpy Generator or a non-negative int seed", rng)
