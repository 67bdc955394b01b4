"""Markdown building blocks: escaping untrusted text, tables, fenced blocks, footnote marks."""

from __future__ import annotations

import re
from collections.abc import Sequence

from assay.core import Interval, printable
from assay.reports._content import MethodIndex
from assay.reports._format import interval_text, truncate

__all__ = ["fenced", "mark", "md", "md_interval", "md_table"]

_SPECIAL = re.compile(r"([\\`*_\[\]|~#!])")
_SUPERSCRIPT = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")


def md(text: object) -> str:
    """Escape text for GitHub-flavoured Markdown, inline or in a table cell.

    Markdown punctuation (backslash, backtick, ``* _ [ ] | ~ # !``) is backslash-escaped,
    ``& < >`` become entities so no HTML is interpreted, and line breaks become ``<br>`` so a
    cell stays on one row. Control and bidirectional characters are shown as visible symbols
    (:func:`assay.core.printable`), so a report read in a terminal or an editor shows them
    instead of obeying them.
    """
    s = str(text).replace("\r\n", "\n").replace("\r", "\n")
    s = printable(s).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    s = _SPECIAL.sub(r"\\\1", s)
    return s.replace("\n", "<br>")


def mark(index: MethodIndex, method: str | None) -> str:
    """The method's footnote number in superscript digits (see the Methods section)."""
    num = index.ref(method)
    return "" if num is None else str(num).translate(_SUPERSCRIPT)


def md_interval(iv: Interval, index: MethodIndex, *, signed: bool = False) -> str:
    """``estimate [low, high]`` followed by its method's footnote mark."""
    return interval_text(iv, signed=signed) + mark(index, iv.method)


def md_table(
    headers: Sequence[str], rows: Sequence[Sequence[str]], *, right: Sequence[int] = ()
) -> str:
    """A GFM table of already-escaped cells; columns in ``right`` are right-aligned."""
    head = "| " + " | ".join(headers) + " |"
    rule = "|" + "|".join("---:" if i in right else "---" for i in range(len(headers))) + "|"
    body = ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join([head, rule, *body])


def fenced(text: str | None, limit: int) -> str:
    """Untrusted text in a fence longer than any backtick run inside it, cut at ``limit``."""
    if text is None:
        return "_none_"
    shown, full = truncate(text.replace("\r\n", "\n"), limit)
    shown = printable(shown)
    longest = max((len(m) for m in re.findall(r"`+", shown)), default=0)
    fence = "`" * max(3, longest + 1)
    block = f"{fence}text\n{shown}\n{fence}"
    if full is not None:
        block += f"\n\n_… truncated: {len(shown):,} of {full:,} characters shown._"
    return block
