"""Pre-registered studies on the dashboard: ``/studies`` (the research roadmap: every study
with its state, owner, deadline, evidence and outcome) and ``/studies/{name}`` (one study's
plan as registered, evidence, futility and deviations). The same words as ``assay studies``
and ``assay study status``."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from assay.reports import study_effect_text, study_evidence_text
from assay.server._auth import require
from assay.server._identity import Identity, Role
from assay.server._layout import e, page, table
from assay.server._pages_util import html_errors, verdict_badge
from assay.server._state import app_state

__all__ = ["STUDIES_EMPTY", "router"]

router = APIRouter(include_in_schema=False)

STUDIES_EMPTY = (
    '<p class="empty">No study is registered yet.</p>'
    "<p>A study is pre-registered before its results exist: <code>assay study register "
    "study.yaml</code> freezes its hypothesis, primary metric, effect that matters, decision "
    "policy, sample size and kill criteria in the ledger; <code>assay study attach</code> adds "
    "runs and decisions to it.</p>"
)
_STATE = {"planned": "o-inconclusive", "running": "o-inconclusive", "decided": "o-pass"}


def _state(state: str) -> str:
    return f'<span class="{_STATE.get(state, "o-fail")}">{e(state)}</span>'


def _outcome(study: dict[str, Any]) -> str:
    outcome = str(study["outcome"])
    if outcome in ("SHIP", "BLOCK", "INCONCLUSIVE"):
        return verdict_badge(outcome)
    cls = "o-fail" if outcome == "stop" or outcome.startswith("killed") else ""
    return f'<span class="{cls}">{e(outcome)}</span>'


def _row(study: dict[str, Any]) -> list[str]:
    name = f'<a href="/studies/{e(quote(study["name"], safe=""))}">{e(study["name"])}</a>'
    if study["problems"]:
        name += ' <span class="o-fail">registration does not verify</span>'
    deadline = e(study["deadline"]) + (
        ' <span class="o-fail">overdue</span>' if study["overdue"] else ""
    )
    return [
        name,
        _state(study["state"]),
        e(study["owner"]),
        deadline,
        e(study_evidence_text(study)),
        _outcome(study),
        f"{len(study['deviations']):,}",
    ]


_HYPOTHESIS_CLASS = {
    "supported": "o-pass",
    "not supported": "o-fail",
    "not settled": "o-inconclusive",
}


def _hypothesis(study: dict[str, Any]) -> str:
    """The study's verdict on its hypothesis, as ``assay study status`` prints it: the word
    (supported, not supported, not settled) and the reason with its numbers."""
    found = study.get("hypothesis_result")
    if not found:
        return '<p id="hypothesis">Hypothesis: no evidence yet.</p>'
    word = str(found["outcome"])
    return (
        f'<p id="hypothesis">Hypothesis: <span class="{_HYPOTHESIS_CLASS.get(word, "")}">'
        f"{e(word)}</span>. {e(found['reason'])}</p>"
    )


@router.get("/studies", response_class=HTMLResponse)
@html_errors
def studies_page(
    request: Request, identity: Identity = Depends(require(Role.viewer))
) -> HTMLResponse:
    """The research roadmap: every study by deadline."""
    from assay.workflows import list_studies

    found = [study.to_dict() for study in list_studies(store=app_state(request).store)]
    headers = ["Study", "State", "Owner", "Deadline", "Evidence so far", "Outcome", "Deviations"]
    body = table(headers, [_row(study) for study in found], numeric=[6]) if found else STUDIES_EMPTY
    return page("Studies", body, identity=identity)


@router.get("/studies/{name}", response_class=HTMLResponse)
@html_errors
def study_page(
    name: str, request: Request, identity: Identity = Depends(require(Role.viewer))
) -> HTMLResponse:
    """One study: its plan as registered, evidence so far, futility and every deviation."""
    from assay.workflows import study_status

    study = study_status(name, store=app_state(request).store).to_dict()
    size = study["sample_size"]
    futility = study["futility"]
    deviations = "".join(f"<li>{e(d['message'])}</li>" for d in study["deviations"])
    facts = [
        ["State", _state(study["state"])],
        ["Owner", e(study["owner"])],
        ["Deadline", _row(study)[3]],
        ["Hypothesis", e(study["hypothesis"])],
        [
            "Primary metric",
            f"<code>{e(study['primary_metric'])}</code>, effect that matters "
            f"{e(study_effect_text(study))}",
        ],
        ["Decision rule", f"policy {e(study['policy'])}"],
        [
            "Planned n",
            f"{size['planned']:,} ({e(size['method'])})"
            + (' <span class="o-fail">underpowered</span>' if size["underpowered"] else ""),
        ],
        [
            "Registration",
            f'version {study["version"]}, digest <span class="id">{e(study["digest"])}</span>',
        ],
    ]
    body = (
        table(["", ""], facts) + '<section id="evidence"><h2>Evidence so far</h2>'
        f"<p>{e(study_evidence_text(study))}</p>"
        + (f'<p id="futility">{e(futility["message"])}</p>' if futility else "")
        + _hypothesis(study)
        + f"<p>Outcome: {_outcome(study)}</p></section>"
        '<section id="deviations"><h2>Deviations from the plan</h2>'
        + (f"<ul>{deviations}</ul>" if deviations else '<p class="empty">None.</p>')
        + "</section>"
    )
    return page(f"Study {name[:80]}", body, identity=identity)
