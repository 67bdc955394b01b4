"""Monitoring after release: profiles of reference and current data, drift with intervals,
quality watches with anytime-valid error budgets, and alarms that challenge a decision.

Built from :mod:`assay.stats` (the statistics) and :mod:`assay.core` (the vocabulary); what
is stored (profiles as artifacts, monitors, challenge entries in the ledger) goes through
:mod:`assay.workflows`.

* :func:`profile` builds a :class:`Profile` of a table; :func:`merge_profiles` merges shards and
  windows; :func:`profile_from_bytes` reads :meth:`Profile.to_bytes` back.
* :func:`drift` judges a window (table or profile) against a reference profile and returns a
  :class:`DriftResult` (one :class:`ColumnDrift` per column), as set by a :class:`MonitorSpec`.
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
from assay.monitor._spec import DEFAULT_MARGINS, ColumnRule, MonitorSpec, load_monitor_spec

__all__ = [
    "DEFAULT_MARGINS",
    "PROFILE_FORMAT",
    "CategoricalSummary",
    "ColumnDrift",
    "ColumnProfile",
    "ColumnRule",
    "DriftResult",
    "MissingShare",
    "MonitorSpec",
    "NumericSummary",
    "Profile",
    "drift",
    "load_monitor_spec",
    "merge_profiles",
    "profile",
    "profile_from_bytes",
]
