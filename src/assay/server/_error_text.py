"""What an error tells the client, and what only the server's log is told.

The store's own errors (:class:`~assay.errors.StorageError` itself, answered 503) describe
the server's side: file paths, bucket names, database addresses, driver messages. A client
gets one sentence instead that names what its request was about (the run, digest, decision
or suite of its URL) and a short reference; the server logs the whole message under that
reference (logger :data:`ERROR_LOGGER`), so an admin can find it. Every other error's message
is for the client, with any of the server's own places in it (the store's folders, the
database file's, the temporary folder where uploads are spooled, the working and home
folders) cut out all the same; so is the message of every other error the server answers
(a library's complaint about an uploaded file names the file it was spooled to).
"""

from __future__ import annotations

import logging
import os
import re
import secrets
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from assay.errors import AssayError, StorageError

__all__ = ["ERROR_LOGGER", "client_message", "without_places"]

ERROR_LOGGER = "assay.server.errors"
"""The logger that receives the detail of a store error a client was not shown."""
_HIDDEN = "[a place on the server]"
_NOUNS = {
    "runs": "run",
    "suites": "suite",
    "decisions": "decision",
    "artifacts": "artifact",
    "experiments": "experiment",
    "studies": "study",
    "monitors": "monitor",
    "comparisons": "comparison",
}
_PARTS = frozenset({"records", "notes", "tags", "approvals", "challenges", "analysis"})
_MAX_NAMED = 120
_REST_OF_PATH = r"(?=$|[/\\\s'\":,;)\]])[^\s'\":,;)\]]*"
"""After a folder: the end of its name, then the rest of the path (to a space, quote,
colon, comma, semicolon or closing bracket)."""
_log = logging.getLogger(ERROR_LOGGER)


def client_message(exc: AssayError, request: Any) -> str:
    """The message of ``exc`` that the client of ``request`` (a Starlette request) gets."""
    if _is_store_failure(exc):
        reference = secrets.token_hex(4)
        _log.error(
            "%s %s failed in the store (reference %s): %s",
            request.method,
            request.url.path,
            reference,
            exc,
        )
        verb = "read" if request.method in ("GET", "HEAD") else "write"
        return (
            f"The server's store could not {verb} {_target(request)}; the details are in "
            f"the server's log under reference {reference}."
        )
    return without_places(str(exc), request)


def _is_store_failure(exc: AssayError) -> bool:
    """A failure of the store itself, not one of its answers (not found, immutable, refused,
    ambiguous): those subclasses say what the client asked about, not where it is kept."""
    from assay.server._errors import status_for

    return isinstance(exc, StorageError) and status_for(exc) == 503


def _target(request: Any) -> str:
    """What the request's URL is about: ``run 'r1'``, ``artifact 'ab…'``, or its path."""
    params: Mapping[str, Any] = request.path_params
    parts = [p for p in request.url.path.split("/") if p]
    if parts[:2] == ["api", "v1"]:
        parts = parts[2:]
    noun = _NOUNS.get(parts[0], parts[0]) if parts else "resource"
    for key in ("ref", "run_id", "digest", "decision_id", "name"):
        value = params.get(key)
        if isinstance(value, str) and value:
            named = value if len(value) <= _MAX_NAMED else value[:_MAX_NAMED] + "…"
            what = f"{noun} {named!r}"
            if len(parts) > 2 and parts[2] in _PARTS:  # the records of run 'r1'
                what = f"the {parts[2]} of {what}"
            return what
    if request.method == "POST" and noun in ("run", "suite", "artifact"):
        return f"the uploaded {noun}"
    return f"what {request.method} {request.url.path[:_MAX_NAMED]} asked for"


def without_places(message: str, request: Any) -> str:
    """``message`` with the server's own folders, and whatever path follows them, replaced
    (longest first; a folder only where its name ends, so ``/srv/a`` leaves ``/srv/ab``)."""
    for place in _places(request):
        message = re.sub(re.escape(place) + _REST_OF_PATH, _HIDDEN, message)
    return message


def _places(request: Any) -> list[str]:
    state = getattr(request.app.state, "assay", None)
    found: set[str] = set()
    store = getattr(state, "store", None)
    artifacts = getattr(store, "artifacts", None)
    root = getattr(artifacts, "root", None)
    if root is not None:
        found.add(root.location("").rstrip("/"))
    database = getattr(store, "database_file", None)
    if database is not None:
        found.add(str(Path(database).parent))
    for where in (tempfile.gettempdir(), os.getcwd(), os.path.expanduser("~")):
        found.add(where)
    found |= {os.path.realpath(p) for p in found}
    # a bare "/" (or a one-letter folder) would cut every slash out of a message
    return sorted((p for p in found if len(p) > 2), key=len, reverse=True)
