"""The runs table (``/runs``: filters, sort, server-side pages) and one run (``/runs/{id}``)."""

from __future__ import annotations

import json

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from assay._util import format_time, summary
from assay.core import MetricSummary, Run, RunInfo
from assay.errors import AssayError
from assay.server._auth import require
from assay.server._error_text import client_message
from assay.server._errors import status_for
from assay.server._identity import Identity, Role
from assay.server._layout import e, fold, page, pager, table, url
from assay.server._pages_util import (
    html_errors,
    int_param,
    model_label,
    pairs,
    query_list,
    run_link,
)
from assay.server._state import app_state
from assay.server._view_slices import slice_metrics

__all__ = ["interval_text", "router", "run_body"]

router = APIRouter(include_in_schema=False)

PAGE = 50
"""Runs per page of the table."""
MAX_OFFSET = 100_000
INLINE_SLICES = 200_000
"""Runs with more records show their metrics by slice on request (``?slices=1``)."""


def interval_text(m: MetricSummary, metric: str) -> str:
    """``81.2% [79.0%, 83.3%]``: a run's metric as ``assay runs list`` writes it."""
    return e(summary(m, metric))


def _sort(text: str) -> tuple[str, bool]:
    """``-created_at`` (default), ``created_at``, ``metric:NAME`` or ``-metric:NAME``: the
    store's sort key and whether it is descending."""
    descending = text.startswith("-")
    key = text.lstrip("-").removeprefix("metric:") or "created_at"
    return key, descending


def _sort_link(path: str, params: list[tuple[str, object]], key: str, current: str) -> str:
    """A column header that sorts by ``key``, descending first, toggling when already so."""
    wanted = f"-{key}" if current != f"-{key}" else key
    arrow = " ↓" if current == f"-{key}" else " ↑" if current == key else ""
    label = "created" if key == "created_at" else key.removeprefix("metric:")
    return f'<a href="{url(path, [*params, ("sort", wanted)])}">{e(label)}{arrow}</a>'


def _filters_form(request: Request, sort: str) -> str:
    q = request.query_params

    def field(name: str, label: str, hint: str) -> str:
        value = e(q.get(name, ""))
        return (
            f'<label>{e(label)} <input name="{name}" value="{value}" placeholder="{e(hint)}">'
            "</label>"
        )

    return (
        '<form class="filters" method="get" action="/runs">'
        + field("suite", "Suite", "name or digest prefix")
        + field("model", "Model", "name or name@version")
        + field("tag", "Tag", "key=value")
        + field("where", "Metric", "accuracy>=0.8")
        + f'<input type="hidden" name="sort" value="{e(sort)}">'
        '<button type="submit">Filter</button> <a href="/runs">clear</a></form>'
    )


def runs_table(runs: list[RunInfo], sort: str, params: list[tuple[str, object]]) -> str:
    """The runs as a table with sortable created and metric columns."""
    metrics = sorted({m for r in runs for m in r.metrics})
    headers = [
        "Run",
        "Model",
        "Suite",
        _sort_link("/runs", params, "created_at", sort),
        "Records",
        "Errors",
        "Tags",
        *(_sort_link("/runs", params, f"metric:{m}", sort) for m in metrics),
    ]
    rows = []
    for r in runs:
        tags = " ".join(f'<span class="tag">{e(k)}={e(v)}</span>' for k, v in r.tags.items())
        rows.append(
            [
                run_link(r.run_id),
                model_label(r),
                f'<a href="/suites/{e(r.suite_digest)}">{e(r.suite_name)}</a>',
                e(format_time(r.created_at)),
                f"{r.n_records:,}",
                f"{r.n_errors:,}",
                tags,
                *(interval_text(r.metrics[m], m) if m in r.metrics else "—" for m in metrics),
            ]
        )
    numeric = (4, 5, *range(7, 7 + len(metrics)))
    return table(
        [h if h.startswith("<a") else e(h) for h in headers],
        rows,
        numeric=numeric,
        cls="runs",
        header_html=True,
    )


@router.get("/runs", response_class=HTMLResponse)
@html_errors
def runs_page(request: Request, identity: Identity = Depends(require(Role.viewer))) -> HTMLResponse:
    """Runs matching the filters (as ``assay runs list``), a page at a time."""
    from assay.workflows import list_runs

    q = request.query_params
    sort = q.get("sort", "-created_at") or "-created_at"
    key, descending = _sort(sort)
    offset = int_param(request, "offset", 0, lo=0, hi=MAX_OFFSET)
    tags = pairs(request, "tag")
    params: list[tuple[str, object]] = [
        ("suite", q.get("suite")),
        ("model", q.get("model")),
        *(("tag", t) for t in query_list(request, "tag")),
        *(("where", w) for w in query_list(request, "where")),
    ]
    form = _filters_form(request, sort)
    try:
        runs = list_runs(
            store=app_state(request).store,
            suite=q.get("suite") or None,
            model=q.get("model") or None,
            tags=tags,
            where=query_list(request, "where"),
            sort=key,
            descending=descending,
            limit=offset + PAGE + 1,
        )
    except AssayError as exc:
        return page(
            "Runs",
            form + f'<p class="error">{e(client_message(exc, request))}</p>',
            identity=identity,
            status=status_for(exc),
        )
    shown = runs[offset : offset + PAGE]
    more = len(runs) > offset + PAGE
    keep = [*params, ("sort", sort if sort != "-created_at" else None)]
    if not shown:
        body = '<p class="empty">No runs match.</p>' if offset == 0 else ""
    else:
        body = (
            f'<p class="count">Runs {offset + 1:,}–{offset + len(shown):,}'
            f"{' of more' if more else ''}.</p>" + runs_table(shown, sort, params)
        )
    return page("Runs", form + body + pager("/runs", keep, offset, PAGE, more), identity=identity)


def _flat(value: object, prefix: str = "") -> list[tuple[str, object]]:
    if isinstance(value, dict):
        out: list[tuple[str, object]] = []
        for k, v in value.items():
            out += _flat(v, f"{prefix}.{k}" if prefix else str(k))
        return out
    return [(prefix, value)]


def run_body(run: Run, notes: list[tuple[str, str]], slices_html: str, *, links: bool) -> str:
    """A run's summary, metrics, slices, notes and manifest (``links``: to the records
    browser and the compare page, which a static copy lacks)."""
    facts = [
        ("Run", e(run.run_id)),
        ("Model", model_label(run)),
        ("Suite", f"{e(run.suite_name)} <span class='id'>{e(run.suite_digest[:12])}</span>"),
        ("Created", e(f"{format_time(run.created_at, seconds=True)} UTC")),
        ("Records", f"{run.n_records:,} ({run.n_examples:,} examples, {run.n_errors:,} errors)"),
        ("Content digest", f"<span class='id'>{e(run.content_digest)}</span>"),
        ("Tags", " ".join(f'<span class="tag">{e(k)}={e(v)}</span>' for k, v in run.tags.items())),
        ("Params", ", ".join(f"{e(k)}={e(v)}" for k, v in run.params.items())),
    ]
    metric_rows = [
        [e(name), interval_text(m, name), e(m.method), f"{m.n:,}", f"{m.n_missing:,}"]
        for name, m in run.metrics.items()
    ]
    notes_html = (
        "".join(f"<li><span class='note'>{e(at)}</span> {fold(text)}</li>" for at, text in notes)
        if notes
        else "<li class='empty'>No notes.</li>"
    )
    manifest = json.dumps(run.manifest.model_dump(mode="json"), indent=1, sort_keys=True)
    actions = (
        f'<p class="actions"><a href="/runs/{e(run.run_id)}/records">Browse records</a> · '
        f'<a class="analysis" href="/runs/{e(run.run_id)}/analysis">Where it fails '
        "(analysis)</a> · "
        f'<a href="{url("/compare", [("baseline", run.run_id)])}">Compare with…</a></p>'
        if links
        else ""
    )
    return (
        actions
        + table(["Field", "Value"], [[e(k), v] for k, v in facts], cls="facts")
        + "<h2>Metrics</h2>"
        + table(
            ["Metric", "Estimate [interval]", "Method", "n", "Missing"],
            metric_rows,
            numeric=(1, 3, 4),
        )
        + slices_html
        + f"<h2>Notes</h2><ul class='notes'>{notes_html}</ul>"
        + "<h2>Manifest</h2><details class='manifest'><summary>"
        + f"{len(_flat(run.manifest.model_dump(mode='json'))):,} fields</summary>"
        + f'<pre class="untrusted">{e(manifest)}</pre></details>'
    )


@router.get("/runs/{run_id}", response_class=HTMLResponse)
@html_errors
def run_page(
    request: Request, run_id: str, identity: Identity = Depends(require(Role.viewer))
) -> HTMLResponse:
    """One run: manifest, metrics with intervals (overall and by slice), notes and tags."""
    state = app_state(request)
    run = state.store.runs.get(run_id)
    notes = [(format_time(n.created_at), n.text) for n in state.store.runs.notes(run.run_id)]
    wanted = run.n_records <= INLINE_SLICES or request.query_params.get("slices") == "1"
    slices = slice_metrics(state, run, compute=wanted)
    if slices is None:
        slices = (
            '<h2 id="slices">Metrics by slice</h2><p class="note">This run has '
            f"{run.n_records:,} records: its metrics by slice are computed on request "
            f'(a few seconds, then kept). <a href="/runs/{e(run.run_id)}?slices=1#slices">'
            "Compute metrics by slice</a></p>"
        )
    body = run_body(run, notes, slices, links=True)
    return page(f"Run {run.run_id[:12]}", body, identity=identity)
