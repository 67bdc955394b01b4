"""The monitors' Prometheus metrics from a store, and a small exporter on loopback.

:func:`render_metrics` is what a ``/metrics`` route calls; :func:`metrics_server` serves it
with the standard library's HTTP server (``assay monitor serve-metrics``).
"""

from __future__ import annotations

from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from assay._util import check_int
from assay.errors import AssayError
from assay.monitor import render_exposition
from assay.storage import Store
from assay.workflows._monitor_watch import monitor_status
from assay.workflows._store import resolve_store

__all__ = ["METRICS_CONTENT_TYPE", "metrics_server", "render_metrics"]

METRICS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
"""The media type of the exposition text."""


def render_metrics(store: Store | None = None) -> str:
    """Every registered monitor's state as Prometheus text format 0.0.4 (read from the store
    at each call, so a scrape sees the latest look)."""
    return render_exposition(monitor_status(store=resolve_store(store)))


def metrics_server(
    store: Store | None = None, *, host: str = "127.0.0.1", port: int = 9464
) -> ThreadingHTTPServer:
    """An HTTP server (not yet serving: call ``serve_forever``) answering ``GET /metrics``
    with :func:`render_metrics`; port 0 picks a free port (read ``server_address``)."""
    check_int(port, "port", "metrics_server", minimum=0)
    st = resolve_store(store)

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            if self.path.split("?", 1)[0] != "/metrics":
                self._send(
                    404, "text/plain; charset=utf-8", "Not found: the metrics are at /metrics\n"
                )
                return
            try:
                body = render_metrics(st)
            except AssayError as exc:
                self._send(500, "text/plain; charset=utf-8", f"{type(exc).__name__}: {exc}\n")
                return
            self._send(200, METRICS_CONTENT_TYPE, body)

        def _send(self, code: int, media: str, text: str) -> None:
            data = text.encode("utf-8")
            self.send_response(code)
            self.send_header("Content-Type", media)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:
            return

    return ThreadingHTTPServer((host, port), Handler)
