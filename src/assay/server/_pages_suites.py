"""The suites catalog (``/suites``, ``/suites/{ref}``)."""

from __future__ import annotations

import json

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from assay.server._auth import require
from assay.server._identity import Identity, Role
from assay.server._layout import e, fold, page, table
from assay.server._pages_util import html_errors, run_link
from assay.server._state import app_state
from assay.server._unsafe_text import hide_rows, note, reveal
from assay.server._view_analysis import suite_check_section

__all__ = ["router"]

router = APIRouter(include_in_schema=False)

EXAMPLES_SHOWN = 5
"""Examples shown on a suite's page."""


@router.get("/suites", response_class=HTMLResponse)
@html_errors
def suites_page(
    request: Request, identity: Identity = Depends(require(Role.viewer))
) -> HTMLResponse:
    """Every stored suite version, by name."""
    suites = app_state(request).store.suites.list()
    rows = [
        [
            f'<a href="/suites/{e(s.digest)}">{e(s.name)}</a>',
            e(s.version or "—"),
            f'<span class="id">{e(s.digest[:12])}</span>',
            f"{s.n_examples:,}",
            e(", ".join(m.name for m in s.metrics)),
            e(", ".join(x.name for x in s.slices)),
        ]
        for s in suites
    ]
    body = (
        table(
            ["Suite", "Version", "Digest", "Examples", "Metrics", "Slices"],
            rows,
            numeric=(3,),
            cls="suites",
        )
        if rows
        else '<p class="empty">No suites yet: <code>assay ingest</code> or <code>assay run</code> stores one.</p>'
    )
    return page("Suites", body, identity=identity)


@router.get("/suites/{ref}", response_class=HTMLResponse)
@html_errors
def suite_page(
    request: Request, ref: str, identity: Identity = Depends(require(Role.viewer))
) -> HTMLResponse:
    """One suite version: versions, catalog, metrics with scorers, slices, its stored
    integrity findings, a few examples."""
    from assay.storage import RunQuery
    from assay.workflows import stored_suite_check

    store = app_state(request).store
    suite = store.suites.get(ref)
    ref = f"{suite.name}@{suite.version}" if suite.version else suite.digest[:12]
    versions = [s for s in store.suites.list() if s.name == suite.name]
    version_rows = [
        [
            f'<a href="/suites/{e(s.digest)}">{e(s.version or "—")}</a>'
            + (" <b>(this one)</b>" if s.digest == suite.digest else ""),
            f'<span class="id">{e(s.digest[:12])}</span>',
            f"{s.n_examples:,}",
        ]
        for s in versions
    ]
    metric_rows = [
        [
            e(m.name),
            e(m.goal),
            e(m.aggregate),
            e(m.scorer or "—"),
            e(json.dumps(m.scorer_params, sort_keys=True) if m.scorer_params else ""),
            e(m.description),
        ]
        for m in suite.metrics
    ]
    slice_rows = [[e(s.name), e(s.description)] for s in suite.slices]
    cat = suite.catalog
    facts = [
        ("Digest", f'<span class="id">{e(suite.digest)}</span>'),
        ("Examples", f"{suite.n_examples:,}"),
        ("Description", e(suite.description)),
        ("Purpose", e(cat.purpose)),
        ("Coverage", e(cat.coverage)),
        ("Known limits", e("; ".join(cat.known_limits))),
        ("Owner", e(cat.owner)),
        ("Source", e(cat.source)),
    ]
    shown = reveal(request, identity, suite)
    examples = store.suites.examples(suite.digest).slice(0, EXAMPLES_SHOWN).to_pylist()
    examples = examples if shown else hide_rows(examples)
    example_rows = [
        [
            f'<span class="id">{e(x.get("example_id"))}</span>',
            fold(None if x.get("input") is None else str(x.get("input"))),
            fold(None if x.get("reference") is None else str(x.get("reference"))),
        ]
        for x in examples
    ]
    runs = store.runs.list(RunQuery(suite=suite.digest, limit=10))
    run_items = "".join(
        f"<li>{run_link(r.run_id)} {e(r.model.name)}@{e(r.model.version)}</li>" for r in runs
    )
    body = (
        table(["Field", "Value"], [[e(k), v] for k, v in facts if v], cls="facts")
        + "<h2>Versions</h2>"
        + table(["Version", "Digest", "Examples"], version_rows, numeric=(2,))
        + "<h2>Metrics</h2>"
        + table(
            ["Metric", "Goal", "Aggregate", "Scorer", "Scorer parameters", "Description"],
            metric_rows,
        )
        + "<h2>Slices</h2>"
        + (
            table(["Slice", "Description"], slice_rows)
            if slice_rows
            else '<p class="empty">No slices.</p>'
        )
        + suite_check_section(stored_suite_check(suite.digest, store=store), ref)
        + f"<h2>First {len(example_rows)} examples</h2>"
        + note(shown, suite, "Input and reference text")
        + table(["Example", "Input", "Reference"], example_rows, cls="examples")
        + "<h2>Recent runs</h2>"
        + (
            f"<ul class='recent'>{run_items}</ul>"
            if run_items
            else '<p class="empty">No runs yet.</p>'
        )
    )
    title = f"Suite {suite.name}" + (f"@{suite.version}" if suite.version else "")
    return page(title, body, identity=identity)
