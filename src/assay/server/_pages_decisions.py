"""Decisions: the list (``/decisions``), one decision (``/decisions/{id}``) with the approve /
override form for approvers, and the form's target (``POST /decisions/{id}/approve``).

The sign-off is recorded through :func:`assay.workflows.approve` under the signed-in
identity's name; the form cannot name anyone else.
"""

from __future__ import annotations

from urllib.parse import quote, urlencode

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from assay.core import Decision
from assay.errors import AssayError
from assay.server._auth import check_csrf, csrf_token, require
from assay.server._error_text import client_message
from assay.server._errors import status_for
from assay.server._identity import Identity, Role
from assay.server._layout import e, page, table, url
from assay.server._pages_util import html_errors, run_link, verdict_badge
from assay.server._state import app_state
from assay.server._view_decision import DecisionView, decision_body, decision_view

__all__ = ["decisions_table", "router"]

router = APIRouter(include_in_schema=False)

LIST_LIMIT = 200
"""Most decisions listed."""
NOTE_CHARS = 4000
ROLE_CHARS = 64


def decisions_table(
    decisions: list[Decision], *, href: str = "/decisions/", run: str = "/runs/", suffix: str = ""
) -> str:
    """Decisions newest first: verdict, title, runs, when (``href``, ``run`` and ``suffix``
    make the links: absolute on the server, relative files in a static copy)."""
    rows = [
        [
            f'<a class="id" href="{e(href + d.decision_id + suffix)}">{e(d.decision_id[:12])}</a>',
            verdict_badge(d.verdict),
            e(d.title),
            f"{run_link(d.baseline_run, run, suffix)} → {run_link(d.candidate_run, run, suffix)}",
            e(f"{d.created_at:%Y-%m-%d %H:%M}"),
        ]
        for d in decisions
    ]
    return table(["Decision", "Verdict", "Title", "Runs", "Recorded"], rows, cls="decisions")


@router.get("/decisions", response_class=HTMLResponse)
@html_errors
def decisions_page(
    request: Request, identity: Identity = Depends(require(Role.viewer))
) -> HTMLResponse:
    """Recorded decisions, newest first (optionally one verdict: ``?verdict=SHIP``)."""
    verdict = (request.query_params.get("verdict") or "").upper() or None
    store = app_state(request).store
    decisions = store.decisions.list(verdict=verdict, limit=LIST_LIMIT)
    links = " · ".join(
        f'<a href="{url("/decisions", [("verdict", v)])}">{v}</a>'
        for v in ("SHIP", "BLOCK", "INCONCLUSIVE")
    )
    body = f'<p class="filters">Only: {links} · <a href="/decisions">all</a></p>' + (
        decisions_table(decisions) if decisions else '<p class="empty">No decisions yet.</p>'
    )
    return page("Decisions", body, identity=identity)


def _form(request: Request, view: DecisionView, identity: Identity) -> str:
    d = view.details.decision
    block = d.verdict.value == "BLOCK"
    choices: tuple[tuple[str, str], ...]
    if block:  # only an admin may ship against a blocking failure
        override = (("override", "Override (ships a BLOCK; reason required)"),)
        choices = (*(override if identity.can(Role.admin) else ()), ("rejected", "Reject"))
    else:
        choices = (("approved", "Approve"), ("rejected", "Reject"), ("abstained", "Abstain"))
        if d.verdict.value == "INCONCLUSIVE":
            choices += (("override", "Override (ships an INCONCLUSIVE; reason required)"),)
    options = "".join(f'<option value="{v}">{e(label)}</option>' for v, label in choices)
    return (
        f'<form class="approve" method="post" action="/decisions/{e(d.decision_id)}/approve">'
        f"<h2>Sign off as {e(identity.name)}</h2>"
        f'<input type="hidden" name="csrf_token" value="{e(csrf_token(request))}">'
        f'<label>Sign-off <select name="status">{options}</select></label>'
        f'<label>Role <input name="role" required maxlength="{ROLE_CHARS}" '
        'placeholder="safety, privacy, product, lead"></label>'
        '<label class="wide">Note (the reason; required for an override) '
        f'<textarea name="note" maxlength="{NOTE_CHARS}" rows="3"></textarea></label>'
        '<button type="submit">Record sign-off</button></form>'
    )


def _decision_response(
    request: Request, ref: str, identity: Identity, error: str = "", status: int = 200
) -> HTMLResponse:
    store = app_state(request).store
    view = decision_view(store, ref)
    d = view.details.decision
    form = _form(request, view, identity) if identity.can(Role.approver) else ""
    if error:
        form = f'<p class="error" id="sign-off-error">{e(error)}</p>' + form
    compare = "/compare?" + urlencode({"baseline": d.baseline_run, "candidate": d.candidate_run})
    body = decision_body(
        view,
        run_href=lambda run_id: f"/runs/{run_id}",
        compare_href=compare,
        form=form,
        evidence_href=lambda digest: f"/api/v1/artifacts/{digest}",
    )
    return page(d.title, body, identity=identity, status=status)


@router.get("/decisions/{decision_id}", response_class=HTMLResponse)
@html_errors
def decision_page(
    request: Request, decision_id: str, identity: Identity = Depends(require(Role.viewer))
) -> HTMLResponse:
    """One decision; approvers also see the sign-off form."""
    return _decision_response(request, decision_id, identity)


@router.post("/decisions/{decision_id}/approve", response_model=None)
@html_errors
def approve_form(
    request: Request,
    decision_id: str,
    status: str = Form(...),
    role: str = Form(...),
    note: str = Form(""),
    csrf: str = Form("", alias="csrf_token"),
    identity: Identity = Depends(require(Role.approver)),
) -> Response:
    """Record the signed-in approver's sign-off, then show the decision again."""
    from assay.workflows import approve

    check_csrf(request, csrf)
    store = app_state(request).store
    d = store.decisions.get(decision_id)
    role = role.strip()[:ROLE_CHARS]
    try:
        if not role:
            raise_config("A sign-off needs the role you sign in (safety, product, lead, ...).")
        if status == "override" and d.verdict.value == "BLOCK" and not identity.can(Role.admin):
            raise _forbidden(identity)
        approve(
            d.decision_id,
            role=role,
            name=identity.name,
            status=status,
            note=note[:NOTE_CHARS],
            store=store,
        )
    except AssayError as exc:
        return _decision_response(
            request, d.decision_id, identity, client_message(exc, request), status_for(exc)
        )
    return RedirectResponse(f"/decisions/{quote(d.decision_id)}#signoffs", status_code=303)


def _forbidden(identity: Identity) -> Exception:
    from assay.server._errors import http_error

    return http_error(
        403,
        "forbidden",
        f"{identity.name} is {identity.role.name}; overriding a BLOCK needs admin.",
    )


def raise_config(message: str) -> None:
    """Refuse a form value with one sentence."""
    from assay.errors import ConfigError

    raise ConfigError(message)
