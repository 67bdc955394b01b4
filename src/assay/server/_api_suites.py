"""Suites under ``/api/v1/suites``: the catalog, one version, its examples, uploads."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response
from starlette.concurrency import run_in_threadpool

from assay.core import Suite
from assay.data import examples_digest
from assay.server._api_body import (
    json_response,
    parquet_response,
    read_parquet,
    receive_body,
    temporary_file,
)
from assay.server._api_models import SuiteList, SuiteUpload
from assay.server._auth import require
from assay.server._errors import http_error
from assay.server._identity import Identity, Role
from assay.server._state import app_state
from assay.server._unsafe_text import reveal
from assay.storage.wire import PARQUET, SUITE_KEY, split_metadata

__all__ = ["router"]

router = APIRouter(tags=["suites"])

Viewer = Annotated[Identity, Depends(require(Role.viewer))]
Editor = Annotated[Identity, Depends(require(Role.editor))]

_BINARY = {"schema": {"type": "string", "format": "binary"}}


@router.get("/suites", response_model=SuiteList)
def list_suites(request: Request, _: Viewer) -> Response:
    """Every stored suite version, by name and then oldest first."""
    return json_response(SuiteList(items=app_state(request).store.suites.list()))


@router.post(
    "/suites",
    response_model=SuiteUpload,
    status_code=201,
    openapi_extra={"requestBody": {"required": True, "content": {PARQUET: _BINARY}}},
    responses={200: {"model": SuiteUpload, "description": "This version was stored before."}},
)
async def upload_suite(request: Request, _: Editor) -> Response:
    """Store a suite version: its examples as a Parquet body whose metadata key
    ``assay:suite`` holds the suite's JSON. The same version again answers 200,
    ``created: false``. Examples whose digest is not the suite's ``examples_digest`` answer
    422 and nothing is stored."""
    store = app_state(request).store
    with temporary_file() as path:
        await receive_body(request, path)
        table = await run_in_threadpool(read_parquet, path)
    examples, text = split_metadata(table, SUITE_KEY)
    if text is None:
        raise http_error(
            422, "invalid_request", "The Parquet body has no 'assay:suite' metadata (the suite)."
        )
    suite = Suite.model_validate_json(text)
    actual = await run_in_threadpool(examples_digest, examples)
    if actual != suite.examples_digest:
        raise http_error(
            422,
            "invalid_request",
            f"The examples' digest is {actual[:16]}…, not the suite's examples_digest "
            f"{suite.examples_digest[:16]!r}; nothing was stored.",
        )
    created = await run_in_threadpool(store.suites.put, suite, examples)
    return json_response(SuiteUpload(suite=suite, created=created), 201 if created else 200)


@router.get("/suites/{ref}", response_model=Suite)
def get_suite(request: Request, ref: str, _: Viewer) -> Response:
    """A suite by digest, unique digest prefix, ``name`` (newest version) or
    ``name@version``."""
    return json_response(app_state(request).store.suites.get(ref))


@router.get(
    "/suites/{ref}/examples",
    response_class=Response,
    responses={200: {"content": {PARQUET: _BINARY}}},
)
def suite_examples(
    request: Request, ref: str, identity: Viewer, show_unsafe_text: bool = False
) -> Response:
    """A suite version's examples as one Parquet file. On a red-team suite (``unsafe_text``)
    every input and reference is withheld (ids, slices and clusters kept) unless
    ``show_unsafe_text`` is true and the caller is an editor or above (403 otherwise)."""
    store = app_state(request).store
    suite = store.suites.get(ref)
    shown = reveal(request, identity, suite, "reading a red-team suite's example text")
    table = store.suites.examples(suite.digest, text=shown)
    return parquet_response(table, f"{suite.name}.parquet")
