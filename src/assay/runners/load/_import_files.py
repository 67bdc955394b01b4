"""Bounded reading of other load tools' result files, and the errors that name where they fail.

Every reader refuses a file over :data:`MAX_BYTES`, bytes that are not UTF-8 (naming the line
and column of the first bad byte), JSON that does not parse (line and column), objects with a
key given twice, and nesting deeper than :data:`MAX_DEPTH`. Values are taken through
:class:`Where`, which names the file, the line (JSONL) or row (an index into a JSON list) and
the field path in the error.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from assay.errors import DataError
from assay.runners.load._timing import RequestTiming

__all__ = [
    "MAX_BYTES",
    "MAX_DEPTH",
    "ImportedRequests",
    "Where",
    "error_kind",
    "read_json",
    "read_jsonl",
    "shift",
]

MAX_BYTES = 512 * 1024 * 1024
MAX_DEPTH = 64


@dataclass(frozen=True)
class ImportedRequests:
    """Requests read from another tool's file, under assay's definitions."""

    timings: tuple[RequestTiming, ...]
    """The measured requests (the tool's warm-up left out), in the file's order."""
    timeline: bool
    """Whether every request has a send time on one clock (rates can then be measured)."""
    unmeasured: tuple[str, ...] = ()
    """Metrics the file cannot give, although the timings would compute a number for them."""
    notes: tuple[str, ...] = field(default_factory=tuple)
    source: dict[str, Any] = field(default_factory=dict)
    """What was read: the file, the format, the tool's version when it says."""


def _found(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


@dataclass(frozen=True)
class Where:
    """A place in a file: line (1-based, JSONL) or row (0-based index into a JSON list)."""

    file: str
    line: int | None = None
    row: int | None = None

    def fail(self, message: str, column: str | None = None, found: Any = ...) -> DataError:
        shown = None if found is ... else _found(found)
        return DataError(
            message, file=self.file, line=self.line, row=self.row, column=column, found=shown
        )

    def get(self, obj: Any, path: str, *, required: bool = True) -> Any:
        """The value at a dotted ``path`` inside ``obj`` (``None`` if absent and not required)."""
        value = obj
        for key in path.split("."):
            if not isinstance(value, dict):
                raise self.fail("expected an object", path, value)
            if key not in value or value[key] is None:
                if required:
                    raise self.fail("a required field is missing", path)
                return None
            value = value[key]
        return value

    def number(self, obj: Any, path: str, *, required: bool = True) -> float | None:
        """A finite, non-negative number at ``path``."""
        value = self.get(obj, path, required=required)
        return None if value is None else self.check(value, path)

    def check(self, value: Any, path: str) -> float:
        """``value`` as a finite, non-negative number (``path`` names it in the error)."""
        if (
            isinstance(value, bool)
            or not isinstance(value, int | float)
            or not math.isfinite(value)
        ):
            raise self.fail("expected a finite number", path, value)
        if value < 0:
            raise self.fail("expected a non-negative number", path, value)
        return float(value)

    def count(self, obj: Any, path: str, *, required: bool = True) -> int | None:
        """A non-negative whole number at ``path`` (a float with no fraction is accepted)."""
        value = self.get(obj, path, required=required)
        if value is None:
            return None
        if isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 2**63:
            return value
        number = self.number(obj, path)
        if number is None or number != int(number) or number >= 2**63:
            raise self.fail("expected a non-negative whole number", path, value)
        return int(number)


def _reject_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise ValueError(f"the key {key!r} is given twice")
        out[key] = value
    return out


def _depth_ok(value: Any) -> bool:
    """Whether lists and objects nest at most :data:`MAX_DEPTH` deep (an iterative walk)."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict | list):
            if depth > MAX_DEPTH:
                return False
            children = item.values() if isinstance(item, dict) else item
            stack.extend((child, depth + 1) for child in children if isinstance(child, dict | list))
    return True


def _decode(raw: bytes, path: Path) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        before = raw[: exc.start]
        line = before.count(b"\n") + 1
        column = exc.start - (before.rfind(b"\n") + 1) + 1
        raise DataError(
            "not UTF-8",
            file=str(path),
            line=line,
            column=str(column),
            found=_found(raw[exc.start : exc.start + 4]),
        ) from None


def _parse(text: str, where: Where, line_offset: int = 0) -> Any:
    try:
        value = json.loads(text, object_pairs_hook=_reject_duplicates)
    except json.JSONDecodeError as exc:
        raise DataError(
            "not JSON",
            file=where.file,
            line=exc.lineno + line_offset,
            column=str(exc.colno),
            found=exc.msg,
        ) from None
    except ValueError as exc:  # a duplicate key
        raise where.fail(str(exc)) from None
    except RecursionError:
        raise where.fail(f"JSON nested deeper than {MAX_DEPTH} levels") from None
    if not _depth_ok(value):
        raise where.fail(f"JSON nested deeper than {MAX_DEPTH} levels")
    return value


def _read(path: Path) -> bytes:
    try:
        size = path.stat().st_size
        if size > MAX_BYTES:
            raise DataError(
                "file too large for a load import", file=str(path), found=f"{size} bytes"
            )
        return path.read_bytes()
    except OSError as exc:
        raise DataError(f"cannot read the file: {exc.strerror}", file=str(path)) from None


def read_json(path: Path) -> Any:
    """One JSON document, bounded in size, encoding, depth and duplicate keys."""
    text = _decode(_read(path), path)
    return _parse(text, Where(str(path)))


def read_jsonl(path: Path) -> Iterator[tuple[int, Any]]:
    """``(line number, value)`` of each non-blank line of a JSON Lines file."""
    text = _decode(_read(path), path)
    for number, line in enumerate(text.split("\n"), start=1):
        if line.strip():
            yield number, _parse(line, Where(str(path), line=number), line_offset=number - 1)


def shift(t: RequestTiming, t0: float) -> RequestTiming:
    """The request with every time moved back by ``t0`` (wall-clock stamps to run seconds)."""
    return replace(
        t,
        scheduled_s=t.scheduled_s - t0,
        sent_s=t.sent_s - t0,
        chunk_times_s=tuple(c - t0 for c in t.chunk_times_s),
        end_s=None if t.end_s is None else t.end_s - t0,
    )


def error_kind(code: Any) -> str:
    """``http_<status>`` for an HTTP status code, else ``imported_error``."""
    if isinstance(code, int) and not isinstance(code, bool) and 400 <= code <= 599:
        return f"http_{code}"
    return "imported_error"
