"""Rendering helpers: rich tables for people, JSON for scripts.

Untrusted text never reaches the terminal as it is: :func:`safe` shows its control and
bidirectional characters as visible symbols (:func:`assay.core.printable`) and escapes rich
markup, and the consoles here pass every string they render through the same function, so a
value printed without :func:`safe` cannot act on the terminal either. JSON keeps the data
exact but writes those characters as ``\\uXXXX`` escapes (:func:`assay.core.escape_json`).

Standard output and error are written through :data:`stdout` and :data:`stderr`, which stop
writing when the reader has gone (``assay gate … | head -1``) instead of failing, so a
command's exit code is still the verdict's.

Output has three formats (``--format``): ``table`` draws rich tables for a terminal, ``plain``
writes every table as aligned columns without box drawing and never wraps a line or splits a
cell (what a log, ``grep`` or ``cut`` wants; prose such as a verdict's reasons is wrapped at
80 columns with :func:`wrap_plain`, never inside a word or an interval), and ``json`` is
``--json``. Without ``--format``
the console picks ``table`` on a terminal and ``plain`` when standard output is piped. The
choice is made here, for every table any command prints.
"""

from __future__ import annotations

import json
import os
import re
import sys
from collections.abc import Iterable
from typing import Any

from rich import box
from rich.console import Console
from rich.markup import escape
from rich.segment import Segment
from rich.table import Column, Table
from rich.text import Text


def printable(text: object, **kwargs: Any) -> str:
    """:func:`assay.core.printable`, loaded on first use: ``assay --help`` needs none of it."""
    from assay._util import printable as shown

    return shown(text, **kwargs)


def escape_json(document: str) -> str:
    """:func:`assay.core.escape_json`, loaded on first use."""
    from assay._util import escape_json as escaped

    return escaped(document)


__all__ = [
    "FORMATS",
    "PipeSafeStream",
    "SafeConsole",
    "console",
    "emit_json",
    "error_console",
    "new_table",
    "output_format",
    "plain_table",
    "safe",
    "say_wrapped",
    "set_output_format",
    "stderr",
    "stdout",
    "wrap_plain",
]

FORMATS = ("table", "plain", "json")


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

    def print(self, *objects: Any, **kwargs: Any) -> None:
        """Print as rich does, except that in the plain format a table becomes aligned
        columns and no line is wrapped."""
        if self is console and output_format() != "table":
            kwargs.setdefault("soft_wrap", True)
            for obj in objects:
                if isinstance(obj, Table):
                    for line in plain_table(obj, self):
                        super().print(Text(line), soft_wrap=True)
                else:
                    super().print(obj, **kwargs)
            return
        super().print(*objects, **kwargs)

    def _render_buffer(self, buffer: Iterable[Segment]) -> str:
        # The last line of defence, for text that reached the screen without render_str (a
        # Text built elsewhere, a traceback); rich's own control segments pass untouched.
        return super()._render_buffer(
            s if s.control else Segment(printable(s.text), s.style, s.control) for s in buffer
        )


stdout = PipeSafeStream("stdout")
stderr = PipeSafeStream("stderr")
console = SafeConsole(file=stdout)  # type: ignore[arg-type]
_chosen: list[str] = []  # the --format given on this command line, if any


def set_output_format(name: str | None) -> None:
    """Use ``name`` (``table``, ``plain`` or ``json``) for the rest of the command; ``None``
    goes back to the default (``table`` on a terminal, ``plain`` when piped)."""
    _chosen.clear()
    if name is not None:
        _chosen.append(name)


def output_format() -> str:
    """The format of standard output: the chosen one, else by whether it is a terminal."""
    if _chosen:
        return _chosen[0]
    return "table" if console.is_terminal else "plain"


def _cell_text(cell: Any, con: Console) -> str:
    if isinstance(cell, Text):
        text = cell.plain
    elif isinstance(cell, str):
        text = con.render_str(cell).plain
    else:
        text = str(cell)
    # a cell is one line in a log: its lines are joined, never folded
    return "  ".join(part.strip() for part in text.splitlines() if part.strip())


def plain_table(table: Table, con: Console) -> list[str]:
    """A table as lines of aligned columns: title, header, rows; nothing wrapped or cut."""
    columns: list[Column] = table.columns
    rows = [[_cell_text(c, con) for c in col._cells] for col in columns]
    header = [_cell_text(col.header, con) for col in columns]
    widths = [
        max([len(h) if table.show_header else 0, *(len(v) for v in cells)])
        for h, cells in zip(header, rows, strict=True)
    ]
    n_rows = max((len(cells) for cells in rows), default=0)

    def line(values: list[str]) -> str:
        parts = []
        for col, value, width in zip(columns, values, widths, strict=True):
            parts.append(value.rjust(width) if col.justify == "right" else value.ljust(width))
        return "  ".join(parts).rstrip()

    out = []
    if table.title:
        out.append(_cell_text(table.title, con))
    if table.show_header:
        out.append(line(header))
    for i in range(n_rows):
        out.append(line([cells[i] if i < len(cells) else "" for cells in rows]))
    return out


PLAIN_WIDTH = 80
"""The width piped prose is wrapped to (a CI log read in a browser or a pager)."""
_WORD = re.compile(r"(?:\[[^\]\n]*\]|\S)+")  # an interval [low, high] is one word


def wrap_plain(
    text: str, *, indent: str = "", width: int = PLAIN_WIDTH, first: str | None = None
) -> list[str]:
    """``text`` as lines of at most ``width`` columns, broken between words only: an id, a
    path or an interval longer than the line is kept whole on a line of its own. Lines start
    with ``indent``, the first with ``first`` when given."""
    lines: list[str] = []
    current = indent if first is None else first
    for word in _WORD.findall(printable(text)):
        if current.strip() and len(current) + 1 + len(word) > width:
            lines.append(current)
            current = indent
        current += (" " if current.strip() and not current.endswith(" ") else "") + word
    if current.strip():
        lines.append(current)
    return lines


def say_prose(text: str) -> None:
    """Untrusted prose: on a terminal left to it to wrap, piped wrapped at 80 columns between
    words (markup and highlighting off)."""
    if output_format() == "table":
        console.print(safe(text))
    else:
        for line in wrap_plain(text):
            console.print(line, markup=False, highlight=False)


def say_wrapped(
    text: str,
    *,
    first: str = "",
    indent: str = "  ",
    style: str | None = None,
    first_style: str | None = None,
) -> None:
    """Prose at most 80 columns wide, on a terminal (narrower when it is) and piped, broken
    between words only (:func:`wrap_plain`): the first line starts with ``first`` (shown in
    ``first_style``), later ones with ``indent``. ``text`` is shown as it is, never as
    markup."""
    width = PLAIN_WIDTH
    if output_format() == "table":
        width = max(min(console.width, PLAIN_WIDTH), 40)
    for i, line in enumerate(wrap_plain(text, first=first, indent=indent, width=width)):
        shown = Text(line, style=style or "")
        if i == 0 and first_style and first:
            shown.stylize(first_style, 0, len(first))
        console.print(shown, soft_wrap=True)


def new_table(title: str | None, columns: Iterable[str], *, numbers: Iterable[str] = ()) -> Table:
    """A rich table whose ``numbers`` columns (numbers, ids, intervals) are never split:
    on a narrow terminal the text columns wrap first, and a number is cut short with an
    ellipsis before it would break across lines."""
    keep = set(numbers)
    # light lines and one space of padding: the numbers, not the box, take the width
    table = Table(title=title, box=box.SIMPLE_HEAD, show_edge=False, padding=(0, 1))
    table.collapse_padding = True
    for name in columns:
        if name in keep:
            table.add_column(name, no_wrap=True, overflow="ellipsis")
        else:
            table.add_column(name, overflow="fold", min_width=min(len(name), 10))
    return table


def error_console() -> SafeConsole:
    """A console on standard error for messages and notes (``2>&1 | head -1`` included)."""
    err = SafeConsole(file=stderr, stderr=True)  # type: ignore[arg-type]
    err.soft_wrap = not err.is_terminal  # a message in a log is one line, not folded at 80
    return err


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
