"""Governance: pre-registered studies, launch readiness, model cards and datasheets, scenario
coverage, the team's own KPIs and signed ledger entries.

Every piece here is built from what the store already holds (runs, comparisons, decisions and
the ledger) and is checked, not ticked: a study's plan is frozen with a digest before any run
is attached, a launch checklist's evidence items are looked up in the store, a model card
records the digests of the evidence it was made from. This package holds the typed models and
the pure logic; reading the store is the workflows' job, rendering the reports'.

* studies: :class:`StudyPlan` (a study file, read by :func:`load_study_file`),
  :class:`StudyRegistration` (what the ledger freezes), :func:`plan_sample_size` (the power
  calculation), :func:`offline_deviations`, :func:`futility`, :func:`study_state`, :func:`flag_verdict` (a decision's
  verdict with the study's deviations)
"""

from __future__ import annotations

from assay.governance._study import (
    STUDY_NAME,
    SampleSize,
    SampleSizePlan,
    StoppingRule,
    StudyPlan,
    StudyRegistration,
)
from assay.governance._study_checks import (
    STUDY_STATES,
    Futility,
    StudyDeviation,
    StudyState,
    futility,
    offline_deviations,
    overdue,
    study_state,
)
from assay.governance._study_file import (
    MAX_STUDY_BYTES,
    MAX_STUDY_DEPTH,
    load_study_file,
    parse_study,
)
from assay.governance._study_power import plan_sample_size
from assay.governance._study_verdict import (
    STUDY_DEVIATION_RULE,
    flag_verdict,
    study_deviation_outcome,
    without_study_flags,
)

__all__ = [
    "MAX_STUDY_BYTES",
    "MAX_STUDY_DEPTH",
    "STUDY_DEVIATION_RULE",
    "STUDY_NAME",
    "STUDY_STATES",
    "Futility",
    "SampleSize",
    "SampleSizePlan",
    "StoppingRule",
    "StudyDeviation",
    "StudyPlan",
    "StudyRegistration",
    "StudyState",
    "flag_verdict",
    "futility",
    "load_study_file",
    "offline_deviations",
    "overdue",
    "parse_study",
    "plan_sample_size",
    "study_deviation_outcome",
    "study_state",
    "without_study_flags",
]
