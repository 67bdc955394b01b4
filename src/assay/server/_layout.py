"""The frame every dashboard page shares: head, navigation, who is signed in; small builders.

Pages are plain server-rendered HTML that a strict Content-Security-Policy allows
(``default-src 'self'``): styles come from ``/static/app.css`` and ``/static/report.css``, the
one script from ``/static/app.js``; no inline script or style attribute. Every piece of
untrusted text goes through :func:`e` (escaped, control and bidirectional characters shown as
visible symbols).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from html import escape
from urllib.parse import urlencode

from fastapi.responses import HTMLResponse

from assay.core import printable
from assay.server._identity import Identity

__all__ = ["NAV", "e", "fold", "frame", "page", "pager", "table", "url"]

NAV = (
    ("Home", "/"),
    ("Runs", "/runs"),
    ("Compare", "/compare"),
    ("Decisions", "/decisions"),
    ("Suites", "/suites"),
    ("Experiments", "/experiments"),
    ("Studies", "/studies"),
    ("Monitors", "/monitors"),
)
"""The navigation bar: label and path."""

FOLD_CHARS = 280
"""Text longer than this (or with several lines) is folded in a ``<details>`` element."""


def e(value: object) -> str:
    """``value`` as HTML text or a quoted attribute value: escaped, with control and
    bidirectional characters shown as visible symbols."""
    return escape(printable(value), quote=True)


def url(path: str, params: Iterable[tuple[str, object]] = ()) -> str:
    """``path`` with the query string of ``params`` (pairs; empty and None values dropped),
    escaped for an ``href`` attribute."""
    kept = [(k, str(v)) for k, v in params if v is not None and v != ""]
    return e(path + ("?" + urlencode(kept) if kept else ""))


def fold(text: str | None, *, chars: int = FOLD_CHARS) -> str:
    """Untrusted text as preformatted text, folded in ``<details>`` when it is long."""
    if text is None:
        return '<span class="note">none</span>'
    text = text.replace("\r\n", "\n")
    if len(text) <= chars and text.count("\n") < 4:
        return f'<pre class="untrusted">{e(text)}</pre>'
    head = text[:80].split("\n", 1)[0]
    return (
        f'<details class="fold"><summary>{e(head)} … ({len(text):,} characters)</summary>'
        f'<pre class="untrusted">{e(text)}</pre></details>'
    )


def table(
    headers: Sequence[str],
    rows: Iterable[Sequence[str]],
    *,
    numeric: Sequence[int] = (),
    cls: str = "",
    header_html: bool = False,
) -> str:
    """A table of already-escaped cells in a horizontal scroll box; ``numeric`` columns are
    right-aligned; headers are text unless ``header_html``."""
    head = "".join(f"<th>{h if header_html else e(h)}</th>" for h in headers)
    body = "".join(
        "<tr>"
        + "".join(
            f'<td class="num">{c}</td>' if i in numeric else f"<td>{c}</td>"
            for i, c in enumerate(row)
        )
        + "</tr>"
        for row in rows
    )
    klass = f' class="{e(cls)}"' if cls else ""
    return (
        f'<div class="scroll"><table{klass}><thead><tr>{head}</tr></thead>'
        f"<tbody>{body}</tbody></table></div>"
    )


def pager(
    path: str, params: Sequence[tuple[str, object]], offset: int, limit: int, more: bool
) -> str:
    """Previous / next links that keep every other query parameter."""
    links = []
    if offset > 0:
        back = [*params, ("offset", max(offset - limit, 0) or None)]
        links.append(f'<a rel="prev" href="{url(path, back)}">← previous</a>')
    if more:
        links.append(
            f'<a rel="next" href="{url(path, [*params, ("offset", offset + limit)])}">next →</a>'
        )
    return f'<nav class="pager">{" ".join(links)}</nav>' if links else ""


def _who(identity: Identity | None, root: str) -> str:
    if identity is None:
        return f'<a href="{e(root)}login">sign in</a>'
    out = f'<span class="who">{e(identity.name)} <span class="role">{e(identity.role.name)}</span></span>'
    if identity.via == "session":
        out += f' <a href="{e(root)}logout">sign out</a>'
    return out


def frame(
    title: str,
    body: str,
    *,
    who: str,
    nav: Sequence[tuple[str, str]],
    root: str = "/",
    scripts: bool = True,
) -> str:
    """A complete HTML document: ``root`` prefixes the stylesheet and script links (``/`` on
    the server, a relative path in an exported site)."""
    links = "".join(f'<a href="{e(href)}">{e(label)}</a>' for label, href in nav)
    script = f'<script src="{e(root)}static/app.js" defer></script>' if scripts else ""
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{e(title)} · assay</title>"
        f'<link rel="icon" href="{e(root)}static/favicon.svg" type="image/svg+xml">'
        f'<link rel="stylesheet" href="{e(root)}static/report.css">'
        f'<link rel="stylesheet" href="{e(root)}static/app.css">{script}</head><body>'
        f'<header class="top"><a class="brand" href="{e(nav[0][1] if nav else root)}">assay</a>'
        f'<nav class="main">{links}</nav><div class="id">{who}</div></header>'
        f"<main><h1>{e(title)}</h1>{body}</main></body></html>"
    )


def page(title: str, body: str, *, identity: Identity | None, status: int = 200) -> HTMLResponse:
    """A complete HTML page around ``body`` (already escaped HTML) titled ``title`` (text)."""
    html = frame(title, body, who=_who(identity, "/"), nav=NAV)
    return HTMLResponse(html, status_code=status)
