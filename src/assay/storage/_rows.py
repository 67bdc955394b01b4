"""Shared helpers of the SQL repositories: JSON for stored models, errors, prefixes, ids."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from typing import Any

import pydantic_core
from pydantic import BaseModel

from assay.errors import ParameterError
from assay.storage._query import like_prefix

__all__ = ["check_identifier", "check_length", "check_text", "like_prefix", "to_json", "utc"]

_IDENTIFIER = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._\-]{0,127}$")


def _default(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    return pydantic_core.to_jsonable_python(value)


def to_json(model: BaseModel, *, exclude: set[str] | None = None) -> str:
    """JSON of a stored model that keeps NaN and infinite floats (pydantic would write null)."""
    return json.dumps(
        model.model_dump(mode="python", exclude=exclude), default=_default, separators=(",", ":")
    )


def utc(moment: datetime) -> datetime:
    """The same moment in UTC; a naive datetime is taken to be UTC already."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def check_identifier(value: str, parameter: str, function: str) -> str:
    """A run id must be usable as a file name and in a URL."""
    if not isinstance(value, str) or not _IDENTIFIER.match(value):
        raise ParameterError(
            parameter,
            function,
            "1-128 letters, digits, '.', '_' or '-', starting with a letter or digit",
            value,
        )
    return value


def check_text(value: Any, parameter: str, function: str, expected: str) -> str:
    """A non-empty string: an id or an id prefix (an empty prefix would match everything)."""
    if not isinstance(value, str) or not value:
        raise ParameterError(parameter, function, expected, value)
    return value


def check_length(value: str, limit: int, parameter: str, function: str) -> None:
    """Column limits hold on every backend (SQLite would silently accept longer text)."""
    if len(value) > limit:
        shown = value if len(value) <= 60 else value[:57] + "..."
        raise ParameterError(parameter, function, f"at most {limit} characters", shown)
