"""Content-addressed artifacts (decision evidence: reports, memos, policies) under
``/api/v1/artifacts``."""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response
from starlette.concurrency import run_in_threadpool

from assay.errors import NotFoundError
from assay.server._api_body import json_response, receive_body, temporary_file
from assay.server._api_models import ArtifactInfo
from assay.server._auth import require
from assay.server._errors import http_error
from assay.server._identity import Identity, Role
from assay.server._state import app_state

__all__ = ["router"]

router = APIRouter(tags=["artifacts"])

Viewer = Annotated[Identity, Depends(require(Role.viewer))]
Editor = Annotated[Identity, Depends(require(Role.editor))]

_SHA256 = re.compile(r"[0-9a-f]{64}")
_MEDIA = re.compile(r"[A-Za-z0-9!#$&^_.+-]+/[A-Za-z0-9!#$&^_.+-]+")


def _digest(digest: str) -> str:
    if not _SHA256.fullmatch(digest):
        raise NotFoundError(f"No artifact has the digest {digest[:80]!r} (a SHA-256 hex digest).")
    return digest


@router.post(
    "/artifacts",
    response_model=ArtifactInfo,
    status_code=201,
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"*/*": {"schema": {"type": "string", "format": "binary"}}},
        }
    },
)
async def put_artifact(request: Request, _: Editor) -> Response:
    """Store the body's bytes once, under their SHA-256, with the body's media type."""
    store = app_state(request).store
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    media = kind if _MEDIA.fullmatch(kind) else "application/octet-stream"
    with temporary_file() as path:
        await receive_body(request, path)
        data = path.read_bytes()
    if not data:
        raise http_error(
            422, "invalid_request", "An artifact is at least one byte; the body is empty."
        )
    digest = await run_in_threadpool(store.artifacts.put, data, media_type=media)
    return json_response(ArtifactInfo(digest=digest, media_type=media, size=len(data)), 201)


@router.get(
    "/artifacts/{digest}",
    response_class=Response,
    responses={200: {"content": {"*/*": {"schema": {"type": "string", "format": "binary"}}}}},
)
def get_artifact(request: Request, digest: str, _: Viewer) -> Response:
    """The bytes stored under ``digest``, with the media type they were stored with (served
    as a download, never rendered in the server's origin)."""
    store = app_state(request).store
    data = store.artifacts.get(_digest(digest))
    return Response(
        data,
        media_type=store.artifacts.media_type(digest),
        headers={
            "Content-Disposition": f'attachment; filename="{digest}"',
            "X-Content-Type-Options": "nosniff",
        },
    )


@router.get("/artifacts/{digest}/info", response_model=ArtifactInfo)
def artifact_info(request: Request, digest: str, _: Viewer) -> Response:
    """Whether ``digest`` is stored (404 otherwise), and its media type."""
    store = app_state(request).store
    if not store.artifacts.exists(_digest(digest)):
        raise NotFoundError(f"No artifact has the digest {digest!r}.")
    return json_response(ArtifactInfo(digest=digest, media_type=store.artifacts.media_type(digest)))
