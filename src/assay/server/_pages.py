"""The dashboard's server-rendered pages: home, and the routers of every other page.

Every page reads the library directly (:mod:`assay.workflows`, the store's repositories) and
keeps all of its state in its URL, so any page can be pasted into a review thread. Static
files are served from this package's ``static`` folder by name only (no path is ever joined
from the request), plus the reports' stylesheet.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from assay.server._auth import require
from assay.server._errors import http_error
from assay.server._identity import Identity, Role
from assay.server._layout import page
from assay.server._pages_analysis import router as analysis_router
from assay.server._pages_compare import router as compare_router
from assay.server._pages_decisions import decisions_table
from assay.server._pages_decisions import router as decisions_router
from assay.server._pages_experiments import router as experiments_router
from assay.server._pages_experiments import running_section
from assay.server._pages_monitor import alarm_list
from assay.server._pages_monitor import router as monitor_router
from assay.server._pages_records import router as records_router
from assay.server._pages_runs import router as runs_router
from assay.server._pages_runs import runs_table
from assay.server._pages_studies import router as studies_router
from assay.server._pages_suites import router as suites_router
from assay.server._pages_util import html_errors
from assay.server._state import app_state

__all__ = ["STATIC", "router", "static_files"]

router = APIRouter(include_in_schema=False)
for _sub in (runs_router, records_router, compare_router, decisions_router, suites_router):
    router.include_router(_sub)
router.include_router(monitor_router)
router.include_router(experiments_router)
router.include_router(studies_router)
router.include_router(analysis_router)

STATIC = Path(__file__).parent / "static"
"""The folder of the dashboard's stylesheet and script."""
_TYPES = {
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".svg": "image/svg+xml",
}
HOME_ROWS = 10
WAITING_SCAN = 50
"""Newest decisions checked for sign-offs on the home page."""


def static_files() -> dict[str, bytes]:
    """Every file the dashboard serves under ``/static/``, by name: the files of
    :data:`STATIC` and ``report.css`` (the reports' stylesheet)."""
    from assay.reports import REPORT_CSS

    files = {p.name: p.read_bytes() for p in STATIC.iterdir() if p.is_file() and p.suffix in _TYPES}
    files["report.css"] = REPORT_CSS.encode("utf-8")
    return files


_FILES = static_files()


@router.get("/static/{name}", include_in_schema=False)
def static(name: str) -> Response:
    """A file of the static folder, looked up by its exact name (never a path)."""
    data = _FILES.get(name)
    if data is None:
        raise http_error(404, "not_found", f"no static file {name!r}")
    media = _TYPES[Path(name).suffix]
    return Response(data, media_type=media, headers={"Cache-Control": "public, max-age=300"})


@router.get("/", response_class=HTMLResponse)
@html_errors
def home(request: Request, identity: Identity = Depends(require(Role.viewer))) -> HTMLResponse:
    """Latest decisions, decisions waiting for sign-off, monitors in alarm, recent runs,
    running A/B tests."""
    from assay.storage import RunQuery

    store = app_state(request).store
    decisions = store.decisions.list(limit=WAITING_SCAN)
    waiting = [
        d
        for d in decisions
        if not any(
            a.status in ("approved", "override") for a in store.decisions.approvals(d.decision_id)
        )
    ]
    runs = store.runs.list(RunQuery(limit=HOME_ROWS))
    none = '<p class="empty">None yet.</p>'
    body = (
        '<section id="latest"><h2>Latest decisions</h2>'
        + (decisions_table(decisions[:HOME_ROWS]) if decisions else none)
        + '<p><a href="/decisions">All decisions</a></p></section>'
        '<section id="waiting"><h2>Waiting for sign-off</h2>'
        + (decisions_table(waiting[:HOME_ROWS]) if waiting else none)
        + '</section><section id="alarms"><h2>Monitors in alarm</h2>'
        + alarm_list(store)
        + '<p><a href="/monitors">All monitors</a></p></section>'
        '<section id="recent"><h2>Recent runs</h2>'
        + (runs_table(list(runs), "-created_at", []) if runs else none)
        + '<p><a href="/runs">All runs</a></p></section>'
        + running_section(request)
    )
    return page("Home", body, identity=identity)
