"""Array checks of the statistical functions, and the scalar checks of :mod:`assay._util`.

Scalar arguments (probabilities, counts, the ``rng``) are checked by :mod:`assay._util`, the
one validation layer of the package, so every message has one shape::

    The 'confidence' parameter of mean_interval must be a float in (0, 1). Got 1.5.

Array checks live here because this is the layer allowed numpy. ``function`` is always the
name of the public function the user called.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

from assay._util import check_choice, check_probability, check_rng
from assay.errors import DataError, ParameterError
from assay.stats._results import Alternative

__all__ = [
    "as_float_array",
    "check_alternative",
    "check_confidence",
    "check_probability",
    "check_rng",
]

ALTERNATIVES: tuple[Alternative, ...] = ("two-sided", "greater", "less")


def check_confidence(value: Any, function: str) -> float:
    """Return a confidence level in (0, 1)."""
    return check_probability(value, "confidence", function)


def check_alternative(value: Any, function: str) -> Any:
    """One of ``"two-sided"``, ``"greater"``, ``"less"``."""
    return check_choice(value, "alternative", function, ALTERNATIVES)


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
    if not np.isfinite(arr).all():
        idx = tuple(int(i) for i in np.argwhere(~np.isfinite(arr))[0])
        pos = idx[0] if len(idx) == 1 else idx
        raise DataError(
            f"{function}: {name}[{pos}] is not a finite number",
            row=idx[0],
            expected="a finite number",
            found=str(arr[idx]),
        )
    return arr
