"""Reading a study file: bounded YAML, every field checked, one error naming file, line, column.

The YAML is read with the project's bounded loader, with tighter limits than a suite (a study
file is a page of text): at most 256 KiB and 16 levels of nesting. Unknown keys are refused
(a misspelt ``primary_metirc`` must not pass as a study without a primary metric).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pydantic
import yaml

from assay._util import brief, node_mark, parse_yaml
from assay.errors import ConfigError
from assay.governance._field_words import field_words
from assay.governance._study import StudyPlan

__all__ = ["MAX_STUDY_BYTES", "MAX_STUDY_DEPTH", "load_study_file", "parse_study"]

MAX_STUDY_BYTES = 256 * 1024
"""The largest study file."""
MAX_STUDY_DEPTH = 16
"""How deeply a study file may nest."""


def _path(loc: Sequence[str | int]) -> tuple[str | int, ...]:
    """The location in the file's own keys: pydantic's union tags (``str``,
    ``dict[str,any]``) left out, since they name types, not keys."""
    return tuple(p for p in loc if isinstance(p, int) or not (p in _TAGS or "[" in p))


_TAGS = {"str", "int", "float", "bool", "dict", "list", "tuple", "date", "none"}


def _where(loc: Sequence[str | int]) -> str:
    text = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in _path(loc))
    return text.removeprefix(".") or "the study"


def _message(error: Mapping[str, Any]) -> str:
    loc = _where(error["loc"])
    kind = error["type"]
    if kind == "missing":
        return f"'{loc}' is missing: a study must state it"
    if kind == "extra_forbidden" and "." not in loc and "[" not in loc:
        known = ", ".join(StudyPlan.model_fields)
        return f"unknown key '{loc}' (a study file has: {known})"
    if kind == "extra_forbidden":
        return f"unknown key '{loc}' (see the study file's fields in docs/governance-studies.md)"
    said = field_words(error)
    for other in error.get("alternatives", ()):  # the other types of a union field
        also = field_words(other).removeprefix("must be ")
        if also not in said:
            said += f" or {also}"
    joined = ": " if kind in ("value_error", "assertion_error") else " "
    return f"'{loc}'{joined}{said} (found {brief(error.get('input'), 60)})"


def parse_study(data: Any, *, source: str, root: yaml.Node | None = None) -> StudyPlan:
    """A :class:`StudyPlan` from a parsed mapping; ConfigError naming ``source`` and, with the
    YAML tree ``root``, the line and column of the first problem."""
    if not isinstance(data, Mapping):
        raise ConfigError(f"{source}: a study file is a YAML mapping of its fields.")
    try:
        return StudyPlan.model_validate(dict(data))
    except pydantic.ValidationError as exc:
        # an unknown key first: a misspelt key is why the right one is "missing"
        errors: list[Mapping[str, Any]] = sorted(
            exc.errors(), key=lambda e: e["type"] != "extra_forbidden"
        )
        first, path = errors[0], _path(errors[0]["loc"])
        if tuple(first["loc"]) != path:  # one error per type of a union field: said as one
            union = [e for e in errors if _path(e["loc"]) == path and tuple(e["loc"]) != path]
            first = {**first, "alternatives": union[1:]}
            errors = [first, *(e for e in errors[1:] if e not in union)]
        # a model-level check (offline or online) points at the study as a whole
        mark = node_mark(root, path) if root is not None else None
        mark = mark if mark is not None or root is None else root.start_mark
        at = "" if mark is None else f", line {mark.line + 1}, column {mark.column + 1}"
        more = len(errors) - 1
        extra = f"; and {more} more problem{'s' if more > 1 else ''}" if more else ""
        raise ConfigError(f"{source}{at}: {_message(first)}{extra}") from None


def load_study_file(source: str | Path | bytes, *, name: str | None = None) -> StudyPlan:
    """Read and check a study file (a path, or its bytes with ``name`` for messages)."""
    if isinstance(source, bytes):
        raw, label = source, name or "<study>"
    else:
        label = name or str(source)
        try:
            path = Path(source)
            if path.stat().st_size > MAX_STUDY_BYTES:
                raise ConfigError(f"{label}: larger than {MAX_STUDY_BYTES:,} bytes")
            raw = path.read_bytes()
        except OSError as exc:
            raise ConfigError(f"{label}: cannot read the study file: {exc.strerror}") from None
    document = parse_yaml(raw, source=label, max_bytes=MAX_STUDY_BYTES, max_depth=MAX_STUDY_DEPTH)
    return parse_study(document.data, source=label, root=document.root)
