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

from assay.governance._coverage import (
    CoverageReport,
    ScenarioCoverage,
    SliceCoverage,
    SuiteFacts,
    check_coverage,
)
from assay.governance._coverage_registry import (
    MAX_COVERAGE_REGISTRY_BYTES,
    CoverageRegistry,
    Scenario,
    ScenarioMapping,
    parse_coverage_registry,
)
from assay.governance._kpis import COST_FIELDS, compute_team_kpis, kpis_to_dict
from assay.governance._kpis_model import (
    CostField,
    CycleTime,
    KpiReport,
    Rate,
    ReproducedDecision,
    RunCheck,
    RunCost,
    StudyCycle,
    WeekOutcomes,
    rate,
)
from assay.governance._launch import (
    EVIDENCE_FIELDS,
    EvidenceItem,
    LaunchChecklist,
    SignoffItem,
    load_checklist,
)
from assay.governance._launch_result import LaunchItem, LaunchReadiness
from assay.governance._signing import (
    SigningKey,
    check_signer_name,
    key_file_text,
    new_signing_key,
    public_fingerprint,
    read_key_file,
    sign_message,
    signature_of,
    signed_message,
    verify_message,
)
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
    "COST_FIELDS",
    "EVIDENCE_FIELDS",
    "MAX_COVERAGE_REGISTRY_BYTES",
    "MAX_STUDY_BYTES",
    "MAX_STUDY_DEPTH",
    "STUDY_DEVIATION_RULE",
    "STUDY_NAME",
    "STUDY_STATES",
    "CostField",
    "CoverageRegistry",
    "CoverageReport",
    "CycleTime",
    "EvidenceItem",
    "Futility",
    "KpiReport",
    "LaunchChecklist",
    "LaunchItem",
    "LaunchReadiness",
    "Rate",
    "ReproducedDecision",
    "RunCheck",
    "RunCost",
    "SampleSize",
    "SampleSizePlan",
    "Scenario",
    "ScenarioCoverage",
    "ScenarioMapping",
    "SigningKey",
    "SignoffItem",
    "SliceCoverage",
    "StoppingRule",
    "StudyCycle",
    "StudyDeviation",
    "StudyPlan",
    "StudyRegistration",
    "StudyState",
    "SuiteFacts",
    "WeekOutcomes",
    "check_coverage",
    "check_signer_name",
    "compute_team_kpis",
    "flag_verdict",
    "futility",
    "key_file_text",
    "kpis_to_dict",
    "load_checklist",
    "load_study_file",
    "new_signing_key",
    "offline_deviations",
    "overdue",
    "parse_coverage_registry",
    "parse_study",
    "plan_sample_size",
    "public_fingerprint",
    "rate",
    "read_key_file",
    "sign_message",
    "signature_of",
    "signed_message",
    "study_deviation_outcome",
    "study_state",
    "verify_message",
    "without_study_flags",
]
