"""Reading an OpenAI-compatible answer: the output where the endpoint promises it, or why not.

Answers come from servers assay does not control, so nothing in them is trusted: every step
into the body checks the type it finds, and a body of the wrong shape becomes a
:class:`Shape` error (that example's record error), never an exception out of the runner.
"""

from __future__ import annotations

from typing import Any

__all__ = ["Shape", "count_tokens", "parse_output"]


def count_tokens(value: Any) -> int | None:
    """A reported token count that a record's int64 column can hold, else None (unknown)."""
    ok = isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 2**63
    return value if ok else None


class Shape(Exception):
    """An answer without the field its endpoint promises (``where``)."""

    def __init__(self, where: str, found: str) -> None:
        super().__init__(where)
        self.where = where
        self.found = found


def _item(value: Any, key: str | int, where: str) -> Any:
    if isinstance(key, int):
        if isinstance(value, list) and len(value) > key:
            return value[key]
    elif isinstance(value, dict) and key in value:
        return value[key]
    raise Shape(where, "nothing" if value is None else type(value).__name__)


def _text(value: Any, where: str) -> str:
    if isinstance(value, str):
        return value
    raise Shape(where, "null" if value is None else type(value).__name__)


def _vector(value: Any, where: str) -> list[Any]:
    if isinstance(value, list) and all(
        isinstance(x, int | float) and not isinstance(x, bool) for x in value
    ):
        return value
    raise Shape(where, type(value).__name__)


def parse_output(endpoint: str, body: Any) -> Any:
    """The output in an endpoint's answer: text for chat and completions, vectors for
    embeddings; :class:`Shape` when the answer does not hold one."""
    if endpoint == "chat":
        where = "choices[0].message.content"
        message = _item(_item(_item(body, "choices", where), 0, where), "message", where)
        return _text(_item(message, "content", where), where)
    if endpoint == "completions":
        where = "choices[0].text"
        return _text(_item(_item(_item(body, "choices", where), 0, where), "text", where), where)
    where = "data[].embedding"
    items = _item(body, "data", where)
    if not isinstance(items, list) or not items:
        raise Shape(where, "no vectors")
    vectors = [_vector(_item(item, "embedding", where), where) for item in items]
    return vectors[0] if len(vectors) == 1 else vectors
