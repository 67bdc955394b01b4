"""Reading a streamed (SSE) answer as it arrives: chunk times, usage, how it ended.

Bytes are fed as the network delivers them, each read with one timestamp. Lines are split on
``\\n`` (a ``\\r`` before it is stripped with the other surrounding whitespace); only ``data:``
lines count, everything else (comments, event names, keep-alives, blank separators) is skipped.
A ``data:`` payload is ``[DONE]`` (the end) or a JSON object: a chunk is timed when its first
choice carries non-empty text (``delta.content``, ``text`` or ``message.content``) and a
non-empty ``usage`` replaces the token counts. A payload that is not a JSON object, or a line
over 1 MiB, ends the stream as ``malformed_sse``.

This is the per-chunk hot path of the load generator, so it is written for the interpreter:
one pass over the lines of each read, no helper calls for the common shapes, exact type checks
(``json.loads`` only makes plain dicts and lists).
"""

from __future__ import annotations

import json
import re
from typing import Any

from assay.runners.adapters._openai_parse import count_tokens

__all__ = ["MAX_LINE", "SseStream", "first_text", "usage_counts"]

MAX_LINE = 1 << 20
_loads = json.loads


class SseStream:
    """The state of one streamed answer: call :meth:`feed` per read, then :meth:`finish`."""

    __slots__ = ("buffer", "chunks", "usage")

    def __init__(self) -> None:
        self.buffer = b""
        self.chunks: list[float] = []
        """Arrival time of each chunk carrying output."""
        self.usage: tuple[int | None, int | None] = (None, None)
        """(prompt tokens, completion tokens) from the last non-empty ``usage``."""

    def feed(self, data: bytes, now: float) -> str | None:
        """Take one network read that arrived at ``now``: ``done``, an error kind, or ``None``."""
        buffer = self.buffer + data if self.buffer else data
        if b"\n" not in data:
            self.buffer = buffer
            return "malformed_sse" if len(buffer) > MAX_LINE else None
        lines = buffer.split(b"\n")
        self.buffer = rest = lines.pop()
        chunks = self.chunks
        for line in lines:
            if len(line) > MAX_LINE:
                return "malformed_sse"
            text = line.strip()
            if text[:5] != b"data:":
                continue
            payload = text[5:].lstrip()
            if payload == b"[DONE]":
                return "done"
            known = _known(payload)
            if known is not None:
                text_chunk, usage = known
            else:
                try:
                    event = _loads(payload)
                except (ValueError, UnicodeDecodeError):
                    return "malformed_sse"
                if type(event) is not dict:
                    return "malformed_sse"
                text_chunk = bool(first_text(event))
                usage = usage_counts(event["usage"]) if event.get("usage") else None
            if text_chunk:
                chunks.append(now)
            if usage is not None:
                self.usage = usage
        return "malformed_sse" if len(rest) > MAX_LINE else None

    def finish(self, now: float) -> str | None:
        """The stream closed: ``done``, an error kind, or ``None`` (no ``[DONE]`` seen)."""
        if not self.buffer:
            return None
        rest, self.buffer = self.buffer, b""
        return self.feed(rest + b"\n", now)


def first_text(event: dict[str, Any]) -> Any:
    """The first choice's text (``delta.content``, ``text``, ``message.content``), unchecked."""
    choices = event.get("choices")
    if type(choices) is not list or not choices or type(first := choices[0]) is not dict:
        return None
    delta = first.get("delta")
    piece = delta.get("content") if type(delta) is dict else first.get("text")
    if piece is None and type(message := first.get("message")) is dict:
        piece = message.get("content")
    return piece if type(piece) is str else None


# Events of one stream differ only in the text of their token: ``{"id": ..., "choices":
# [{"delta": {"content": "<token>"}, ...}]}``. The bytes around that string are a template,
# decoded once (with two stand-in strings, to prove the string is the first choice's text
# and nothing else) and remembered with the usage it carries; an event of a known template
# whose string has no escape, no control character and valid UTF-8 is then read without
# decoding it: a chunk when the string is not empty. Anything else is decoded in full.
_TEMPLATES: dict[tuple[bytes, bytes], tuple[int | None, int | None] | bool | None] = {}
_MAX_TEMPLATES = 4096
_PLAIN = re.compile(rb"[\x00-\x1f\\]")
_KEYS = (b'"content":', b'"text":')


def _known(payload: bytes) -> tuple[bool, tuple[int | None, int | None] | None] | None:
    """(is a chunk, usage or ``None``) of a template event, or ``None``: decode it in full."""
    if payload[:1] != b"{" or payload[1:2] == b"\x00":  # decoded as UTF-8, like the template
        return None
    for key in _KEYS:
        at = payload.find(key)
        if at < 0:
            continue
        start = at + len(key)
        while payload[start : start + 1] in (b" ", b"\t", b"\r", b"\n"):
            start += 1
        if payload[start : start + 1] != b'"':
            return None
        end = payload.find(b'"', start + 1)
        if end < 0:
            return None
        text = payload[start + 1 : end]
        if _PLAIN.search(text) is not None:
            return None
        if not text.isascii():
            try:
                text.decode()
            except UnicodeDecodeError:
                return None
        template = (payload[: start + 1], payload[end:])
        usage = _TEMPLATES.get(template, True)
        if usage is True:
            usage = _TEMPLATES[template] = _learn(*template)
        if usage is False:
            return None
        return bool(text), usage  # type: ignore[return-value]
    return None


def _learn(before: bytes, after: bytes) -> tuple[int | None, int | None] | bool | None:
    """The usage a template carries, or ``False`` if its string is not the first choice's text."""
    if len(_TEMPLATES) >= _MAX_TEMPLATES:
        _TEMPLATES.clear()
    results = []
    for stand_in in ("x", "y"):
        try:
            event = _loads(before + stand_in.encode() + after)
        except (ValueError, UnicodeDecodeError):
            return False
        if type(event) is not dict or first_text(event) != stand_in:
            return False
        results.append(usage_counts(event["usage"]) if event.get("usage") else None)
    return results[0] if results[0] == results[1] else False


def usage_counts(usage: Any) -> tuple[int | None, int | None]:
    """(prompt tokens, completion tokens) of a ``usage`` object; ``None`` where unreadable."""
    if not isinstance(usage, dict):
        return None, None
    return count_tokens(usage.get("prompt_tokens")), count_tokens(usage.get("completion_tokens"))
