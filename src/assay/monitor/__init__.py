"""Monitoring after release: profiles of reference and current data, drift with intervals,
quality watches with anytime-valid error budgets, and alarms that challenge a decision.

Built from :mod:`assay.stats` (the statistics) and :mod:`assay.core` (the vocabulary); what
is stored (profiles as artifacts, monitors, challenge entries in the ledger) goes through
:mod:`assay.workflows`.

* Quality watches: :class:`MonitorSpec` (YAML via :func:`load_monitor_spec`), :class:`WatchState`
  and :func:`look` (one window added to a watch's confidence sequence), :class:`MonitorStatus`.
* Without labels: :func:`cbpe_accuracy`, :func:`calibration_profile`.
* Prometheus: :func:`render_exposition`, :func:`alert_rules`, :func:`histogram_quantile_bounds`,
  the Grafana dashboard at :data:`GRAFANA_DASHBOARD`.
"""

from assay.monitor._prometheus import (
    METRICS,
    QuantileBounds,
    histogram_quantile_bounds,
    render_exposition,
)
from assay.monitor._rules import BURN_RATE_WINDOWS, GRAFANA_DASHBOARD, alert_rules, rules_yaml
from assay.monitor._watch import (
    BURN_IN,
    TUNED_FOR_N,
    WatchState,
    judge,
    look,
    normal_mixture_bounds,
)
from assay.monitor._watch_cbpe import (
    ASSUMPTIONS,
    CalibrationProfile,
    CbpeEstimate,
    calibration_error,
    calibration_profile,
    cbpe_accuracy,
    expected_correctness,
)
from assay.monitor._watch_monitor import MonitorStatus, Reference, new_watch
from assay.monitor._watch_spec import (
    MONITOR_NAME,
    MonitorSpec,
    SloSpec,
    WatchSpec,
    load_monitor_spec,
)

__all__ = [
    "ASSUMPTIONS",
    "BURN_IN",
    "BURN_RATE_WINDOWS",
    "GRAFANA_DASHBOARD",
    "METRICS",
    "MONITOR_NAME",
    "TUNED_FOR_N",
    "CalibrationProfile",
    "CbpeEstimate",
    "MonitorSpec",
    "MonitorStatus",
    "QuantileBounds",
    "Reference",
    "SloSpec",
    "WatchSpec",
    "WatchState",
    "alert_rules",
    "calibration_error",
    "calibration_profile",
    "cbpe_accuracy",
    "expected_correctness",
    "histogram_quantile_bounds",
    "judge",
    "load_monitor_spec",
    "look",
    "new_watch",
    "normal_mixture_bounds",
    "render_exposition",
    "rules_yaml",
]
