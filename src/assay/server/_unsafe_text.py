"""Red-team text on the server: record texts of a suite marked ``unsafe_text`` are withheld
unless the request asks ``show_unsafe_text=true`` and its caller is an editor or above.

Viewers read every id, slice and score of such a run, never its prompts, answers or error
messages; asking to see them as a viewer is refused (403) rather than silently ignored. So is
a viewer's text search (``q``) of such a run: which records match a searched word would tell
the withheld text word by word, so only a caller who may reveal the text may search it.
"""

from __future__ import annotations

from typing import Any

from fastapi import Request

from assay.core import WITHHELD, WITHHELD_COLUMNS, Suite
from assay.server._errors import http_error
from assay.server._identity import Identity, Role

__all__ = ["REVEAL_ROLE", "check_search", "hide_rows", "note", "reveal", "search_refusal"]

REVEAL_ROLE = Role.editor
"""The lowest role that may ask to see a red-team suite's text."""


def reveal(
    request: Request,
    identity: Identity,
    suite: Suite,
    what: str = "showing a red-team suite's text",
) -> bool:
    """Whether to show ``suite``'s example or record texts: only when it is not unsafe, or
    when the query says ``show_unsafe_text=true`` and ``identity`` holds :data:`REVEAL_ROLE`
    (403 naming ``what`` and the role needed when it does not)."""
    raw = (request.query_params.get("show_unsafe_text") or "").strip().lower()
    if raw not in ("", "true", "false", "1", "0"):
        raise http_error(400, "invalid_request", "show_unsafe_text is true or false")
    asked = raw in ("true", "1")
    if not suite.catalog.unsafe_text:
        return True
    if asked and not identity.can(REVEAL_ROLE):
        raise http_error(
            403,
            "forbidden",
            f"{identity.name} is {identity.role.name}; {what} needs {REVEAL_ROLE.name} or above",
        )
    return asked


def search_refusal(identity: Identity, suite: Suite) -> str:
    """Why ``identity`` may not search ``suite``'s record text (empty when it may)."""
    if not suite.catalog.unsafe_text or identity.can(REVEAL_ROLE):
        return ""
    return (
        f"{identity.name} is {identity.role.name}; searching a red-team suite's text (q) needs "
        f"{REVEAL_ROLE.name}, since the matches would tell the withheld text"
    )


def check_search(identity: Identity, suite: Suite, text: str | None) -> None:
    """Refuse (403) a text search of ``suite``'s records by a caller who may not reveal them."""
    why = search_refusal(identity, suite) if text else ""
    if why:
        raise http_error(403, "forbidden", why)


def hide_rows(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """``rows`` (examples or records as mappings) with their input, reference, output and
    error withheld."""

    return [
        {k: WITHHELD if k in WITHHELD_COLUMNS and v is not None else v for k, v in r.items()}
        for r in rows
    ]


def note(shown: bool, suite: Suite, texts: str = "Input, output and error text") -> str:
    """The page's line saying the ``texts`` are withheld (empty when nothing is)."""
    if shown or not suite.catalog.unsafe_text:
        return ""
    return (
        f"<p class='note withheld'>{texts} withheld (red-team suite; "
        f"add show_unsafe_text=true to the address to show, {REVEAL_ROLE.name}s and above).</p>"
    )
