"""A run's records: one filtered page as JSON, or all of them (some columns) as Parquet."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response

from assay.server._api_body import json_response, parquet_response
from assay.server._api_models import RecordPageOut
from assay.server._api_runs import pairs
from assay.server._auth import require
from assay.server._identity import Identity, Role
from assay.server._state import app_state
from assay.server._unsafe_text import check_search, hide_rows, reveal
from assay.storage import MAX_PAGE, MetricFilter, RecordFilter
from assay.storage.wire import PARQUET

__all__ = ["router"]

router = APIRouter(tags=["runs"])

Viewer = Annotated[Identity, Depends(require(Role.viewer))]


@router.get("/runs/{ref}/records", response_model=RecordPageOut)
def record_page(
    request: Request,
    ref: str,
    identity: Viewer,
    offset: Annotated[int, Query(ge=0)] = 0,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 50,
    slice: Annotated[list[str], Query()] = [],  # noqa: B006 - the URL's name
    error: bool | None = None,
    score: str | None = None,
    q: Annotated[str | None, Query(max_length=1000)] = None,
    show_unsafe_text: bool = False,
) -> Response:
    """One page of a run's records, filtered in Arrow from its Parquet records: every
    ``slice=ATTRIBUTE=VALUE`` (repeatable), ``error=true|false``, ``score=METRIC<OP>X`` on the
    per-record score, and ``q``, a case-insensitive text in the input, reference or output.

    On a red-team suite (``unsafe_text``) the texts and error messages are withheld unless
    ``show_unsafe_text`` is true and the caller is an editor or above (403 otherwise);
    ``text_withheld`` says so. Searching such a run's text (``q``) needs an editor or above
    too (403 otherwise): the matches would tell the withheld text."""
    store = app_state(request).store
    run = store.runs.get(ref)
    suite = store.suites.get(run.suite_digest)
    shown = reveal(request, identity, suite)
    check_search(identity, suite, q)
    where = RecordFilter(
        slices=pairs(slice, "slice"),
        error=error,
        score=None if score is None else MetricFilter.parse(score),
        text=q or None,
    )
    page = store.runs.page(run.run_id, where, offset=offset, limit=limit)
    rows = page.rows if shown else hide_rows(page.rows)
    body = {"items": rows, "total": page.total, "offset": page.offset, "text_withheld": not shown}
    return json_response(body)


@router.get(
    "/runs/{ref}/records.parquet",
    response_class=Response,
    responses={200: {"content": {PARQUET: {"schema": {"type": "string", "format": "binary"}}}}},
)
def record_file(
    request: Request,
    ref: str,
    identity: Viewer,
    column: Annotated[list[str], Query()] = [],  # noqa: B006 - FastAPI copies defaults
    show_unsafe_text: bool = False,
) -> Response:
    """A run's records as stored, as one Parquet file; ``column`` (repeatable) keeps only
    those columns, in that order. A red-team suite's texts and error messages are withheld as
    in ``records``."""
    from assay.workflows import withhold_record_text

    store = app_state(request).store
    run = store.runs.get(ref)
    suite = store.suites.get(run.suite_digest)
    shown = reveal(request, identity, suite)
    table = withhold_record_text(
        store.runs.records(run.run_id, columns=column or None), suite, shown
    )
    return parquet_response(table, f"{run.run_id}.parquet")
