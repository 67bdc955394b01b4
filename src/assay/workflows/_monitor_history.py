"""A monitor's looks read back from the store, and its watch report."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from assay.storage import Store
from assay.workflows._monitor_watch import monitor_status
from assay.workflows._slot_log import get_json as _get
from assay.workflows._store import resolve_store

__all__ = ["MAX_HISTORY", "monitor_history", "monitor_report", "write_monitor_report"]

MAX_HISTORY = 1000
"""The most looks :func:`monitor_history` reads back (the newest ones)."""


def monitor_history(
    name: str, *, limit: int = MAX_HISTORY, store: Store | None = None
) -> list[dict[str, Any]]:
    """The stored summary of each look of monitor ``name``, oldest first (at most the newest
    ``limit``): ``look``, ``at``, ``rows``, ``window`` (its artifact digest), ``data_sha256`` and
    ``watches`` (per watch: ``watch``, ``rows``, ``state``, ``estimate``, ``low``, ``high``)."""
    st = resolve_store(store)
    digest: str | None = monitor_status(name, store=st)[0].state_digest
    out: list[dict[str, Any]] = []
    while digest is not None and len(out) < max(limit, 0):
        state = _get(st, digest)
        if state.get("window"):
            window = _get(st, state["window"])
            out.append({**window, "window": state["window"], "at": state.get("at")})
        digest = state.get("previous")
    return out[::-1]


def write_monitor_report(name: str, output: str | Path, *, store: Store | None = None) -> Path:
    """Write monitor ``name``'s quality watches over time as one HTML file, atomically
    (:func:`assay.reports.monitor_watch_report_html`); return its path."""
    return Path(str(monitor_report(name, output=output, store=store)["report"]))


def monitor_report(
    name: str, *, output: str | Path | None = None, store: Store | None = None
) -> dict[str, Any]:
    """Monitor ``name``'s report as data: ``monitor`` (its status,
    :meth:`~assay.monitor.MonitorStatus.to_dict`), ``looks`` (:func:`monitor_history`) and
    ``report`` (the HTML file's path when ``output`` is given, written as
    :func:`write_monitor_report` does; else ``None``)."""
    st = resolve_store(store)
    status = monitor_status(name, store=st)[0]
    history = monitor_history(name, store=st)
    path = None
    if output is not None:
        from assay._util import atomic_write
        from assay.reports import monitor_watch_report_html

        html = monitor_watch_report_html(status, history)
        path = str(atomic_write(Path(output), html.encode("utf-8")))
    return {"monitor": status.to_dict(), "looks": history, "report": path}
