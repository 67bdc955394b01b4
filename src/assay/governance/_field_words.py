"""What a field of a governance YAML file (a study file, a launch checklist) must be, in the
file's words: one translation of a validation error, so that no pydantic wording ("Input
should be ...") reaches the person who wrote the file."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = ["field_words"]

_NUMBER_TYPES = {"float_type", "float_parsing", "int_type", "int_parsing", "int_from_float"}
_LIMITS = {
    "greater_than": ("gt", "above"),
    "greater_than_equal": ("ge", "at least"),
    "less_than": ("lt", "below"),
    "less_than_equal": ("le", "at most"),
}
_PLAIN = {
    "string_type": "must be text",
    "bool_type": "must be true or false",
    "bool_parsing": "must be true or false",
    "tuple_type": "must be a list (in YAML: [a, b], or one '- item' per line)",
    "list_type": "must be a list (in YAML: [a, b], or one '- item' per line)",
    "dict_type": "must be a mapping of its fields",
    "model_type": "must be a mapping of its fields",
    "model_attributes_type": "must be a mapping of its fields",
    "finite_number": "must be a finite number",
}


def field_words(error: Mapping[str, Any]) -> str:
    """What a field must be, in the words of the study file (never pydantic's)."""
    kind, ctx = error["type"], error.get("ctx") or {}
    if kind in _NUMBER_TYPES:
        return "must be a number"
    if kind in _LIMITS:
        key, words = _LIMITS[kind]
        return f"must be {words} {ctx.get(key)}"
    if kind.startswith(("date_", "datetime_")):
        return 'must be a date written as "YYYY-MM-DD" (for example "2027-01-31")'
    if kind == "literal_error":
        return f"must be one of {ctx.get('expected')}"
    what = "characters" if kind.startswith("string") else "items"
    if kind in ("string_too_short", "too_short"):
        least = ctx.get("min_length")
        return "must not be empty" if least == 1 else f"must have at least {least} {what}"
    if kind in ("string_too_long", "too_long"):
        return f"must have at most {ctx.get('max_length')} {what}"
    if kind in _PLAIN:
        return _PLAIN[kind]
    message = str(error["msg"]).removeprefix("Value error, ").removeprefix("Assertion failed, ")
    return message if kind in ("value_error", "assertion_error") else f"is not valid: {message}"
