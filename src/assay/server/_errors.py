"""The one JSON error shape, and the mapping from assay's exception tree to status codes."""

from __future__ import annotations

from typing import Any

import pydantic
from fastapi import HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from assay.errors import (
    AmbiguousReferenceError,
    AssayError,
    ConfigError,
    DataError,
    GateError,
    ImmutableError,
    NotFoundError,
    StorageError,
)

__all__ = [
    "STATUS",
    "answer",
    "error_body",
    "http_error",
    "install_error_handlers",
    "too_large",
]

STATUS: dict[type[AssayError], int] = {
    NotFoundError: 404,
    ImmutableError: 409,
    AmbiguousReferenceError: 409,
    DataError: 422,
    ConfigError: 400,
    GateError: 422,
    StorageError: 503,
}


def error_body(kind: str, message: str, status: int) -> dict[str, dict[str, object]]:
    """``{"error": {"type": kind, "message": message, "status": status}}``."""
    return {"error": {"type": kind, "message": message, "status": status}}


MAX_JSON_BYTES = 1024**2
"""The largest body of a request that is not an upload (JSON, forms)."""

UPLOAD_PATHS = frozenset({"/api/v1/runs", "/api/v1/suites", "/api/v1/artifacts"})
"""The routes whose ``POST`` bodies are uploads, up to ``ServerSettings.max_upload_bytes``."""


def too_large(limit: int, upload: bool = True) -> HTTPException:
    """The 413 answer to a body over ``limit`` bytes."""
    which = "ServerSettings.max_upload_bytes" if upload else "for a request that is not an upload"
    return http_error(
        413,
        "too_large",
        f"The request body is larger than this server accepts ({limit:,} bytes, {which}).",
    )


def http_error(status: int, kind: str, message: str) -> HTTPException:
    """An exception that the handlers turn into the JSON error shape."""
    return HTTPException(status_code=status, detail=error_body(kind, message, status)["error"])


def status_for(exc: AssayError) -> int:
    """The status code of an assay error (most specific class wins)."""
    for cls in type(exc).__mro__:
        if cls in STATUS:
            return STATUS[cls]
    return 500


def install_error_handlers(app: object) -> None:
    """Make every error of ``app`` answer in the JSON error shape."""
    from fastapi import FastAPI

    assert isinstance(app, FastAPI)

    @app.exception_handler(AssayError)
    async def _assay(request: Request, exc: AssayError) -> JSONResponse:
        from assay.server._error_text import client_message

        status = status_for(exc)
        body = error_body(type(exc).__name__, client_message(exc, request), status)
        if isinstance(exc, AmbiguousReferenceError):
            body["error"]["candidates"] = list(exc.candidates)
        return JSONResponse(body, status_code=status)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        return JSONResponse(error_body("invalid_request", _describe(exc), 422), status_code=422)

    @app.exception_handler(pydantic.ValidationError)
    async def _model(request: Request, exc: pydantic.ValidationError) -> JSONResponse:
        where = "; ".join(
            f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()[:5]
        )
        return JSONResponse(error_body("invalid_request", f"Invalid body: {where}", 422), 422)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        # the traceback goes to the server's log, never into the answer
        message = "The server failed to answer this request; the failure is in its log."
        return JSONResponse(error_body("internal_error", message, 500), status_code=500)

    app.add_middleware(BodyLimit)

    from starlette.exceptions import HTTPException as StarletteHTTPException

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        from assay.server._error_text import without_places

        detail: object = exc.detail
        if not isinstance(detail, dict):
            detail = error_body("http", str(detail), exc.status_code)["error"]
        elif isinstance(detail.get("message"), str):
            detail = {**detail, "message": without_places(detail["message"], request)}
        headers = exc.headers
        if exc.status_code == 405:
            headers = {**(headers or {}), "Allow": _allowed(request)}
        return JSONResponse({"error": detail}, status_code=exc.status_code, headers=headers)


def _describe(exc: RequestValidationError) -> str:
    """The validation problems of a request in one line: where, and what was wrong."""
    parts = []
    for problem in exc.errors()[:5]:
        where = ".".join(str(p) for p in problem.get("loc", ()))
        parts.append(f"{where}: {problem.get('msg', 'invalid')}")
    more = len(exc.errors()) - 5
    return "Invalid request: " + "; ".join(parts) + (f" (and {more} more)" if more > 0 else "")


class BodyLimit:
    """Refuse request bodies over ``ServerSettings.max_upload_bytes`` (uploads) or
    :data:`MAX_JSON_BYTES` (every other request) with 413 naming the limit: at once when
    ``Content-Length`` says so, else when the streamed bytes pass it."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        upload = scope.get("method") == "POST" and scope.get("path") in UPLOAD_PATHS
        limit: int = scope["app"].state.assay.settings.max_upload_bytes
        if not upload:
            limit = min(limit, MAX_JSON_BYTES)
        for name, value in scope.get("headers", ()):
            if name == b"content-length":
                try:
                    declared = int(value)
                except ValueError:
                    declared = -1
                if declared > limit:
                    await answer(too_large(limit, upload), send)
                    return
        seen = 0

        async def limited() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    raise too_large(limit, upload)
            return message

        await self.app(scope, limited, send)


async def answer(exc: HTTPException, send: Send) -> None:
    """Send ``exc`` as the JSON error shape straight from ASGI middleware."""
    detail: Any = exc.detail
    response = JSONResponse({"error": detail}, status_code=exc.status_code, headers=exc.headers)
    await send(
        {"type": "http.response.start", "status": exc.status_code, "headers": response.raw_headers}
    )
    await send({"type": "http.response.body", "body": response.body})


def _allowed(request: Request) -> str:
    """Every method the application's OpenAPI document lists at the request's path (a path
    served by several routes, one per method, allows them all)."""
    import re

    paths = request.app.openapi().get("paths", {})
    if request.url.path in paths:  # a literal path (experiments/readout) is its own resource
        return ", ".join(sorted(m.upper() for m in paths[request.url.path]))
    methods: set[str] = set()
    for template, operations in paths.items():
        pattern = re.sub(r"\\\{[^/]+?\\\}", "[^/]+", re.escape(template))
        if re.fullmatch(pattern, request.url.path):
            methods |= {m.upper() for m in operations}
    return ", ".join(sorted(methods))
