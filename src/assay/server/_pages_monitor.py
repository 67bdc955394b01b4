"""Monitors: every monitor with the decision it watches (``/monitors``), the stored drift
profiles by name, and one monitor's quality watches over time (``/monitors/{name}``) with the
challenges its alarms wrote to the ledger and their hashes.

The charts are :func:`assay.reports.monitor_watch_body`, the same as ``assay monitor report``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from assay._util import format_time
from assay.errors import StorageError
from assay.monitor import MonitorStatus
from assay.server._auth import require
from assay.server._identity import Identity, Role
from assay.server._layout import e, page, table
from assay.server._pages_util import html_errors
from assay.server._state import app_state
from assay.storage import Store

__all__ = ["alarm_list", "router"]

router = APIRouter(include_in_schema=False)

LIST_LIMIT = 500
"""Most monitors and profiles listed."""
HISTORY_LOOKS = 200
"""Newest looks charted on a monitor's page."""
_STATE = {"ok": "o-pass", "alarm": "o-fail", "inconclusive": "o-inconclusive"}


def _statuses(store: Store) -> list[MonitorStatus] | None:
    """Every monitor's status; ``None`` where the store keeps no monitors (no artifact
    folder)."""
    from assay.workflows import monitor_status

    try:
        return monitor_status(store=store)[:LIST_LIMIT]
    except StorageError:
        return None


def monitor_link(name: str) -> str:
    """A link to a monitor's page."""
    return f'<a class="monitor" href="/monitors/{e(name)}">{e(name)}</a>'


def decision_link(decision_id: str, anchor: str = "") -> str:
    """A link to a decision's page showing the first 12 characters of its id."""
    return f'<a class="id" href="/decisions/{e(decision_id)}{e(anchor)}">{e(decision_id[:12])}</a>'


def state_badge(state: str) -> str:
    """A watch or monitor state in its colour."""
    return f'<span class="badge {_STATE.get(state, "")}">{e(state)}</span>'


def _when(iso: str | None) -> str:
    """A stored ISO time as the command line writes times (``none yet`` without one)."""
    if not iso:
        return "none yet"
    try:
        return format_time(datetime.fromisoformat(iso))
    except ValueError:
        return iso


def _monitors_table(statuses: list[MonitorStatus]) -> str:
    rows = [
        [
            monitor_link(s.name),
            decision_link(s.decision_id),
            state_badge(s.state),
            str(s.looks),
            e(f"{s.remaining:.3g} of {s.alpha:.3g}"),
            e(_when(s.last_look_at)),
        ]
        for s in statuses
    ]
    return table(
        ["Monitor", "Decision", "State", "Looks", "Error budget left", "Last look"],
        rows,
        numeric=(3, 4),
        cls="monitors",
    )


def alarm_list(store: Store) -> str:
    """The monitors in alarm, each linked with its decision (for the home page)."""
    alarmed = [s for s in _statuses(store) or [] if s.state == "alarm"]
    if not alarmed:
        return '<p class="empty">None.</p>'
    items = "".join(
        f"<li>{monitor_link(s.name)} challenges decision "
        f"{decision_link(s.decision_id, '#ledger')}: "
        f"{e(', '.join(w.name for w in s.watches if w.state == 'alarm'))}</li>"
        for s in alarmed
    )
    return f'<ul class="alarms">{items}</ul>'


def _profiles(store: Store) -> str:
    from assay.workflows import stored_profiles

    found = stored_profiles(limit=LIST_LIMIT, store=store)
    if not found:
        return '<p class="empty">No stored profiles (<code>assay monitor profile DATA --name NAME</code>).</p>'
    rows = [
        [e(p["name"]), f'<span class="id">{e(p["digest"][:12])}</span>', str(p["versions"])]
        for p in found
    ]
    return table(["Profile", "Digest", "Versions"], rows, numeric=(2,), cls="profiles")


@router.get("/monitors", response_class=HTMLResponse)
@html_errors
def monitors_page(
    request: Request, identity: Identity = Depends(require(Role.viewer))
) -> HTMLResponse:
    """Every monitor: its decision, state, looks, remaining error budget, last look; the
    stored drift profiles by name."""
    store = app_state(request).store
    statuses = _statuses(store)
    if statuses is None:
        listing = '<p class="empty">This store keeps no monitors (its artifacts are not files).</p>'
    elif statuses:
        listing = _monitors_table(statuses)
    else:
        listing = (
            '<p class="empty">No monitors yet (<code>assay monitor watch register</code>).</p>'
        )
    body = (
        f'<section id="monitors"><h2>Quality watches</h2>{listing}</section>'
        f'<section id="profiles"><h2>Drift reference profiles</h2>{_profiles(store)}</section>'
    )
    return page("Monitors", body, identity=identity)


def _challenges(store: Store, status: MonitorStatus) -> str:
    mine = set(status.challenges)
    entries = [
        x
        for x in store.decisions.ledger()
        if x.kind == "challenge" and x.decision_id == status.decision_id
    ]
    if not entries:
        return '<p class="empty">No challenges of this decision.</p>'
    rows = []
    for x in entries:
        payload: dict[str, Any] = dict(x.payload)
        rows.append(
            [
                str(x.sequence),
                e(payload.get("monitor", "")) + ("" if x.sequence in mine else " (another)"),
                e(payload.get("watch", "")),
                e(payload.get("look", "")),
                f'<span class="hash">{e(x.entry_hash)}</span>',
                e(format_time(x.recorded_at, seconds=True)),
            ]
        )
    return table(
        ["Entry", "Monitor", "Watch", "Look", "Entry hash (SHA-256)", "Recorded"],
        rows,
        numeric=(0, 3),
        cls="ledger",
    )


@router.get("/monitors/{name}", response_class=HTMLResponse)
@html_errors
def monitor_page(
    request: Request, name: str, identity: Identity = Depends(require(Role.viewer))
) -> HTMLResponse:
    """One monitor: each watch's state, budget, threshold and confidence sequence over its
    looks; the challenges of its decision in the ledger."""
    from assay.reports import monitor_watch_body
    from assay.workflows import monitor_history, monitor_status

    store = app_state(request).store
    status = monitor_status(name, store=store)[0]
    history = monitor_history(name, limit=HISTORY_LOOKS, store=store)
    body = (
        f"<p>Watches decision {decision_link(status.decision_id)} "
        f'(its <a href="/decisions/{e(status.decision_id)}#ledger">ledger</a>).</p>'
        f"{monitor_watch_body(status, history)}"
        f'<h2 id="challenges">Challenges of the decision</h2>{_challenges(store, status)}'
    )
    return page(f"Monitor {status.name}", body, identity=identity)
