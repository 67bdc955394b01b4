"""Deprecation shims for renamed public names: the old spelling works for one release, with a
:class:`DeprecationWarning` that names the new one."""

from __future__ import annotations

import functools
import warnings
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from assay.errors import ParameterError

__all__ = ["renamed_parameters", "warn_renamed"]

F = TypeVar("F", bound=Callable[..., Any])


def warn_renamed(old: str, new: str, *, stacklevel: int = 3) -> None:
    """Warn that ``old`` is now called ``new``."""
    warnings.warn(
        f"{old} is deprecated and will be removed in a future release; use {new}.",
        DeprecationWarning,
        stacklevel=stacklevel,
    )


def renamed_parameters(renames: Mapping[str, str]) -> Callable[[F], F]:
    """Accept each old keyword of ``renames`` (old → new) with a warning, passing it as the new.

    Passing both the old and the new spelling is a :class:`~assay.errors.ParameterError`.
    """

    def decorate(func: F) -> F:
        name = func.__name__

        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            for old, new in renames.items():
                if old in kwargs:
                    if new in kwargs:
                        raise ParameterError(
                            old, name, f"left out when {new!r} is given", kwargs[old]
                        )
                    warn_renamed(f"The {old!r} parameter of {name}", f"{new!r}")
                    kwargs[new] = kwargs.pop(old)
            return func(*args, **kwargs)

        return wrapper  # type: ignore[return-value]

    return decorate
