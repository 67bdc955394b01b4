"""``assay monitor …``: profiles, drift, quality watches, status and the Prometheus exporter."""

from __future__ import annotations

import typer

__all__ = ["monitor_app"]

monitor_app = typer.Typer(
    help="Watch a shipped model: reference profiles, drift of current windows, quality "
    "watches with error budgets, alarms that challenge the decision, Prometheus metrics.",
    no_args_is_help=True,
)

# Profiles and drift, then quality watches, status, alert rules and the Prometheus exporter.
from assay.cli._monitor_drift import drift_command, profile_command  # noqa: E402
from assay.cli._monitor_ops import register_monitor_ops  # noqa: E402

monitor_app.command("profile")(profile_command)
monitor_app.command("drift")(drift_command)
register_monitor_ops(monitor_app)

from assay.cli._monitor_report import monitor_report_command  # noqa: E402

monitor_app.command("report")(monitor_report_command)
