"""The one YAML loader for every file assay reads (suites, policies, experiment plans).

YAML from an untrusted file must not be able to exhaust memory or the stack, so the text is
bounded before and while it is parsed:

* at most ``max_bytes`` of UTF-8 (a byte-order mark is allowed), and no control characters
  other than tab, line feed and carriage return;
* nesting at most ``max_depth`` collections deep (the composer recurses once per level);
* aliases may add at most ``max_alias_nodes`` nodes in all, counted as if expanded (a
  "billion laughs" document is a few hundred bytes that expand to 10^9 nodes), and an alias
  may not point into the collection that holds it (a cycle);
* a repeated mapping key is an error, not "the last one wins";
* mapping keys are text: a scalar key is its own text (``1:`` is the key ``"1"``), a
  collection key is an error;
* only the JSON-like tags (null, bool, int, float, str, seq, map); dates stay text.

Every problem raises the caller's error class (:class:`~assay.errors.DataError` or
:class:`~assay.errors.ConfigError`) naming the file, line and column. The pure-Python parser
is used on purpose: it keeps its state on the heap, where the C parser recurses.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from assay._util._lazy import lazy_module
from assay.errors import AssayError, ConfigError, DataError

if TYPE_CHECKING:
    import yaml
else:
    # PyYAML loads with the first document read, not with every command that imports this
    yaml = lazy_module("yaml")

__all__ = ["YamlDocument", "brief", "load_yaml", "node_mark", "parse_yaml"]

MAX_BYTES = 32 << 20
MAX_DEPTH = 64
MAX_ALIAS_NODES = 100_000

# characters YAML itself forbids (C0 and C1 controls but TAB/LF/CR/NEL, surrogates, U+FFFE/F)
_FORBIDDEN = re.compile("[^\x09\x0a\x0d\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def brief(value: object, limit: int = 80) -> str:
    """``repr`` of ``value``, cut to ``limit`` characters with the full length said.

    Errors quote what they found; a 1 MB value must not become a 1 MB message.
    """
    text = repr(value)
    if len(text) <= limit:
        return text
    size = len(value) if isinstance(value, str | bytes) else len(text)
    unit = "bytes" if isinstance(value, bytes) else "characters"
    return f"{text[:limit]}… ({size:,} {unit})"


@dataclass(frozen=True)
class YamlDocument:
    """A parsed document: its Python value and its node tree (for line numbers)."""

    data: Any
    root: yaml.Node | None


def _error(
    kind: type[AssayError], source: str, message: str, line: int | None, column: int | None
) -> AssayError:
    at = "" if column is None else f" (column {column})"
    if issubclass(kind, DataError):
        return kind(f"{message}{at}", file=source, line=line)
    where = source if line is None else f"{source}, line {line}"
    return kind(f"{where}: {message}{at}")


def _decode(raw: str | bytes, source: str, kind: type[AssayError], max_bytes: int) -> str:
    if isinstance(raw, bytes):
        if len(raw) > max_bytes:
            raise _error(
                kind, source, f"larger than {max_bytes:,} bytes ({len(raw):,})", None, None
            )
        if raw.startswith(b"\xef\xbb\xbf"):
            raw = raw[3:]
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            line = raw.count(b"\n", 0, exc.start) + 1
            column = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
            message = f"not UTF-8: byte {raw[exc.start]:#04x} at byte offset {exc.start}"
            raise _error(kind, source, message, line, column) from None
    else:
        text = raw.removeprefix("\ufeff")
        if len(text) > max_bytes:
            raise _error(kind, source, f"longer than {max_bytes:,} characters", None, None)
    bad = _FORBIDDEN.search(text)
    if bad is not None:
        start = bad.start()
        line = text.count("\n", 0, start) + 1
        column = start - (text.rfind("\n", 0, start) + 1) + 1
        message = f"the control character U+{ord(bad.group()):04X} is not allowed in YAML"
        raise _error(kind, source, message, line, column)
    return text


def parse_yaml(
    raw: str | bytes,
    *,
    source: str,
    error: type[AssayError] = ConfigError,
    max_bytes: int = MAX_BYTES,
    max_depth: int = MAX_DEPTH,
    max_alias_nodes: int = MAX_ALIAS_NODES,
) -> YamlDocument:
    """Parse one YAML document within the limits above; ``error`` is the class raised."""
    from assay._util._yaml_loader import BoundedLoader, Problem

    text = _decode(raw, source, error, max_bytes)
    loader = BoundedLoader(text, max_depth, max_alias_nodes)
    try:
        root = loader.get_single_node()
        data = None if root is None else loader.construct_document(root)
    except Problem as exc:
        mark = exc.mark
        raise _error(error, source, exc.message, mark.line + 1, mark.column + 1) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        problem = f"not valid YAML: {exc.problem}"
        if mark is None:
            raise _error(error, source, problem, None, None) from None
        raise _error(error, source, problem, mark.line + 1, mark.column + 1) from None
    except yaml.YAMLError as exc:
        raise _error(error, source, f"not valid YAML: {brief(str(exc))}", None, None) from None
    finally:
        loader.dispose()
    return YamlDocument(data=data, root=root)


def load_yaml(raw: str | bytes, *, source: str, error: type[AssayError] = ConfigError) -> Any:
    """The Python value of one YAML document (see :func:`parse_yaml`)."""
    return parse_yaml(raw, source=source, error=error).data


def node_mark(
    root: yaml.Node | None, path: tuple[str | int, ...], *, skip_missing: bool = False
) -> Any | None:
    """The start mark (``.line``, ``.column``, 0-based) of the deepest node of ``path`` found
    in a YAML node tree (for a mapping step, its key's); ``None`` when not even the first step
    is there. With ``skip_missing``, a step that is not there is skipped instead of ending the
    walk (the locations of validation errors carry names that are not keys)."""
    node, mark = root, None
    for step in path:
        if isinstance(node, yaml.MappingNode):
            match = [(k, v) for k, v in node.value if getattr(k, "value", None) == step]
            if match:
                mark, node = match[0][0].start_mark, match[0][1]
                continue
        elif (
            isinstance(node, yaml.SequenceNode) and isinstance(step, int) and step < len(node.value)
        ):
            node = node.value[step]
            mark = node.start_mark
            continue
        if not skip_missing:
            break
    return mark
