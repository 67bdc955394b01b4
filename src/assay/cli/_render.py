"""Rendering helpers: rich tables for people, JSON for scripts.

Untrusted text never reaches the terminal as it is: :func:`safe` shows its control and
bidirectional characters as visible symbols (:func:`assay.core.printable`) and escapes rich
markup, and the consoles here pass every string they render through the same function, so a
value printed without :func:`safe` cannot act on the terminal either. JSON keeps the data
exact but writes those characters as ``\\uXXXX`` escapes (:func:`assay.core.escape_json`).

Standard output and error are written through :data:`stdout` and :data:`stderr`, which stop
writing when the reader has gone (``assay gate … | head -1``) instead of failing, so a
command's exit code is still the verdict's.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterable
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.segment import Segment
from rich.text import Text


def printable(text: object, **kwargs: Any) -> str:
    """:func:`assay.core.printable`, loaded on first use: ``assay --help`` needs none of it."""
    from assay.core import printable as shown

    return shown(text, **kwargs)


def escape_json(document: str) -> str:
    """:func:`assay.core.escape_json`, loaded on first use."""
    from assay.core import escape_json as escaped

    return escaped(document)


__all__ = [
    "PipeSafeStream",
    "SafeConsole",
    "console",
    "emit_json",
    "error_console",
    "safe",
    "stderr",
    "stdout",
]


class PipeSafeStream:
    """``sys.stdout`` or ``sys.stderr`` (looked up on each call), silent once its reader has gone.

    On the first :class:`BrokenPipeError` the stream's file descriptor is pointed at
    ``os.devnull``, as the Python documentation recommends, so neither later writes nor the
    interpreter's final flush fail.
    """

    def __init__(self, name: str) -> None:
        self.name = name
        self.broken = False

    @property
    def _stream(self) -> Any:
        return getattr(sys, self.name)

    def _closed(self) -> None:
        self.broken = True
        try:
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, self._stream.fileno())
            os.close(devnull)
        except (OSError, ValueError, AttributeError):  # no real descriptor (a test's buffer)
            pass

    def write(self, text: str) -> int:
        if not self.broken:
            try:
                self._stream.write(text)
            except BrokenPipeError:
                self._closed()
        return len(text)

    def flush(self) -> None:
        if not self.broken:
            try:
                self._stream.flush()
            except BrokenPipeError:
                self._closed()

    def isatty(self) -> bool:
        return bool(self._stream.isatty())

    def fileno(self) -> int:
        return int(self._stream.fileno())

    @property
    def encoding(self) -> str:
        return str(getattr(self._stream, "encoding", None) or "utf-8")


class SafeConsole(Console):
    """A rich console that neutralises control and bidirectional characters in every string.

    Rich turns markup into escape sequences after this step, so colours still work; only
    characters that were in the text itself are replaced.
    """

    def render_str(self, text: str, **kwargs: Any) -> Text:
        # Before layout, so a replaced character takes the cell it is shown in.
        return super().render_str(printable(text), **kwargs)

    def _render_buffer(self, buffer: Iterable[Segment]) -> str:
        # The last line of defence, for text that reached the screen without render_str (a
        # Text built elsewhere, a traceback); rich's own control segments pass untouched.
        return super()._render_buffer(
            s if s.control else Segment(printable(s.text), s.style, s.control) for s in buffer
        )


stdout = PipeSafeStream("stdout")
stderr = PipeSafeStream("stderr")
console = SafeConsole(file=stdout)  # type: ignore[arg-type]


def error_console() -> SafeConsole:
    """A console on standard error for messages and notes (``2>&1 | head -1`` included)."""
    return SafeConsole(file=stderr, stderr=True)  # type: ignore[arg-type]


def emit_json(payload: Any) -> None:
    """Print ``payload`` as JSON on standard output (no colour, no wrapping).

    Non-ASCII text stays readable, but control, bidirectional and undecodable characters are
    written as ``\\uXXXX`` escapes: the data is exact and nothing in it acts on a terminal.
    """
    document = json.dumps(payload, indent=2, default=str, ensure_ascii=False)
    stdout.write(escape_json(document) + "\n")
    stdout.flush()


def safe(text: object) -> str:
    """Untrusted text (model names, tags, slice values, notes) ready for rich markup.

    Control and bidirectional characters are shown as visible symbols (``ESC`` as ``␛``,
    ``U+202E`` as ``<U+202E>``) and rich markup is escaped; tab and newline are kept.
    """
    return escape(printable(text))
