"""``assay monitor …``: profiles, drift, quality watches, status and the Prometheus exporter."""

from __future__ import annotations

import typer

__all__ = ["monitor_app"]

monitor_app = typer.Typer(
    help="Watch a shipped model: reference profiles, drift of current windows, quality "
    "watches with error budgets, alarms that challenge the decision, Prometheus metrics.",
    no_args_is_help=True,
)
