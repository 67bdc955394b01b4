"""Runs under ``/api/v1/runs``: the filtered listing with cursor pagination, one run, uploads
(idempotent by content), tags and notes."""

from __future__ import annotations

import base64
import binascii
import json
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response
from starlette.concurrency import run_in_threadpool

from assay.core import Run
from assay.server._api_body import json_response, read_parquet, receive_body, temporary_file
from assay.server._api_models import (
    NoteList,
    NoteOut,
    NoteRequest,
    RunEvidence,
    RunPage,
    RunUpload,
    TagRequest,
    TagResult,
)
from assay.server._auth import require
from assay.server._errors import http_error
from assay.server._identity import Identity, Role
from assay.server._runs_cache import cached_page
from assay.server._state import app_state
from assay.storage import MetricFilter, RunNote, RunQuery
from assay.storage.wire import PARQUET, RUN_KEY, split_metadata

__all__ = ["router"]

router = APIRouter(tags=["runs"])

Viewer = Annotated[Identity, Depends(require(Role.viewer))]
Editor = Annotated[Identity, Depends(require(Role.editor))]

MAX_RUNS_PAGE = 1000
MAX_CURSOR_OFFSET = 10**9


def pairs(values: list[str], what: str) -> dict[str, str]:
    """``["k=v", ...]`` as a mapping (422 for an item without ``=``)."""
    found: dict[str, str] = {}
    for item in values:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise http_error(422, "invalid_request", f"A {what} is KEY=VALUE; got {item[:100]!r}.")
        found[key.strip()] = value.strip()
    return found


def parse_sort(sort: str) -> tuple[str, bool]:
    """``created_at``, ``-created_at``, ``metric:NAME`` or ``-metric:NAME`` (descending with
    ``-``; a bare metric name is accepted too) as the store's sort key and direction."""
    descending = sort.startswith("-")
    key = sort.lstrip("-+").strip()
    if key.startswith("metric:"):
        key = key[len("metric:") :]
    if not key:
        raise http_error(
            422, "invalid_request", f"sort is created_at or metric:NAME; got {sort!r}."
        )
    return key, descending


def _cursor_offset(cursor: str | None) -> int:
    if cursor is None:
        return 0
    bad = http_error(422, "invalid_request", "bad cursor: it is not one this server gave")
    try:
        data = json.loads(base64.urlsafe_b64decode(cursor.encode() + b"==="))
        offset = data["o"]
    except (ValueError, KeyError, TypeError, binascii.Error):
        raise bad from None
    # an int (not a bool, a float or a string) in range: a forged cursor is one error
    if type(offset) is not int or not 0 <= offset <= MAX_CURSOR_OFFSET:
        raise bad
    return offset


def _cursor(offset: int) -> str:
    return base64.urlsafe_b64encode(json.dumps({"o": offset}).encode()).decode().rstrip("=")


@router.get("/runs", response_model=RunPage)
async def list_runs(
    request: Request,
    _: Viewer,
    suite: str | None = None,
    model: str | None = None,
    tag: Annotated[list[str], Query()] = [],  # noqa: B006 - FastAPI copies defaults
    where: Annotated[list[str], Query()] = [],  # noqa: B006
    sort: str = "-created_at",
    limit: Annotated[int, Query(ge=1, le=MAX_RUNS_PAGE)] = 100,
    cursor: str | None = None,
) -> Response:
    """Runs matching every filter (as ``assay runs list``), newest first by default.

    ``tag=KEY=VALUE`` and ``where=METRIC>=X`` repeat; ``sort`` is ``created_at``,
    ``-created_at``, ``metric:NAME`` or ``-metric:NAME``. ``limit`` runs per page; a page that
    is not the last has a ``next_cursor`` to pass back as ``cursor``.
    """
    key, descending = parse_sort(sort)
    offset = _cursor_offset(cursor)
    tags = pairs(tag, "tag")
    state = app_state(request)

    def page() -> bytes:
        query = RunQuery(
            suite=suite,
            model=model,
            tags=tags,
            metric_filters=[MetricFilter.parse(w) for w in where],
            sort=key,
            descending=descending,
            limit=offset + limit + 1,
        )
        found = state.store.runs.list(query)
        more = len(found) > offset + limit
        items = found[offset : offset + limit]
        next_cursor = _cursor(offset + limit) if more else None
        return RunPage(items=items, next_cursor=next_cursor).model_dump_json().encode()

    shape = (suite, model, tuple(tag), tuple(where), sort, offset, limit)
    body = await cached_page(state, shape, page, request.scope.get("query_string"), request.scope)
    return Response(body, media_type="application/json")


_UPLOAD = {
    "requestBody": {
        "required": True,
        "content": {PARQUET: {"schema": {"type": "string", "format": "binary"}}},
    }
}


@router.post(
    "/runs",
    response_model=RunUpload,
    status_code=201,
    openapi_extra=_UPLOAD,
    responses={200: {"model": RunUpload, "description": "The same content was stored before."}},
)
async def upload_run(request: Request, _: Editor) -> Response:
    """Store a run: its records as a Parquet body whose metadata key ``assay:run`` holds the
    run's JSON; ``X-Assay-Content-SHA256`` (optional) is checked against the body. The run's
    ``content_digest`` is always computed by the server from the records.

    Idempotent by content: the same run and records uploaded again answer 200 with the stored
    run and ``created: false``, and nothing is stored twice.
    """
    store = app_state(request).store
    with temporary_file() as path:
        await receive_body(request, path)
        table = await run_in_threadpool(read_parquet, path)
    records, text = split_metadata(table, RUN_KEY)
    if text is None:
        raise http_error(
            422, "invalid_request", "The Parquet body has no 'assay:run' metadata (the run's JSON)."
        )
    # the digest is computed here from the records, never taken from the uploader: a claimed
    # digest would let one upload take the place of another run's content
    run = Run.model_validate_json(text).model_copy(update={"content_digest": ""})
    stored, created = await run_in_threadpool(store.runs.put, run, records)
    return json_response(RunUpload(run=stored, created=created), 201 if created else 200)


@router.get("/runs/{ref}", response_model=Run)
def get_run(request: Request, ref: str, _: Viewer) -> Response:
    """A run with its manifest, by id, unique id prefix or ``MODEL@VERSION`` (409 listing the
    candidates when several runs match)."""
    return json_response(app_state(request).store.runs.get(ref))


@router.post("/runs/{ref}/tags", response_model=TagResult)
def tag_run(request: Request, ref: str, body: TagRequest, _: Editor) -> Response:
    """Set tags on a run (a new value replaces the old; every change is kept)."""
    run, changes = app_state(request).store.runs.tag(ref, body.tags)
    return json_response(
        {"run": run.model_dump(mode="json"), "changes": [vars(c) for c in changes]}
    )


def _note(note: RunNote) -> dict[str, object]:
    return {**vars(note), "created_at": note.created_at.isoformat()}


@router.get("/runs/{ref}/notes", response_model=NoteList)
def run_notes(request: Request, ref: str, _: Viewer) -> Response:
    """A run's notes, oldest first."""
    notes = app_state(request).store.runs.notes(ref)
    return json_response({"items": [_note(n) for n in notes], "next_cursor": None})


@router.post("/runs/{ref}/notes", response_model=NoteOut, status_code=201)
def add_note(request: Request, ref: str, body: NoteRequest, _: Editor) -> Response:
    """Append a note to a run."""
    return json_response(_note(app_state(request).store.runs.note(ref, body.text)), 201)


@router.get("/run-evidence", response_model=RunEvidence)
def run_evidence(request: Request, baseline: str, candidate: str, _: Viewer) -> Response:
    """The digests a decision between two stored runs (full ids) commits to: their metadata,
    metric rows and record files as stored now."""
    store = app_state(request).store
    found = store.decisions.evidence(baseline, candidate, runs=store.runs)
    return json_response({"evidence": found})
