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

Every setting of a readout is a field of :class:`ReadoutSettings`; :func:`readout_settings`
resolves them (the caller's value, else the pre-registered plan's, else the default).

Decisions go through the same release gates as offline comparisons:

* :func:`readout_comparison` turns one treatment arm of a :class:`Readout` into an
  :class:`assay.core.Comparison` (the readout's own numbers); :func:`plan_policy` writes an
  :class:`ExperimentPlan`'s decision rule as an :class:`assay.gates.Policy` (primary metric
  superior, guardrails non-inferior within their margins).
* :func:`decide_experiment` judges every treatment arm with that policy (or a given one), adds
  a blocking sample-ratio outcome (a mismatch is a BLOCK) and the deviations from the plan
  (:func:`check_deviations`; an unplanned early look with a fixed-horizon test makes a SHIP
  INCONCLUSIVE), and returns an :class:`ExperimentVerdict`.
* :func:`rollout_plan` stages the rollout (shadow, canary, ramp, full) with each step's gates
  and a minimum duration sized from traffic; :func:`rollout_markdown` renders it.
"""

from assay.online._aggregate import UnitAggregate, Winsorization, aggregate_units
from assay.online._comparison import metric_goals, readout_comparison
from assay.online._design import ExperimentDesign, design_experiment
from assay.online._deviations import (
    DEFAULT_SAMPLE_TOLERANCE,
    DEVIATION_KINDS,
    Analysis,
    Deviation,
    DeviationKind,
    check_deviations,
)
from assay.online._metrics import MetricSpec, parse_metric
from assay.online._plan import ExperimentPlan, Guardrail
from assay.online._plan_io import load_plan
from assay.online._readout import readout
from assay.online._result import Readout
from assay.online._rollout import baselines_from_readout, design_from_plan, rollout_plan
from assay.online._rollout_model import (
    MetricBaseline,
    RolloutCriterion,
    RolloutPlan,
    RolloutStep,
    StepSizing,
)
from assay.online._rollout_text import ROLLOUT_HEADING, rollout_markdown
from assay.online._segments import (
    CumulativeLift,
    DailyLift,
    SegmentBreakdown,
    SegmentLift,
    cumulative_lift,
    segment_breakdown,
    without_columns,
)
from assay.online._settings import ReadoutSettings, readout_settings
from assay.online._table import SUFFICIENT_STATISTICS_COLUMNS
from assay.online._verdict import ArmDecision, ExperimentVerdict, decide_experiment, plan_policy
from assay.online._watch import watch
from assay.stats import (
    InterleavedList,
    InterleavingResult,
    interleaving_test,
    team_draft_interleave,
)

__all__ = [
    "DEFAULT_SAMPLE_TOLERANCE",
    "DEVIATION_KINDS",
    "ROLLOUT_HEADING",
    "SUFFICIENT_STATISTICS_COLUMNS",
    "Analysis",
    "ArmDecision",
    "CumulativeLift",
    "DailyLift",
    "Deviation",
    "DeviationKind",
    "ExperimentDesign",
    "ExperimentPlan",
    "ExperimentVerdict",
    "Guardrail",
    "InterleavedList",
    "InterleavingResult",
    "MetricBaseline",
    "MetricSpec",
    "Readout",
    "ReadoutSettings",
    "RolloutCriterion",
    "RolloutPlan",
    "RolloutStep",
    "SegmentBreakdown",
    "SegmentLift",
    "StepSizing",
    "UnitAggregate",
    "Winsorization",
    "aggregate_units",
    "baselines_from_readout",
    "check_deviations",
    "cumulative_lift",
    "decide_experiment",
    "design_experiment",
    "design_from_plan",
    "interleaving_test",
    "load_plan",
    "metric_goals",
    "parse_metric",
    "plan_policy",
    "readout",
    "readout_comparison",
    "readout_settings",
    "rollout_markdown",
    "rollout_plan",
    "segment_breakdown",
    "team_draft_interleave",
    "watch",
    "without_columns",
]
