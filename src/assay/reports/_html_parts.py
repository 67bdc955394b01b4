"""Small HTML building blocks: escaping, tables, footnote markers, interval cells."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from assay.core import Interval
from assay.reports._content import MethodIndex
from assay.reports._format import interval_text, truncate

__all__ = ["cell_interval", "e", "sup", "table", "untrusted"]


def e(value: object) -> str:
    """Escape any value for HTML text or a quoted attribute."""
    return escape(str(value), quote=True)


def sup(index: MethodIndex, method: str | None) -> str:
    """A footnote marker linking to the method in the Methods section."""
    num = index.ref(method)
    if num is None:
        return ""
    return f'<sup><a href="#method-{num}" title="{e(method)}">{num}</a></sup>'


def cell_interval(iv: Interval, index: MethodIndex, *, signed: bool = False) -> str:
    """``estimate [low, high]`` with the method's footnote marker."""
    return e(interval_text(iv, signed=signed)) + sup(index, iv.method)


def table(
    headers: Sequence[str], rows: Sequence[Sequence[str]], *, numeric: Sequence[int] = ()
) -> str:
    """A table of already-escaped cells; columns in ``numeric`` are right-aligned."""
    head = "".join(f"<th>{e(h)}</th>" for h in headers)
    body = []
    for row in rows:
        tds = "".join(
            f'<td class="num">{c}</td>' if i in numeric else f"<td>{c}</td>"
            for i, c in enumerate(row)
        )
        body.append(f"<tr>{tds}</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def untrusted(text: str | None, limit: int) -> str:
    """Model or data text, escaped and cut at ``limit`` characters with a note."""
    if text is None:
        return '<span class="note">none</span>'
    shown, full = truncate(text, limit)
    note = (
        f'<span class="note"> … truncated: {len(shown):,} of {full:,} characters shown</span>'
        if full is not None
        else ""
    )
    return f'<pre class="untrusted">{e(shown)}</pre>{note}'
