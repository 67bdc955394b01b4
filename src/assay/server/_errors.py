"""The one JSON error shape, and the mapping from assay's exception tree to status codes."""

from __future__ import annotations

from fastapi import HTTPException, Request
from fastapi.responses import JSONResponse

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

__all__ = ["STATUS", "error_body", "http_error", "install_error_handlers"]

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
        status = status_for(exc)
        return JSONResponse(error_body(type(exc).__name__, str(exc), status), status_code=status)

    from starlette.exceptions import HTTPException as StarletteHTTPException

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        detail: object = exc.detail
        if not isinstance(detail, dict):
            detail = error_body("http", str(detail), exc.status_code)["error"]
        return JSONResponse({"error": detail}, status_code=exc.status_code, headers=exc.headers)
