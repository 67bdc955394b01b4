"""Argument checks with one message shape, shared by every layer.

Each check returns the value (converted where that is the point of the check) or raises
:class:`~assay.errors.ParameterError`, whose message always reads::

    The 'alpha' parameter of paired_bootstrap must be a float in (0, 1). Got 1.5.

``function`` is the name of the *public* function the user called, so the message points at
the line they wrote, never at an internal helper.
"""

from __future__ import annotations

import numbers
from collections.abc import Collection
from typing import TYPE_CHECKING, Any, TypeVar

from assay.errors import ParameterError

if TYPE_CHECKING:
    import numpy as np

__all__ = [
    "check_choice",
    "check_instance",
    "check_int",
    "check_number",
    "check_probability",
    "check_rng",
]

T = TypeVar("T")


def _is_real(value: Any) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def check_number(
    value: Any,
    parameter: str,
    function: str,
    *,
    low: float | None = None,
    high: float | None = None,
    low_open: bool = False,
    high_open: bool = False,
) -> float:
    """A finite real number within the given bounds, as a float."""
    lo = "" if low is None else ("(" if low_open else "[") + f"{low:g}"
    hi = "" if high is None else f"{high:g}" + (")" if high_open else "]")
    if low is None and high is None:
        expected = "a finite number"
    elif high is None:
        expected = f"a number {'>' if low_open else '>='} {low:g}"
    elif low is None:
        expected = f"a number {'<' if high_open else '<='} {high:g}"
    else:
        expected = f"a number in {lo}, {hi}"
    if not _is_real(value):
        raise ParameterError(parameter, function, expected, value)
    v = float(value)
    if v != v or v in (float("inf"), float("-inf")):
        raise ParameterError(parameter, function, expected, value)
    if low is not None and (v < low or (low_open and v == low)):
        raise ParameterError(parameter, function, expected, value)
    if high is not None and (v > high or (high_open and v == high)):
        raise ParameterError(parameter, function, expected, value)
    return v


def check_probability(value: Any, parameter: str, function: str) -> float:
    """A float in the open interval (0, 1): a confidence level, an alpha, a power."""
    if not _is_real(value) or not 0.0 < float(value) < 1.0:
        raise ParameterError(parameter, function, "a float in (0, 1)", value)
    return float(value)


def check_int(value: Any, parameter: str, function: str, *, minimum: int | None = 1) -> int:
    """An integer (not a bool) of at least ``minimum``."""
    expected = "an integer" if minimum is None else f"an integer >= {minimum}"
    if not isinstance(value, numbers.Integral) or isinstance(value, bool):
        raise ParameterError(parameter, function, expected, value)
    if minimum is not None and int(value) < minimum:
        raise ParameterError(parameter, function, expected, value)
    return int(value)


def check_choice(value: Any, parameter: str, function: str, choices: Collection[T]) -> T:
    """One of ``choices`` (listed in the message in the order given)."""
    if value not in choices:
        listed = ", ".join(repr(c) for c in choices)
        raise ParameterError(parameter, function, f"one of {listed}", value)
    return value  # type: ignore[no-any-return]


def check_instance(
    value: Any, parameter: str, function: str, kinds: type | tuple[type, ...], expected: str
) -> Any:
    """An instance of ``kinds``; ``expected`` says it in words ("a str or a Path")."""
    if not isinstance(value, kinds) or (isinstance(value, bool) and bool not in _as_tuple(kinds)):
        raise ParameterError(parameter, function, expected, value)
    return value


def _as_tuple(kinds: type | tuple[type, ...]) -> tuple[type, ...]:
    return kinds if isinstance(kinds, tuple) else (kinds,)


def check_rng(rng: Any, function: str) -> tuple[np.random.Generator, int | None]:
    """The one randomness argument: a numpy ``Generator`` or a non-negative int seed.

    Returns the generator and the integer seed (``None`` for a generator) so results can
    say which seed produced them.
    """
    import numpy as np

    if isinstance(rng, np.random.Generator):
        return rng, None
    if isinstance(rng, numbers.Integral) and not isinstance(rng, bool) and int(rng) >= 0:
        return np.random.default_rng(int(rng)), int(rng)
    raise ParameterError("rng", function, "a numpy Generator or a non-negative int seed", rng)
