"""The bounded YAML loader behind :func:`assay._util.parse_yaml` (see its module for the limits).

It subclasses PyYAML's loader, so it lives apart: importing it imports PyYAML.
"""

from __future__ import annotations

from typing import Any

import yaml
from yaml.events import AliasEvent

from assay._util._yaml import brief

__all__ = ["BoundedLoader", "Problem"]

_JSON_TAGS = {
    "tag:yaml.org,2002:" + t for t in ("null", "bool", "int", "float", "str", "seq", "map")
}


class Problem(Exception):
    """A limit broken, at a mark of the document."""

    def __init__(self, message: str, mark: Any) -> None:
        super().__init__(message)
        self.message = message
        self.mark = mark


class BoundedLoader(yaml.SafeLoader):
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
                raise Problem(f"alias *{anchor} points into its own anchor", event.start_mark)
            size = self._sizes.get(anchor, 1)
            self._alias_budget -= size
            if self._alias_budget < 0:
                raise Problem("aliases expand to too many nodes (a YAML bomb?)", event.start_mark)
            self._counts[-1] += size
            return super().compose_node(parent, index)
        self._depth += 1
        if self._depth > self._max_depth:
            raise Problem(f"nested more than {self._max_depth} levels deep", event.start_mark)
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
            raise Problem(f"the tag {brief(tag)} is not allowed", node.start_mark)
        return super().construct_object(node, deep=deep)

    def construct_mapping(self, node: Any, deep: bool = False) -> dict[Any, Any]:
        if not isinstance(node, yaml.MappingNode):
            raise Problem("expected a mapping", node.start_mark)
        seen: set[str] = set()
        for key_node, _ in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                continue
            if not isinstance(key_node, yaml.ScalarNode):
                raise Problem("a mapping key must be text, not a collection", key_node.start_mark)
            key = str(key_node.value)
            if key in seen:
                raise Problem(f"the key {brief(key)} appears twice", key_node.start_mark)
            seen.add(key)
        # merged keys ("<<: *base") come first, so the mapping's own keys override them
        self.flatten_mapping(node)
        out: dict[str, Any] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                raise Problem("a mapping key must be text, not a collection", key_node.start_mark)
            out[str(key_node.value)] = self.construct_object(value_node, deep=deep)
        return out

    def construct_yaml_int(self, node: Any) -> int:
        try:
            return int(super().construct_yaml_int(node))
        except ValueError:  # more digits than Python converts
            raise Problem("an integer with too many digits", node.start_mark) from None

    def construct_yaml_timestamp(self, node: Any, values: Any = None) -> Any:
        return self.construct_scalar(node)  # a date is text to assay


BoundedLoader.add_constructor("tag:yaml.org,2002:int", BoundedLoader.construct_yaml_int)
BoundedLoader.add_constructor("tag:yaml.org,2002:timestamp", BoundedLoader.construct_yaml_timestamp)
