"""A/B experiments on the dashboard: ``/experiments`` (every stored experiment with its status
and newest readout), ``/experiments/{name}`` (the plan as registered and the readouts over
time), and the home page's running A/B tests."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from assay.server._auth import require
from assay.server._identity import Identity, Role
from assay.server._layout import e, page, table
from assay.server._pages_util import html_errors, verdict_badge
from assay.server._state import app_state
from assay.server._view_experiment import lift_svg, lift_text, pct, users_text

__all__ = ["EXPERIMENTS_EMPTY", "router", "running_section"]

router = APIRouter(include_in_schema=False)

EXPERIMENTS_EMPTY = (
    '<p class="empty">No A/B experiments are stored yet.</p>'
    "<p>Online experiments are designed and read out with the command line: "
    "<code>assay ab design</code> sizes an experiment before launch, "
    "<code>assay ab plan</code> pre-registers its metrics and stopping rule, and "
    "<code>assay ab readout --plan PLAN --record</code> reads the per-user results out "
    "against that plan and stores the plan and the readout. Recorded experiments appear "
    "here.</p>"
)
HOME_ROWS = 10


def _link(name: str) -> str:
    from urllib.parse import quote

    return f'<a href="{e("/experiments/" + quote(name, safe=""))}">{e(name)}</a>'


def _lifts(readout: dict[str, Any] | None) -> str:
    arms = (readout or {}).get("arms") or []
    if not arms:
        return "—"
    if len(arms) == 1:
        return e(lift_text(arms[0]))
    return "<br>".join(f"{e(a['treatment'])} {e(lift_text(a))}" for a in arms)


def _verdict(readout: dict[str, Any] | None) -> str:
    word = (readout or {}).get("verdict")
    return verdict_badge(word) if word else '<span class="note">none</span>'


def experiments_table(found: Sequence[Any]) -> str:
    """A row per stored experiment: name, status, readouts, newest lift with its interval,
    verdict and users per arm."""
    rows = [
        [
            _link(x.name),
            e(x.status),
            f"{x.readouts:,}",
            e(str((x.last_readout or {}).get("recorded_at", "—"))[:16]),
            _lifts(x.last_readout),
            _verdict(x.last_readout),
            e(users_text(x.last_readout or {}) or "—"),
        ]
        for x in found
    ]
    headers = ["Experiment", "Status", "Readouts", "Last readout", "Lift", "Verdict", "Users"]
    return table(headers, rows, numeric=[2, 4])


def running_section(request: Request) -> str:
    """The home page's section: running A/B tests (readouts, no final verdict yet)."""
    from assay.workflows import list_experiments

    running = [x for x in list_experiments(store=app_state(request).store) if x.status == "running"]
    shown = (
        experiments_table(running[:HOME_ROWS]) if running else '<p class="empty">None running.</p>'
    )
    return (
        f'<section id="experiments"><h2>Running A/B tests</h2>{shown}'
        '<p><a href="/experiments">All A/B experiments</a></p></section>'
    )


@router.get("/experiments", response_class=HTMLResponse)
@html_errors
def experiments_page(
    request: Request, identity: Identity = Depends(require(Role.viewer))
) -> HTMLResponse:
    """Every stored A/B experiment: status, newest lift with its interval, verdict, users."""
    from assay.workflows import list_experiments

    found = list_experiments(store=app_state(request).store)
    body = experiments_table(found) if found else EXPERIMENTS_EMPTY
    return page("Experiments", body, identity=identity)


def _history_table(history: Sequence[dict[str, Any]]) -> str:
    rows = []
    for i, h in enumerate(history):
        srm = h.get("srm") or {}
        srm_text = f"p={srm.get('p_value', float('nan')):.3g}" + (
            " mismatch" if srm.get("mismatch") else " ok"
        )
        for arm in h.get("arms") or [{}]:
            rows.append(
                [
                    f"{i + 1}",
                    e(str(h.get("recorded_at", ""))[:19]),
                    e(users_text(h)),
                    e(arm.get("treatment", "—")),
                    e(lift_text(arm)) if arm else "—",
                    e(f"{arm['p_value']:.3g}") if arm.get("p_value") is not None else "—",
                    verdict_badge(arm["verdict"]) if arm.get("verdict") else "—",
                    e(srm_text),
                    e(h.get("method", "")),
                    f'<span class="id">{e(h.get("digest", "")[:12])}</span>',
                ]
            )
    headers = ["#", "Recorded", "Users", "Treatment", "Lift", "p", "Verdict", "SRM", "Method"]
    return table([*headers, "Digest"], rows, numeric=[0, 4, 5])


@router.get("/experiments/{name:path}", response_class=HTMLResponse)
@html_errors
def experiment_page(
    name: str, request: Request, identity: Identity = Depends(require(Role.viewer))
) -> HTMLResponse:
    """One experiment: the plan as registered (with its digest), and its readouts over time
    as a chart of the cumulative lift with its interval and as a table."""
    import yaml

    from assay.workflows import get_experiment

    found = get_experiment(name, store=app_state(request).store)
    history = found["history"]
    plan_text = yaml.safe_dump(found["plan"], sort_keys=False, allow_unicode=True)
    metric = (history[-1].get("metric") if history else None) or found["plan"]["primary_metric"]
    confidence = (history[-1].get("arms") or [{}])[0].get("confidence") if history else None
    level = "" if confidence is None else f" ({pct(confidence, signed=False)} interval)"
    readouts = (
        f"<p>Relative lift of <code>{e(metric)}</code>{e(level)} at each readout; a "
        "readout counts every user so far.</p>"
        f'<div class="chart">{lift_svg(history)}</div>{_history_table(history)}'
        if history
        else '<p class="empty">No readout is recorded yet.</p>'
    )
    body = (
        f"<p>Status: <strong>{e(found['status'])}</strong> · {found['readouts']:,} "
        f"readout{'s' if found['readouts'] != 1 else ''}</p>"
        f'<section id="readouts"><h2>Readouts over time</h2>{readouts}</section>'
        '<section id="plan"><h2>Plan as registered</h2>'
        f'<p>Digest <span class="id">{e(found["plan_digest"])}</span> (frozen: a different '
        "plan cannot be registered under this name).</p>"
        f'<pre class="untrusted">{e(plan_text)}</pre></section>'
    )
    return page(f"Experiment {name[:80]}", body, identity=identity)
