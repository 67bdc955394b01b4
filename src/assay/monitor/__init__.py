"""Monitoring after release: profiles of reference and current data, drift with intervals,
quality watches with anytime-valid error budgets, and alarms that challenge a decision.

Built from :mod:`assay.stats` (the statistics) and :mod:`assay.core` (the vocabulary); what
is stored (profiles as artifacts, monitors, challenge entries in the ledger) goes through
:mod:`assay.workflows`.

* Profiles: :func:`profile` builds a :class:`Profile` of a table; :func:`merge_profiles` merges
  shards and windows; :func:`profile_from_bytes` reads :meth:`Profile.to_bytes` back.
* Drift: :func:`drift` judges a window (table or profile) against a reference profile and
  returns a :class:`DriftResult` (one :class:`ColumnDrift` per column), as set by a
  :class:`DriftSpec` (YAML via :func:`load_drift_spec`).
* Quality watches: :class:`MonitorSpec` (YAML via :func:`load_monitor_spec`), :class:`WatchState`
  and :func:`look` (one window added to a watch's confidence sequence), :class:`MonitorStatus`.
* Without labels: :func:`cbpe_accuracy`, :func:`calibration_profile`.
* Prometheus: :func:`render_exposition`, :func:`alert_rules`, :func:`histogram_quantile_bounds`,
  the Grafana dashboard at :data:`GRAFANA_DASHBOARD`.
"""

from assay.monitor._drift import drift
from assay.monitor._drift_model import ColumnDrift, DriftResult, MissingShare
from assay.monitor._profile import profile
from assay.monitor._profile_io import merge_profiles, profile_from_bytes
from assay.monitor._profile_model import (
    PROFILE_FORMAT,
    CategoricalSummary,
    ColumnProfile,
    NumericSummary,
    Profile,
)
from assay.monitor._prometheus import (
    METRICS,
    QuantileBounds,
    histogram_quantile_bounds,
    render_exposition,
)
from assay.monitor._rules import BURN_RATE_WINDOWS, GRAFANA_DASHBOARD, alert_rules, rules_yaml
from assay.monitor._spec import DEFAULT_MARGINS, ColumnRule, DriftSpec, load_drift_spec
from assay.monitor._watch import (
    BURN_IN,
    TUNED_FOR_N,
    WatchState,
    estimate_outside,
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
    "DEFAULT_MARGINS",
    "GRAFANA_DASHBOARD",
    "METRICS",
    "MONITOR_NAME",
    "PROFILE_FORMAT",
    "TUNED_FOR_N",
    "CalibrationProfile",
    "CategoricalSummary",
    "CbpeEstimate",
    "ColumnDrift",
    "ColumnProfile",
    "ColumnRule",
    "DriftResult",
    "DriftSpec",
    "MissingShare",
    "MonitorSpec",
    "MonitorStatus",
    "NumericSummary",
    "Profile",
    "QuantileBounds",
    "Reference",
    "SloSpec",
    "WatchSpec",
    "WatchState",
    "alert_rules",
    "calibration_error",
    "calibration_profile",
    "cbpe_accuracy",
    "drift",
    "estimate_outside",
    "expected_correctness",
    "histogram_quantile_bounds",
    "judge",
    "load_drift_spec",
    "load_monitor_spec",
    "look",
    "merge_profiles",
    "new_watch",
    "normal_mixture_bounds",
    "profile",
    "profile_from_bytes",
    "render_exposition",
    "rules_yaml",
]
