"""Per-example scorers: ``scorer(output, reference) -> float``, registered by name.

A runner applies a suite metric's scorer to every (output, reference) pair and stores the
float in the records; metrics then aggregate those columns. Built-in scorers register with
:func:`register_scorer` exactly as a third-party package would (or through the
``assay.scorers`` entry-point group).
"""

from __future__ import annotations

import functools
import inspect
import math
import re
import unicodedata
from collections.abc import Callable
from typing import Any

from assay._util import Registry, check_instance
from assay.errors import ConfigError, DataError

__all__ = [
    "Scorer",
    "absolute_error",
    "abstaining",
    "brier",
    "exact_match",
    "get_scorer",
    "list_scorers",
    "log_loss",
    "normalize_text",
    "normalized_match",
    "register_scorer",
    "scorer_abstains",
    "squared_error",
]

Scorer = Callable[[Any, Any], float]

_SCORERS: Registry[Scorer] = Registry("scorer", group="assay.scorers", function="register_scorer")
_LOG_LOSS_EPS = 1e-15


def register_scorer(name: str, *, replace: bool = False) -> Callable[[Scorer], Scorer]:
    """Register a per-example scorer under ``name`` (decorator).

    A scorer takes ``(output, reference)`` and returns a float. Registering a taken name with
    another function is a :class:`~assay.errors.ConfigError` unless ``replace`` is true, so a
    plug-in cannot silently replace a built-in.
    """
    return _SCORERS.register(name, replace=replace)


def abstaining(fn: Scorer) -> Scorer:
    """Mark a scorer that returns NaN when it cannot judge an output (a judge or detector that
    finds no text to judge, a prompt its metric does not apply to): such a score is missing on
    that record, and the record is not an error (:func:`scorer_abstains`)."""
    fn.assay_abstains = True  # type: ignore[attr-defined]
    return fn


def scorer_abstains(name: str) -> bool:
    """Whether the scorer registered as ``name`` may leave a score missing (:func:`abstaining`)."""
    check_instance(name, "name", "scorer_abstains", str, "a scorer's name")
    return bool(getattr(_SCORERS.get(name), "assay_abstains", False))


def get_scorer(name: str, **params: Any) -> Scorer:
    """The scorer registered under ``name``, with keyword settings bound (a suite metric's
    ``scorer_params``); a ConfigError listing the known names or the accepted settings otherwise.
    """
    check_instance(name, "name", "get_scorer", str, "a scorer's name")
    fn = _SCORERS.get(name)
    if not params:
        return fn
    accepted = [
        p.name
        for p in inspect.signature(fn).parameters.values()
        if p.kind is inspect.Parameter.KEYWORD_ONLY
    ]
    unknown = sorted(set(params) - set(accepted))
    if unknown:
        raise ConfigError(
            f"Scorer {name!r} takes no setting {', '.join(map(repr, unknown))}. "
            f"Its settings: {', '.join(accepted) or 'none'}."
        )
    defaults = inspect.signature(fn).parameters
    for key, value in params.items():
        default = defaults[key].default
        # a setting whose default is a bool, a number or text takes a value of that kind
        kinds: tuple[type, ...] = (
            (bool,)
            if isinstance(default, bool)
            else (int, float)
            if isinstance(default, int | float)
            else (str,)
            if isinstance(default, str)
            else (object,)
        )
        if not isinstance(value, kinds) or (bool not in kinds and isinstance(value, bool)):
            raise ConfigError(
                f"Scorer {name!r}: the setting {key!r} must be "
                f"{' or '.join(k.__name__ for k in kinds)}. Got {value!r}."
            )
    return functools.partial(fn, **params)


def list_scorers() -> list[str]:
    """Names of all registered scorers, sorted."""
    return _SCORERS.names()


def _references(reference: Any) -> list[Any]:
    """A reference may be one answer or a list of acceptable answers."""
    if isinstance(reference, (list, tuple)):
        return list(reference)
    return [reference]


def _number(value: Any, what: str, scorer: str) -> float:
    try:
        x = float(value)
    except (TypeError, ValueError) as exc:
        raise DataError(f"{scorer}: the {what} is not a number", found=repr(value)) from exc
    if not math.isfinite(x):
        raise DataError(f"{scorer}: the {what} is not a finite number", found=repr(value))
    return x


@register_scorer("exact_match")
def exact_match(output: Any, reference: Any) -> float:
    """1.0 when the output equals the reference (or any of a list of references), else 0.0.

    Strings are compared exactly, as written; use ``normalized_match`` to ignore case,
    punctuation and spacing. A missing output (``None``) scores 0.
    """
    if output is None:
        return 0.0
    return float(any(output == ref for ref in _references(reference)))


def normalize_text(text: str) -> str:
    """Lower-case, drop punctuation (Unicode category P*), collapse whitespace, strip."""
    check_instance(text, "text", "normalize_text", str, "a str")
    lowered = unicodedata.normalize("NFKC", text).lower()
    kept = "".join(" " if unicodedata.category(ch).startswith("P") else ch for ch in lowered)
    return re.sub(r"\s+", " ", kept).strip()


@register_scorer("normalized_match")
def normalized_match(output: Any, reference: Any) -> float:
    """Exact match after :func:`normalize_text` on both sides (case, punctuation, spacing).

    Punctuation becomes a space, so ``"New-York"`` matches ``"new york"``. Any of a list of
    references may match. A missing output scores 0.
    """
    if output is None:
        return 0.0
    out = normalize_text(str(output))
    return float(any(out == normalize_text(str(ref)) for ref in _references(reference)))


@register_scorer("absolute_error")
def absolute_error(output: Any, reference: Any) -> float:
    """``|output - reference|`` for numbers (lower is better)."""
    fn = "absolute_error"
    return abs(_number(output, "output", fn) - _number(reference, "reference", fn))


@register_scorer("squared_error")
def squared_error(output: Any, reference: Any) -> float:
    """``(output - reference) ** 2`` for numbers (lower is better)."""
    fn = "squared_error"
    return (_number(output, "output", fn) - _number(reference, "reference", fn)) ** 2


def _probability_and_label(output: Any, reference: Any, fn: str) -> tuple[float, float]:
    p = _number(output, "predicted probability", fn)
    if not 0.0 <= p <= 1.0:
        raise DataError(f"{fn}: the predicted probability is outside [0, 1]", found=repr(output))
    y = _number(reference, "label", fn)
    if y not in (0.0, 1.0):
        raise DataError(f"{fn}: the label must be 0 or 1", found=repr(reference))
    return p, y


@register_scorer("log_loss")
def log_loss(output: Any, reference: Any) -> float:
    """Negative log-likelihood of a binary label under the predicted probability of class 1.

    The probability is clipped to ``[1e-15, 1 - 1e-15]`` so a confident mistake costs about
    34.5 nats rather than infinity. Lower is better.
    """
    p, y = _probability_and_label(output, reference, "log_loss")
    p = min(max(p, _LOG_LOSS_EPS), 1.0 - _LOG_LOSS_EPS)
    return -math.log(p) if y == 1.0 else -math.log1p(-p)


@register_scorer("brier")
def brier(output: Any, reference: Any) -> float:
    """Squared difference between the predicted probability of class 1 and the 0/1 label."""
    p, y = _probability_and_label(output, reference, "brier")
    return (p - y) ** 2
