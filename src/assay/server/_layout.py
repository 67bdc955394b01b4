"""The frame every dashboard page shares: head, navigation, who is signed in."""

from __future__ import annotations

from html import escape

from fastapi.responses import HTMLResponse

from assay.server._identity import Identity

__all__ = ["page"]


def page(title: str, body: str, *, identity: Identity | None, status: int = 200) -> HTMLResponse:
    """A complete HTML page around ``body`` (already escaped HTML) titled ``title`` (text)."""
    who = "" if identity is None else f"{escape(identity.name)} ({identity.role.name})"
    html = (
        "<!doctype html><html lang=en><head><meta charset=utf-8>"
        f"<title>{escape(title)} · assay</title></head><body>"
        f"<header><a href='/'>assay</a> <span class=who>{who}</span></header>"
        f"<main><h1>{escape(title)}</h1>{body}</main></body></html>"
    )
    return HTMLResponse(html, status_code=status)
