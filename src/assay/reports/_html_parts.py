"""Small HTML building blocks: escaping, tables, footnote markers, interval cells."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from assay.core import UNPRINTABLE, Interval, MetricComparison, printable
from assay.reports._content import MethodIndex
from assay.reports._format import (
    Units,
    diff_text,
    interval_text,
    truncate,
    units_of,
    values_text,
)

__all__ = [
    "cell_difference",
    "cell_interval",
    "cell_values",
    "e",
    "sup",
    "table",
    "untrusted",
    "visible_document",
]


def e(value: object) -> str:
    """Escape any value for HTML text or a quoted attribute.

    Control and bidirectional characters are shown as visible symbols first
    (:func:`assay.core.printable`): they would otherwise reorder the page's text, and most of
    them are not even allowed in the XML of the inline SVG.
    """
    return escape(printable(value), quote=True)


def sup(index: MethodIndex, method: str | None) -> str:
    """A footnote marker linking to the method in the Methods section."""
    num = index.ref(method)
    if num is None:
        return ""
    return f'<sup><a href="#method-{num}" title="{e(method)}">{num}</a></sup>'


def cell_interval(iv: Interval, index: MethodIndex, *, signed: bool = False) -> str:
    """``estimate [low, high]`` with the method's footnote marker."""
    return e(interval_text(iv, signed=signed)) + sup(index, iv.method)


def cell_values(
    r: MetricComparison, which: str, index: MethodIndex, units: Units | None = None
) -> str:
    """The baseline's or candidate's value in the metric's units, with its footnote marker."""
    iv: Interval = getattr(r, which)
    return e(values_text(iv, units or units_of(r))) + sup(index, iv.method)


def cell_difference(r: MetricComparison, index: MethodIndex, units: Units | None = None) -> str:
    """The difference in points, ms or the metric's units, with its footnote marker."""
    return e(diff_text(r.difference, units or units_of(r))) + sup(index, r.difference.method)


def table(
    headers: Sequence[str],
    rows: Sequence[Sequence[str]],
    *,
    numeric: Sequence[int] = (),
    row_classes: Sequence[str] = (),
) -> str:
    """A table of already-escaped cells in its own horizontal scroll box; columns in
    ``numeric`` are right-aligned; ``row_classes`` gives rows a CSS class (by position)."""
    head = "".join(f"<th>{e(h)}</th>" for h in headers)
    body = []
    for k, row in enumerate(rows):
        cls = row_classes[k] if k < len(row_classes) else ""
        tds = "".join(
            f'<td class="num">{c}</td>' if i in numeric else f"<td>{c}</td>"
            for i, c in enumerate(row)
        )
        body.append(f'<tr class="{cls}">{tds}</tr>' if cls else f"<tr>{tds}</tr>")
    return (
        f'<div class="scroll"><table><thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(body)}</tbody></table></div>"
    )


def untrusted(text: str | None, limit: int) -> str:
    """Model or data text, escaped and cut at ``limit`` characters with a note."""
    if text is None:
        return '<span class="note">none</span>'
    shown, full = truncate(text.replace("\r\n", "\n"), limit)
    note = (
        f'<span class="note"> … truncated: {len(shown):,} of {full:,} characters shown</span>'
        if full is not None
        else ""
    )
    return f'<pre class="untrusted">{e(shown)}</pre>{note}'


def visible_document(html: str) -> str:
    """``html`` with any control or bidirectional character left in it shown, escaped.

    Every piece of untrusted text already went through :func:`e`; this pass over the finished
    page keeps a value that missed it from reordering the page or breaking the SVG's XML.
    """
    return UNPRINTABLE.sub(lambda m: m[0] if m[0] in "\t\n" else e(m[0]), html)
