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
from typing import Any

import yaml
from yaml.constructor import ConstructorError
from yaml.events import AliasEvent

from assay.errors import AssayError, ConfigError, DataError

__all__ = ["YamlDocument", "brief", "load_yaml", "node_mark", "parse_yaml"]

MAX_BYTES = 32 << 20
MAX_DEPTH = 64
MAX_ALIAS_NODES = 100_000

# characters YAML itself forbids (C0 and C1 controls but TAB/LF/CR/NEL, surrogates, U+FFFE/F)
_FORBIDDEN = re.compile("[^\x09\x0a\x0d\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_JSON_TAGS = {
    "tag:yaml.org,2002:" + t for t in ("null", "bool", "int", "float", "str", "seq", "map")
}


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


class _Problem(Exception):
    def __init__(self, message: str, mark: Any) -> None:
        super().__init__(message)
        self.message = message
        self.mark = mark


class _BoundedLoader(yaml.SafeLoader):
    """SafeLoader with depth, alias expansion, duplicate-key and tag limits."""

    def __init__(self, text: str, max_depth: int, max_alias_nodes: int) -> None:
        super().__init__(text)
        self._max_depth = max_depth
        self._alias_budget = max_alias_nodes
        self._depth = 0
        self._sizes: dict[str, int] = {}  # expanded size of each finished anchored node
        self._counts: list[int] = [0]

    def compose_node(self, parent: Any, index: Any) -> Any:
        event = self.peek_event()  # type: ignore[no-untyped-call]
        if isinstance(event, AliasEvent):
            anchor = event.anchor or ""
            if anchor in self.anchors and anchor not in self._sizes:
                raise _Problem(f"alias *{anchor} points into its own anchor", event.start_mark)
            size = self._sizes.get(anchor, 1)
            self._alias_budget -= size
            if self._alias_budget < 0:
                raise _Problem("aliases expand to too many nodes (a YAML bomb?)", event.start_mark)
            self._counts[-1] += size
            return super().compose_node(parent, index)
        self._depth += 1
        if self._depth > self._max_depth:
            raise _Problem(f"nested more than {self._max_depth} levels deep", event.start_mark)
        self._counts.append(0)
        node = super().compose_node(parent, index)
        size = self._counts.pop() + 1
        self._counts[-1] += size
        self._depth -= 1
        name: str | None = getattr(event, "anchor", None)
        if name is not None:
            self._sizes[name] = size
        return node

    def construct_object(self, node: Any, deep: bool = False) -> Any:
        tag = node.tag
        if tag not in _JSON_TAGS and tag != "tag:yaml.org,2002:timestamp":
            if tag == "tag:yaml.org,2002:value":  # a lone "=" is text
                return str(node.value)
            raise _Problem(f"the tag {brief(tag)} is not allowed", node.start_mark)
        return super().construct_object(node, deep=deep)

    def construct_mapping(self, node: Any, deep: bool = False) -> dict[Any, Any]:
        if not isinstance(node, yaml.MappingNode):
            raise _Problem("expected a mapping", node.start_mark)
        seen: set[str] = set()
        for key_node, _ in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                continue
            if not isinstance(key_node, yaml.ScalarNode):
                raise _Problem("a mapping key must be text, not a collection", key_node.start_mark)
            key = str(key_node.value)
            if key in seen:
                raise _Problem(f"the key {brief(key)} appears twice", key_node.start_mark)
            seen.add(key)
        # merged keys ("<<: *base") come first, so the mapping's own keys override them
        self.flatten_mapping(node)
        out: dict[str, Any] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                raise _Problem("a mapping key must be text, not a collection", key_node.start_mark)
            out[str(key_node.value)] = self.construct_object(value_node, deep=deep)
        return out

    def construct_yaml_int(self, node: Any) -> int:
        try:
            return int(super().construct_yaml_int(node))
        except ValueError:  # more digits than Python converts
            raise _Problem("an integer with too many digits", node.start_mark) from None

    def construct_yaml_timestamp(self, node: Any, values: Any = None) -> Any:
        return self.construct_scalar(node)  # a date is text to assay


_BoundedLoader.add_constructor("tag:yaml.org,2002:int", _BoundedLoader.construct_yaml_int)
_BoundedLoader.add_constructor(
    "tag:yaml.org,2002:timestamp", _BoundedLoader.construct_yaml_timestamp
)


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
    text = _decode(raw, source, error, max_bytes)
    loader = _BoundedLoader(text, max_depth, max_alias_nodes)
    try:
        root = loader.get_single_node()
        data = None if root is None else loader.construct_document(root)
    except _Problem as exc:
        mark = exc.mark
        raise _error(error, source, exc.message, mark.line + 1, mark.column + 1) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        problem = f"not valid YAML: {exc.problem}"
        if mark is None:
            raise _error(error, source, problem, None, None) from None
        raise _error(error, source, problem, mark.line + 1, mark.column + 1) from None
    except (yaml.YAMLError, ConstructorError) as exc:
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
