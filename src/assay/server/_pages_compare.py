"""The compare page (``/compare?baseline=ID&candidate=ID…``, up to 10 candidates) and the
examples of one cell of its 2×2, side by side (``/compare/examples``)."""

from __future__ import annotations

import threading
import warnings
from collections import OrderedDict
from typing import TYPE_CHECKING

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from assay.server._auth import require
from assay.server._cache import cached_comparison
from assay.server._identity import Identity, Role
from assay.server._layout import e, fold, page, pager, table, url
from assay.server._pages_util import html_errors, int_param, query_list, run_link
from assay.server._state import AppState, app_state
from assay.server._unsafe_text import hide_rows, note, reveal
from assay.server._view_compare import comparison_body, manifest_table
from assay.server._view_flips import KINDS, Kind, Paired, paired_scores, quadrants
from assay.server._view_slices import records_with

if TYPE_CHECKING:
    from assay.core import Comparison

__all__ = ["router"]

router = APIRouter(include_in_schema=False)

MAX_CANDIDATES = 10
EXAMPLES_PAGE = 20
_KEY = "paired-scores"
_SAID = "comparison-warnings"
_TEXT_COLUMNS = ["example_id", "input", "reference", "output"]
_LOCK = threading.Lock()
_LABELS = {
    "improved": "Improved",
    "regressed": "Regressed",
    "both_right": "Both right",
    "both_wrong": "Both wrong",
    "unchanged": "Unchanged",
}


def cached_pairs(state: AppState, baseline: str, candidate: str) -> list[Paired]:
    """:func:`paired_scores` of two stored runs, kept for the last few pairs."""
    key = (baseline, candidate)
    with _LOCK:
        kept = state.caches.setdefault(_KEY, OrderedDict())
        if key in kept:
            kept.move_to_end(key)
            found: list[Paired] = kept[key]
            return found
    pairs = paired_scores(state.store, baseline, candidate)
    with _LOCK:
        kept[key] = pairs
        while len(kept) > max(state.settings.comparison_cache_size, 1):
            kept.popitem(last=False)
    return pairs


def compared(state: AppState, baseline: str, candidate: str) -> tuple[Comparison, list[str]]:
    """The cached comparison, and the warnings the library gave when it was computed."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        c = cached_comparison(state, baseline, candidate)
    with _LOCK:
        said: dict[tuple[str, str], list[str]] = state.caches.setdefault(_SAID, {})
        if caught:
            if len(said) >= 256:
                said.clear()
            said[(baseline, candidate)] = [str(w.message) for w in caught][:10]
        return c, list(said.get((baseline, candidate), []))


def _picker(baseline: str, candidates: list[str]) -> str:
    cands = "".join(
        f'<label>Candidate <input name="candidate" value="{e(c)}"></label>' for c in candidates
    )
    return (
        '<form class="filters" method="get" action="/compare">'
        f'<label>Baseline <input name="baseline" value="{e(baseline)}" placeholder="run id or model@version"></label>'
        f"{cands}"
        '<label>Candidate <input name="candidate" placeholder="run id or model@version"></label>'
        '<button type="submit">Compare</button></form>'
    )


@router.get("/compare", response_class=HTMLResponse)
@html_errors
def compare_page(
    request: Request, identity: Identity = Depends(require(Role.viewer))
) -> HTMLResponse:
    """A baseline against up to 10 candidates."""
    state = app_state(request)
    store = state.store
    baseline = (request.query_params.get("baseline") or "").strip()
    candidates = query_list(request, "candidate")
    if len(candidates) > MAX_CANDIDATES:
        body = f'<p class="error">At most {MAX_CANDIDATES} candidates; got {len(candidates)}.</p>'
        return page(
            "Compare",
            _picker(baseline, candidates[:MAX_CANDIDATES]) + body,
            identity=identity,
            status=400,
        )
    if not baseline or not candidates:
        from assay.storage import RunQuery

        recent = "".join(
            f"<li>{run_link(r.run_id)} {e(r.model.name)}@{e(r.model.version)} on {e(r.suite_name)}</li>"
            for r in store.runs.list(RunQuery(limit=10))
        )
        note = (
            '<p class="note">Choose a baseline run and one or more candidates (ids, unique id '
            "prefixes or model@version).</p>"
            + (f"<h2>Recent runs</h2><ul class='recent'>{recent}</ul>" if recent else "")
        )
        return page("Compare", _picker(baseline, candidates) + note, identity=identity)
    all_fields = request.query_params.get("manifest") == "all"
    base = store.runs.get(baseline)
    keep: list[tuple[str, object]] = [
        ("baseline", baseline),
        *(("candidate", c) for c in candidates),
    ]
    switch = (
        f'<a href="{url("/compare", keep)}">differences only</a>'
        if all_fields
        else f'<a href="{url("/compare", [*keep, ("manifest", "all")])}">all fields</a>'
    )
    sections = []
    for n, ref in enumerate(candidates, 1):
        cand = store.runs.get(ref)
        c, said = compared(state, base.run_id, cand.run_id)
        cautions = "".join(f'<p class="warning">{e(m)}</p>' for m in said)
        pairs = cached_pairs(state, base.run_id, cand.run_id)

        def link(metric: str, kind: Kind, cand_id: str = cand.run_id) -> str:
            return "/compare/examples?" + _query(base.run_id, cand_id, metric, kind)

        manifest, differing = manifest_table(base, cand, only_differences=not all_fields)
        manifest_html = (
            f'<p class="note">{differing:,} fields differ; showing '
            f"{'all fields' if all_fields else 'differences only'} ({switch}).</p>{manifest}"
        )
        sections.append(
            f'<section class="candidate" id="c{n}"><h2>{e(cand.model.name)}@{e(cand.model.version)} '
            f"{run_link(cand.run_id)} vs {e(base.model.name)}@{e(base.model.version)} "
            f"{run_link(base.run_id)}</h2>{cautions}"
            + _lose_link(base.run_id, cand.run_id)
            + comparison_body(c, quadrants(pairs), manifest_html, link=link, anchor=f"c{n}")
            + "</section>"
        )
    title = f"Compare {base.model.name}@{base.model.version} with {len(candidates)} candidate" + (
        "s" if len(candidates) > 1 else ""
    )
    return page(title, _picker(baseline, candidates) + "".join(sections), identity=identity)


def _lose_link(baseline: str, candidate: str) -> str:
    """The link to the stored slice discovery on the paired difference of the two runs."""
    where = url(f"/runs/{candidate}/analysis", [("against", baseline)])
    return (
        f'<p class="actions"><a class="lose" href="{where}">Where does the candidate lose?</a> '
        '<span class="note">slices where the paired difference is worse, from the stored '
        "analysis</span></p>"
    )


def _query(baseline: str, candidate: str, metric: str, kind: str) -> str:
    from urllib.parse import urlencode

    return urlencode({"baseline": baseline, "candidate": candidate, "metric": metric, "kind": kind})


@router.get("/compare/examples", response_class=HTMLResponse)
@html_errors
def examples_page(
    request: Request, identity: Identity = Depends(require(Role.viewer))
) -> HTMLResponse:
    """The examples of one cell of the 2×2 (improved, regressed, both right, both wrong),
    baseline and candidate outputs side by side."""
    import pyarrow as pa
    import pyarrow.compute as pc

    state = app_state(request)
    store = state.store
    q = request.query_params
    base = store.runs.get(q.get("baseline", ""))
    cand = store.runs.get(q.get("candidate", ""))
    suites = [store.suites.get(r.suite_digest) for r in (base, cand)]
    unsafe = next((x for x in suites if x.catalog.unsafe_text), suites[0])
    visible = reveal(request, identity, unsafe)
    metric, kind = q.get("metric", ""), q.get("kind", "")
    pairs = {p.metric: p for p in cached_pairs(state, base.run_id, cand.run_id)}
    if metric not in pairs or kind not in KINDS:
        body = (
            f'<p class="error">Unknown metric {e(metric)} or kind {e(kind)}: metrics are '
            f"{e(', '.join(pairs))}; kinds are {e(', '.join(KINDS))}.</p>"
        )
        return page("Paired examples", body, identity=identity, status=400)
    ids = pairs[metric].examples(kind)
    offset = int_param(request, "offset", 0, lo=0, hi=max(len(ids), 0))
    shown = ids[offset : offset + EXAMPLES_PAGE]
    wanted = pa.array(shown, pa.string())
    texts: dict[tuple[str, str], dict[str, object]] = {}
    for side, run in (("b", base), ("c", cand)):
        recs = records_with(store, run.run_id, [*_TEXT_COLUMNS, metric])
        recs = recs.filter(pc.is_in(recs.column("example_id").cast(pa.string()), wanted))
        cols = [
            c
            for c in ("example_id", "input", "reference", "output", metric)
            if c in recs.column_names
        ]
        listed = recs.select(cols).to_pylist()  # only this page's examples
        for row in listed if visible else hide_rows(listed):
            texts.setdefault((side, str(row["example_id"])), row)
    rows = []
    for ex in shown:
        b, c = texts.get(("b", ex), {}), texts.get(("c", ex), {})
        rows.append(
            [
                f"<span class='id'>{e(ex)}</span>",
                fold(_str(b.get("input"))),
                fold(_str(b.get("reference"))),
                f"{fold(_str(b.get('output')))}<span class='note'>{e(metric)} {_num(b.get(metric))}</span>",
                f"{fold(_str(c.get('output')))}<span class='note'>{e(metric)} {_num(c.get(metric))}</span>",
            ]
        )
    head = (
        f"<p>{_LABELS[kind]} on {e(metric)}: <span class='total'>{len(ids):,}</span> examples. "
        f"Baseline {run_link(base.run_id)} {e(base.model.name)}@{e(base.model.version)}, candidate "
        f"{run_link(cand.run_id)} {e(cand.model.name)}@{e(cand.model.version)} · "
        f'<a href="{url("/compare", [("baseline", base.run_id), ("candidate", cand.run_id)])}">back to the comparison</a></p>'
    )
    head += note(visible, unsafe)
    params: list[tuple[str, object]] = [
        ("baseline", base.run_id),
        ("candidate", cand.run_id),
        ("metric", metric),
        ("kind", kind),
        ("show_unsafe_text", "true" if visible and unsafe.catalog.unsafe_text else None),
    ]
    grid = table(
        ["Example", "Input", "Reference", "Baseline output", "Candidate output"], rows, cls="side"
    )
    nav = pager(
        "/compare/examples", params, offset, EXAMPLES_PAGE, offset + EXAMPLES_PAGE < len(ids)
    )
    return page(f"{_LABELS[kind]} examples", head + (grid if rows else "") + nav, identity=identity)


def _str(value: object) -> str | None:
    return None if value is None else str(value)


def _num(value: object) -> str:
    return f"{value:.3g}" if isinstance(value, float) else e(value)
