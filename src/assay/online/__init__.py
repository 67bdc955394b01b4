"""Online experiments: A/B design, readout and interleaving.

The statistics live in :mod:`assay.stats` (``ab_lift``, ``ab_sample_size``, ...); this package
reads the data (sufficient-statistics tables or unit-level rows, CSV or Parquet), aggregates it
efficiently, and assembles a complete readout with its checks.

Unit-level rows have one row per randomised unit: an ``arm`` column, optionally a ``unit`` id
(checked to be unique), metric columns, and pre-period covariates named ``<column>_pre``.

The sufficient-statistics table has one row per arm and metric. Its columns (exact names):

=========================  ================================================================
``arm``                    arm name (required)
``metric``                 metric name (optional when the table holds a single metric)
``kind``                   ``mean``, ``proportion``, ``count`` or ``ratio`` (optional:
                           ratio when ``sum_num`` is filled, proportion when every arm has
                           ``sum == sum_squares`` within ``[0, n]``, mean otherwise)
``n``                      units in the arm (required)
``sum``                    Σ y                       (mean, proportion, count)
``sum_squares``            Σ y²
``sum_pre``                Σ x, x the unit's pre-period covariate (CUPED)
``sum_squares_pre``        Σ x²
``sum_cross``              Σ y·x
``sum_num``                Σ numerator               (ratio metrics)
``sum_den``                Σ denominator
``sum_squares_num``        Σ numerator²
``sum_squares_den``        Σ denominator²
``sum_num_den``            Σ numerator·denominator
``sum_num_pre``            the same five sums over the pre-period numerator and
``sum_den_pre``            denominator (CUPED for ratio metrics), ``sum_num_den_pre`` being
``sum_squares_num_pre``    Σ num_pre·den_pre
``sum_squares_den_pre``
``sum_num_den_pre``
``sum_cross_num_num``      Σ num·num_pre
``sum_cross_num_den``      Σ num·den_pre
``sum_cross_den_num``      Σ den·num_pre
``sum_cross_den_den``      Σ den·den_pre
=========================  ================================================================

Both forms give identical readouts on the same data: unit-level rows are first reduced to this
table. Row numbers in error messages count data rows from 0 (the header is not a row).
"""

from assay.online._aggregate import UnitAggregate, Winsorization, aggregate_units
from assay.online._design import ExperimentDesign, design_experiment
from assay.online._metrics import MetricSpec, parse_metric
from assay.online._plan import ExperimentPlan, Guardrail
from assay.online._readout import readout
from assay.online._result import Readout
from assay.online._table import SUFFICIENT_STATISTICS_COLUMNS
from assay.online._watch import watch
from assay.stats import (
    InterleavedList,
    InterleavingResult,
    interleaving_test,
    team_draft_interleave,
)

__all__ = [
    "SUFFICIENT_STATISTICS_COLUMNS",
    "ExperimentDesign",
    "ExperimentPlan",
    "Guardrail",
    "InterleavedList",
    "InterleavingResult",
    "MetricSpec",
    "Readout",
    "UnitAggregate",
    "Winsorization",
    "aggregate_units",
    "design_experiment",
    "interleaving_test",
    "parse_metric",
    "readout",
    "team_draft_interleave",
    "watch",
]
