"""What every dashboard route shares: errors shown as pages, the caller's identity, run links."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, ParamSpec

from fastapi import Request
from fastapi.responses import Response

from assay.core import RunInfo
from assay.errors import AssayError
from assay.server._auth import identify
from assay.server._error_text import client_message
from assay.server._errors import status_for
from assay.server._layout import e, page

__all__ = [
    "flag",
    "html_errors",
    "int_param",
    "model_label",
    "pairs",
    "query_list",
    "run_link",
    "verdict_badge",
]

P = ParamSpec("P")


def html_errors(handler: Callable[P, Response]) -> Callable[P, Response]:
    """Show an assay error (unknown id, bad filter) as a page with its status code, not as
    JSON: the handler's first argument is the request."""

    @functools.wraps(handler)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> Response:
        try:
            return handler(*args, **kwargs)
        except AssayError as exc:
            request = kwargs.get("request")
            if not isinstance(request, Request):
                raise
            status = status_for(exc)
            title = "Not found" if status == 404 else "Cannot show this page"
            body = (
                f'<p class="error">{e(client_message(exc, request))}</p><p><a href="/">Home</a></p>'
            )
            return page(title, body, identity=identify(request), status=status)

    return wrapper


def model_label(run: RunInfo) -> str:
    """``name@version`` of the run's model, escaped."""
    return e(f"{run.model.name}@{run.model.version}")


def run_link(run_id: str, prefix: str = "/runs/", suffix: str = "") -> str:
    """A link to a run's page showing the first 12 characters of its id."""
    return f'<a class="id" href="{e(prefix + run_id + suffix)}">{e(run_id[:12])}</a>'


def verdict_badge(verdict: object) -> str:
    """The verdict word in its colour."""
    word = str(getattr(verdict, "value", verdict))
    return f'<span class="badge v-{e(word)}">{e(word)}</span>'


def query_list(request: Request, name: str) -> list[str]:
    """Every non-empty value of a repeated query parameter."""
    return [v.strip() for v in request.query_params.getlist(name) if v.strip()]


def int_param(request: Request, name: str, default: int, *, lo: int, hi: int) -> int:
    """An integer query parameter clamped to ``[lo, hi]`` (default when missing or not a
    number)."""
    raw: Any = request.query_params.get(name)
    try:
        value = int(raw) if raw not in (None, "") else default
    except ValueError:
        value = default
    return min(max(value, lo), hi)


def pairs(request: Request, name: str) -> dict[str, str]:
    """A repeated ``key=value`` query parameter as a mapping; refuses a value without ``=``."""
    from assay.errors import ConfigError

    out = {}
    for item in query_list(request, name):
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise ConfigError(
                f"The {name!r} filter is KEY=VALUE, e.g. {name}=lang=de. Got {item!r}."
            )
        out[key.strip()] = value.strip()
    return out


def flag(request: Request, name: str) -> bool | None:
    """A ``true`` / ``false`` query parameter (None when missing or empty)."""
    from assay.errors import ConfigError

    raw = (request.query_params.get(name) or "").strip().lower()
    if raw in ("", "any"):
        return None
    if raw not in ("true", "false"):
        raise ConfigError(f"The {name!r} filter is true or false. Got {raw!r}.")
    return raw == "true"
