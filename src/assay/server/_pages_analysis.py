"""A run's stored analysis (``/runs/{id}/analysis``): where it fails, or with
``?against=BASELINE`` where it loses against that baseline (the paired difference), read from
the stored artifacts: slice discoveries, the fix list, failure clusters, the suite version's
contamination result and integrity findings. Nothing is computed on a request; what is not
stored is named with the exact command that stores it."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from assay.errors import NotFoundError
from assay.server._auth import require
from assay.server._identity import Identity, Role
from assay.server._layout import e, page, pager, url
from assay.server._pages_util import html_errors, int_param, run_link
from assay.server._state import app_state
from assay.server._unsafe_text import note, reveal
from assay.server._view_analysis import (
    contamination_section,
    discovery_section,
    fix_section,
    suite_check_section,
    taxonomy_section,
)
from assay.storage import Store

__all__ = ["router"]

router = APIRouter(include_in_schema=False)

LISTED = 10
"""Stored analyses listed a page at a time under the one shown."""
MAX_SLOTS = 100_000
"""The most entries a run's analysis log holds."""


@router.get("/runs/{run_id}/analysis", response_class=HTMLResponse)
@html_errors
def analysis_page(
    request: Request, run_id: str, identity: Identity = Depends(require(Role.viewer))
) -> HTMLResponse:
    """The newest stored analysis of a run (``against``: against that baseline;
    ``artifact``: the one stored under that digest)."""
    from assay.workflows import find_analysis, latest_contamination, stored_suite_check

    store = app_state(request).store
    run = store.runs.get(run_id)
    suite = store.suites.get(run.suite_digest)
    shown = reveal(request, identity, suite)
    q = request.query_params
    against = (q.get("against") or "").strip() or None
    base = store.runs.get(against) if against else None
    artifact = (q.get("artifact") or "").strip().lower()[:64] or None
    found = find_analysis(
        run.run_id,
        against=None if base is None else base.run_id,
        artifact=artifact,
        store=store,
    )
    ref = f"{suite.name}@{suite.version}" if suite.version else suite.digest[:12]
    command = f"assay analyze {run.run_id}" + (f" --against {base.run_id}" if base else "")
    title = f"Analysis of run {run.run_id[:12]}" + (f" against {base.run_id[:12]}" if base else "")
    head = (
        f"<p>{run_link(run.run_id)} {e(run.model.name)}@{e(run.model.version)} on "
        f'<a href="/suites/{e(suite.digest)}">{e(ref)}</a>'
        + (
            f" · baseline {run_link(base.run_id)} {e(base.model.name)}@{e(base.model.version)} · "
            f'<a href="{url("/compare", [("baseline", base.run_id), ("candidate", run.run_id)])}">'
            "the comparison</a>"
            if base
            else ""
        )
        + "</p>"
        + note(shown, suite)
    )
    if found is None and artifact is not None:
        raise NotFoundError(f"run {run.run_id[:12]} has no stored analysis {artifact[:12]!r}")
    if found is None:
        what = (
            f"No analysis against baseline {base.run_id[:12]} is stored for this run"
            if base
            else "No analysis is stored for this run"
        )
        body = f'<p class="empty" id="none">{e(what)}: {_cmd(command)}</p>'
    else:
        d = found["discovery"]
        runs = " · ".join(f"{e(k)} {run_link(v)}" for k, v in d["run_ids"].items())
        taxonomy_cmd = f"assay analyze {run.run_id}" + (
            f" --against {d['run_ids']['baseline']}" if "baseline" in d["run_ids"] else ""
        )
        body = (
            f'<p class="note">Stored analysis <span class="id artifact">{e(found["artifact"][:12])}'
            f"</span> (entry {found['slot'] + 1:,} of the run's analysis log).</p>"
            + discovery_section(d, runs)
            + fix_section(found["fix_list"], hide_clusters=not shown)
            + taxonomy_section(
                found["taxonomy"], hide=not shown, command=taxonomy_cmd + " --taxonomy"
            )
        )
    contamination = latest_contamination(store, suite.digest)
    body += contamination_section(contamination, ref)
    body += suite_check_section(stored_suite_check(suite.digest, store=store), ref)
    body += _others(request, store, run.run_id, shown and suite.catalog.unsafe_text)
    return page(title, head + body, identity=identity)


def _cmd(text: str) -> str:
    return f"<code class='command'>{e(text)}</code>"


def _others(request: Request, store: Store, run_id: str, keep_shown: bool) -> str:
    """The run's stored analyses, newest first, a page of them (``offset``), each linked."""
    from assay.workflows import recent_analyses

    offset = int_param(request, "offset", 0, lo=0, hi=MAX_SLOTS)
    count, recent = recent_analyses(run_id, offset=offset, limit=LISTED, store=store)
    if count == 0:
        return ""
    items = []
    for a in recent:
        d = a["discovery"]
        params: list[tuple[str, object]] = [
            ("artifact", a["artifact"]),
            ("show_unsafe_text", "true" if keep_shown else None),
        ]
        base = d["run_ids"].get("baseline")
        items.append(
            f'<li><a class="id" href="{url(f"/runs/{run_id}/analysis", params)}">'
            f"{e(a['artifact'][:12])}</a> "
            + (f"against {e(base[:12])}" if base else "errors of this run")
            + f", {e(d['control'])}, {len(d['slices']):,} slices found of "
            f"{d['candidates']:,} tested</li>"
        )
    q = request.query_params
    keep: list[tuple[str, object]] = [
        (k, q.get(k)) for k in ("against", "artifact", "show_unsafe_text")
    ]
    nav = pager(f"/runs/{run_id}/analysis", keep, offset, LISTED, offset + LISTED < count)
    return (
        f'<section id="stored"><h2>Stored analyses of this run ({count:,})</h2>'
        f"<ul class='analyses'>{''.join(items)}</ul>{nav}</section>"
    )
