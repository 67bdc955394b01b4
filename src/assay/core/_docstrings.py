"""The docstring under each field of assay's models, read from the class's own lines.

The typed models document their fields with a docstring under each one and
``use_attribute_docstrings=True``; pydantic reads those when it builds a model class: it walks
the call stack asking :func:`inspect.getmodule` of each frame (a scan of every loaded module
each time), tokenizes the class's lines and parses them twice. For the twenty models a
comparison builds that was 40–100 ms of ``assay compare``.

Here, for classes of assay's own modules on the Python versions where pydantic searches the
stack (before 3.13), the same search is made with the frame's globals, the class statement at
the line pydantic would start from is parsed alone when it starts in the first column (else
from the module's whole source, parsed once), and it is read by pydantic's own visitor: the
same mapping of field names to docstrings. Any class this cannot
place (another package's, one made by ``exec``, a line that holds no such class statement) is
left to pydantic's own reading.
"""

from __future__ import annotations

import ast
import linecache
import re
import sys
from types import FrameType
from typing import Any

__all__ = ["install"]

_parsed: tuple[str, dict[tuple[int, str], ast.ClassDef]] | None = None
"""The last source file parsed whole and its class statements by line and name (a module's
models are built one after another)."""

_BLANK_WITH_SPACES = re.compile(r"^[ \t]+$", re.MULTILINE)
"""A line of only spaces and tabs: pydantic reads it as empty (:func:`textwrap.dedent` of the
class's lines), inside a docstring too."""


def _module_level_class(lines: list[str], line: int, name: str) -> ast.ClassDef | None:
    """The class statement ``name`` at ``line`` when it starts in the first column, parsed from
    its own lines: those up to the next that starts with neither white space nor a comment. Such
    a line inside the statement (in a string, in brackets, after a backslash) cuts it where it
    does not parse; lines past its end make more than one statement or do not parse: either way
    None sends the reading to the whole file."""
    if not 0 < line <= len(lines) or not lines[line - 1].startswith("class "):
        return None
    end = line
    while end < len(lines) and (lines[end][:1].isspace() or lines[end].startswith("#")):
        end += 1
    try:
        tree = ast.parse(_BLANK_WITH_SPACES.sub("", "".join(lines[line - 1 : end])))
    except SyntaxError:
        return None
    node = tree.body[0] if len(tree.body) == 1 else None
    return node if isinstance(node, ast.ClassDef) and node.name == name else None


def _class_at(filename: str, module_globals: dict[str, Any], line: int, name: str) -> Any:
    """The class statement ``name`` starting at ``line`` of the file, or None."""
    global _parsed
    lines = linecache.getlines(filename, module_globals)
    node = _module_level_class(lines, line, name)
    if node is not None:
        return node
    parsed = _parsed  # read once: another thread may parse another file meanwhile
    if parsed is None or parsed[0] != filename:
        try:
            tree = ast.parse(_BLANK_WITH_SPACES.sub("", "".join(lines)))
        except SyntaxError:  # pragma: no cover - the module was imported from this source
            return None
        classes = {
            (node.lineno, node.name): node
            for node in ast.walk(tree)
            if isinstance(node, ast.ClassDef)
        }
        parsed = _parsed = (filename, classes)
    return parsed[1].get((line, name))


def _defining_frame(cls: type[Any]) -> FrameType | None:
    """The innermost frame running code of the class's module: the one pydantic reads."""
    module = sys.modules.get(cls.__module__)
    namespace = getattr(module, "__dict__", None)
    frame: FrameType | None = sys._getframe(1)
    while frame is not None and frame.f_globals is not namespace:
        frame = frame.f_back
    return frame


def install() -> None:
    """Read assay's field docstrings as above from now on (done on import; idempotent; does
    nothing where pydantic reads them another way)."""
    if sys.version_info >= (3, 13):
        return
    try:
        from pydantic._internal import _docs_extraction, _fields
    except ImportError:  # pragma: no cover - a pydantic without this module
        return
    original = getattr(_fields, "extract_docstrings_from_cls", None)
    visitor_class = getattr(_docs_extraction, "DocstringVisitor", None)
    if original is None or visitor_class is None or getattr(original, "assay", False):
        return

    def extract_docstrings_from_cls(cls: type[Any], *args: Any, **kwargs: Any) -> dict[str, str]:
        if args or set(kwargs) - {"use_inspect"} or kwargs.get("use_inspect"):
            return original(cls, *args, **kwargs)  # type: ignore[no-any-return]
        if not cls.__module__.startswith("assay."):
            return original(cls, *args, **kwargs)  # type: ignore[no-any-return]
        try:
            frame = _defining_frame(cls)
            node = None
            if frame is not None:
                code = frame.f_code
                node = _class_at(code.co_filename, frame.f_globals, frame.f_lineno, cls.__name__)
            if node is None:
                return original(cls, *args, **kwargs)  # type: ignore[no-any-return]
            visitor = visitor_class()
            visitor.visit(node)
            return dict(visitor.attrs)
        except Exception:  # a pydantic whose visitor changed: its own reading, never an error
            return original(cls, *args, **kwargs)  # type: ignore[no-any-return]

    extract_docstrings_from_cls.assay = True  # type: ignore[attr-defined]
    setattr(_fields, "extract_docstrings_from_cls", extract_docstrings_from_cls)  # noqa: B010


install()
