"""The one bounded JSON reader for documents from outside (a server's answer, an artifact).

Bounds: size in bytes, nesting depth, and numbers a float or a 64-bit integer can hold. Every
way a document can fail (not UTF-8, not JSON, nested too deep, a number out of range) is one
:class:`~assay.errors.DataError` naming the document, never a ``RecursionError``,
``ValueError`` or ``OverflowError`` from deep inside a parser.
"""

from __future__ import annotations

import json
import math
from typing import Any

from assay.errors import DataError

__all__ = ["MAX_JSON_DEPTH", "MAX_JSON_INTEGER", "load_json"]

MAX_JSON_DEPTH = 64
"""The deepest nesting of arrays and objects a document may have."""
MAX_JSON_INTEGER = 2**63 - 1
"""The largest magnitude of an integer in a document."""
_MAX_DIGITS = 19


class _OutOfRange(ValueError):
    pass


def _int(text: str) -> int:
    if len(text.lstrip("-")) > _MAX_DIGITS or abs(int(text)) > MAX_JSON_INTEGER:
        raise _OutOfRange(f"the integer {text[:24]}{'…' if len(text) > 24 else ''}")
    return int(text)


def _float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise _OutOfRange(f"the number {text[:24]}{'…' if len(text) > 24 else ''}")
    return value


def _constant(text: str) -> float:
    raise _OutOfRange(f"the constant {text}")


def _depth(document: Any) -> int:
    deepest, stack = 0, [(document, 1)]
    while stack:
        value, level = stack.pop()
        if isinstance(value, dict):
            children: Any = value.values()
        elif isinstance(value, list):
            children = value
        else:
            continue
        deepest = max(deepest, level)
        if deepest > MAX_JSON_DEPTH:
            return deepest
        stack.extend((child, level + 1) for child in children)
    return deepest


def load_json(raw: bytes | str, *, source: str, max_bytes: int) -> Any:
    """Parse ``raw`` (UTF-8 bytes or text) as JSON, within bounds; ``source`` names it in the
    :class:`~assay.errors.DataError` raised for anything else."""
    size = len(raw.encode("utf-8", "surrogatepass") if isinstance(raw, str) else raw)
    if size > max_bytes:
        raise DataError(
            f"the document is larger than {max_bytes:,} bytes",
            file=source,
            expected="a smaller document",
        )
    try:
        text = raw if isinstance(raw, str) else raw.decode("utf-8")
        document = json.loads(text, parse_int=_int, parse_float=_float, parse_constant=_constant)
    except UnicodeDecodeError as exc:
        raise DataError("not UTF-8 text", file=source, expected="JSON in UTF-8") from exc
    except RecursionError as exc:
        raise _too_deep(source) from exc
    except _OutOfRange as exc:
        raise DataError(
            f"{exc} is out of range",
            file=source,
            expected=f"finite numbers, integers of at most {_MAX_DIGITS} digits",
        ) from exc
    except ValueError as exc:  # json.JSONDecodeError
        raise DataError(f"not valid JSON: {exc}", file=source, expected="JSON") from exc
    if _depth(document) > MAX_JSON_DEPTH:
        raise _too_deep(source)
    return document


def _too_deep(source: str) -> DataError:
    return DataError(
        f"nested more than {MAX_JSON_DEPTH} levels deep",
        file=source,
        expected=f"JSON at most {MAX_JSON_DEPTH} levels deep",
    )
