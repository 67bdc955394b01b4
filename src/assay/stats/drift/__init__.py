"""Drift statistics: distances with intervals, tests, multiplicity and verdicts per column.

Pure functions over counts and arrays (no tables, no I/O); :mod:`assay.monitor` builds the
counts from profiles and windows. Definitions (all documented in ``docs/monitor.md``):

* normalised Wasserstein: Wasserstein-1 distance divided by the reference standard deviation;
* PSI: reference-decile bins, natural log, proportions floored at ``1e-4``;
* Jensen-Shannon distance: base 2 (in ``[0, 1]``), on the same bins or on categories;
* KS: two-sample distance with Smirnov's asymptotic p-value (sketch rank error added);
* chi-squared: 2 x k homogeneity test for categories;
* intervals: a Poisson bootstrap over both windows' binned counts: Wasserstein +/- a quantile of
  the L1 norm of the resampled CDF-gap error, PSI and JS (from the divergence) by the
  percentile interval shifted by twice the bootstrap bias (KS: DKW bands);
* Benjamini-Hochberg across the columns of a window; verdicts judged on interval bounds.
"""

from assay.stats.drift._column import ColumnDriftStatistics, categorical_drift, numeric_drift
from assay.stats.drift._interval import (
    DriftMeasure,
    cdf_gap_interval,
    poisson_bootstrap_interval,
    poisson_resamples,
)
from assay.stats.drift._measures import PSI_FLOOR, js_distance, psi, wasserstein_binned
from assay.stats.drift._tests import (
    DriftTest,
    chi2_homogeneity,
    ks_from_points,
    ks_p_value,
    ks_p_values,
)
from assay.stats.drift._verdict import DriftVerdict, adjust_drift_pvalues, drift_verdict

__all__ = [
    "PSI_FLOOR",
    "ColumnDriftStatistics",
    "DriftMeasure",
    "DriftTest",
    "DriftVerdict",
    "adjust_drift_pvalues",
    "categorical_drift",
    "cdf_gap_interval",
    "chi2_homogeneity",
    "drift_verdict",
    "js_distance",
    "ks_from_points",
    "ks_p_value",
    "ks_p_values",
    "numeric_drift",
    "poisson_bootstrap_interval",
    "poisson_resamples",
    "psi",
    "wasserstein_binned",
]
