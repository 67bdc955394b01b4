"""The records browser of one run (``/runs/{id}/records``): a page of records at a time,
filtered by slice, error, score and text in Arrow (only the page's rows are rendered)."""

from __future__ import annotations

import math
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from assay.errors import AssayError
from assay.server._auth import require
from assay.server._error_text import client_message
from assay.server._errors import status_for
from assay.server._identity import Identity, Role
from assay.server._layout import e, fold, page, pager, table
from assay.server._pages_util import flag, html_errors, int_param, pairs, run_link
from assay.server._state import app_state
from assay.server._unsafe_text import hide_rows, note, reveal, search_refusal
from assay.storage import MetricFilter

__all__ = ["record_rows", "router"]

router = APIRouter(include_in_schema=False)

PAGE = 25
"""Records per page unless ``limit`` says otherwise (at most :data:`MAX_LIMIT`)."""
MAX_LIMIT = 200
_FIXED = ("example_id", "sample_index", "cluster", "input", "reference", "output", "error")
_OPERATIONAL = ("latency_ms", "tokens_in", "tokens_out", "cost")


def _score(value: Any) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    return f"{value:.3g}" if isinstance(value, float) else e(value)


def record_rows(rows: list[dict[str, Any]], metrics: list[str], slices: list[str]) -> str:
    """Records as a table: ids, slices, input, reference and output (escaped, long ones
    folded), error and scores."""
    headers = ["Example", *slices, "Input", "Reference", "Output", "Error", *metrics]
    body = []
    for r in rows:
        sample = r.get("sample_index") or 0
        ident = e(r.get("example_id")) + (f" <span class='note'>#{sample}</span>" if sample else "")
        body.append(
            [
                f"<span class='id'>{ident}</span>",
                *(e(r.get(s)) for s in slices),
                fold(_text(r.get("input"))),
                fold(_text(r.get("reference"))),
                fold(_text(r.get("output"))),
                fold(r.get("error")) if r.get("error") else "",
                *(_score(r.get(m)) for m in metrics),
            ]
        )
    first = 1 + len(slices) + 4
    return table(headers, body, numeric=tuple(range(first, first + len(metrics))), cls="records")


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


@router.get("/runs/{run_id}/records", response_class=HTMLResponse)
@html_errors
def records_page(
    request: Request, run_id: str, identity: Identity = Depends(require(Role.viewer))
) -> HTMLResponse:
    """One page of a run's records with the filters of the query string."""
    from assay.storage import RecordFilter

    state = app_state(request)
    store = state.store
    run = store.runs.get(run_id)
    suite = store.suites.get(run.suite_digest)
    shown = reveal(request, identity, suite)
    q = request.query_params
    offset = int_param(request, "offset", 0, lo=0, hi=max(run.n_records, 0))
    limit = int_param(request, "limit", PAGE, lo=1, hi=MAX_LIMIT)
    slices = [s.name for s in suite.slices]
    metrics = [m.name for m in suite.metrics]
    chosen = pairs(request, "slice")
    error = flag(request, "error")
    text = (q.get("q") or "").strip()[:500] or None
    params: list[tuple[str, object]] = [
        *(("slice", f"{k}={v}") for k, v in chosen.items()),
        ("error", q.get("error") if error is not None else None),
        ("score", q.get("score")),
        ("q", text),
        ("limit", limit if limit != PAGE else None),
        ("show_unsafe_text", "true" if shown and suite.catalog.unsafe_text else None),
    ]
    refusal = search_refusal(identity, suite)
    form = _form(request, run.run_id, slices, chosen, metrics, searchable=not refusal)
    if shown and suite.catalog.unsafe_text:  # filtering keeps the text shown
        keep = '<input type="hidden" name="show_unsafe_text" value="true">'
        form = form.replace('<button type="submit">', keep + '<button type="submit">', 1)
    title = f"Records of run {run.run_id[:12]}"
    head = f"<p>{run_link(run.run_id)} · {e(run.model.name)}@{e(run.model.version)}</p>"
    head += note(shown, suite)
    if text and refusal:  # which records match would tell the withheld text
        body = head + form + f'<p class="error">Refused: {e(refusal)}.</p>'
        return page(title, body, identity=identity, status=403)
    try:
        score = MetricFilter.parse(q["score"]) if q.get("score") else None
        _check_names(chosen, score, slices, metrics)
        found = store.runs.page(
            run.run_id,
            RecordFilter(slices=chosen, error=error, score=score, text=text),
            offset=offset,
            limit=limit,
        )
    except AssayError as exc:
        return page(
            title,
            head + form + f'<p class="error">{e(client_message(exc, request))}</p>',
            identity=identity,
            status=status_for(exc),
        )
    more = found.offset + len(found.rows) < found.total
    count = (
        f'<p class="count">Records {found.offset + 1:,}–{found.offset + len(found.rows):,} of '
        f"<span class='total'>{found.total:,}</span> matching ({run.n_records:,} in the run).</p>"
        if found.rows
        else f'<p class="empty">No records match (<span class="total">{found.total:,}</span>).</p>'
    )
    metric_cols = [m for m in metrics if m not in _FIXED]
    listed = found.rows if shown else hide_rows(found.rows)
    rows = record_rows(listed, metric_cols, slices) if found.rows else ""
    nav = pager(f"/runs/{run.run_id}/records", params, offset, limit, more)
    return page(title, head + form + count + rows + nav, identity=identity)


def _check_names(
    chosen: dict[str, str], score: MetricFilter | None, slices: list[str], metrics: list[str]
) -> None:
    """Refuse a slice or metric the suite does not declare (naming the ones it does)."""
    from assay.errors import ConfigError

    for name in chosen:
        if name not in slices:
            raise ConfigError(
                f"The suite has no slice {name!r}; its slices: {', '.join(slices) or 'none'}."
            )
    if score is not None and score.metric not in metrics:
        raise ConfigError(
            f"The suite has no metric {score.metric!r}; its metrics: {', '.join(metrics)}."
        )


def _form(
    request: Request,
    run_id: str,
    slices: list[str],
    chosen: dict[str, str],
    metrics: list[str],
    *,
    searchable: bool,
) -> str:
    q = request.query_params
    search = (
        f'<label>Search <input name="q" value="{e(q.get("q", ""))}" placeholder="text in input, reference or output"></label>'
        if searchable
        else "<span class='note'>Text search: editors and above (red-team suite)</span> "
    )
    slice_fields = "".join(
        f'<label>{e(s)} <input name="slice" value="{e(s + "=" + chosen[s]) if s in chosen else ""}" '
        f'placeholder="{e(s)}=value"></label>'
        for s in slices
    )
    err = q.get("error", "")
    options = "".join(
        f'<option value="{v}"{" selected" if err == v else ""}>{label}</option>'
        for v, label in (("", "any"), ("true", "errors only"), ("false", "no errors"))
    )
    hint = f"{metrics[0]}<1" if metrics else "metric<1"
    return (
        f'<form class="filters" method="get" action="/runs/{e(run_id)}/records">'
        f"{search}{slice_fields}"
        f'<label>Error <select name="error">{options}</select></label>'
        f'<label>Score <input name="score" value="{e(q.get("score", ""))}" placeholder="{e(hint)}"></label>'
        '<button type="submit">Filter</button>'
        f' <a href="/runs/{e(run_id)}/records">clear</a></form>'
    )
