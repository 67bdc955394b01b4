"""Governance: pre-registered studies, launch readiness, model cards and datasheets, scenario
coverage, the team's own KPIs and signed ledger entries.

Every piece here is built from what the store already holds (runs, comparisons, decisions and
the ledger) and is checked, not ticked: a study's plan is frozen with a digest before any run
is attached, a launch checklist's evidence items are looked up in the store, a model card
records the digests of the evidence it was made from. This package holds the typed models and
the pure logic; reading the store is the workflows' job, rendering the reports'.
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

__all__ = [
    "COST_FIELDS",
    "EVIDENCE_FIELDS",
    "MAX_COVERAGE_REGISTRY_BYTES",
    "CostField",
    "CoverageRegistry",
    "CoverageReport",
    "CycleTime",
    "EvidenceItem",
    "KpiReport",
    "LaunchChecklist",
    "LaunchItem",
    "LaunchReadiness",
    "Rate",
    "ReproducedDecision",
    "RunCheck",
    "RunCost",
    "Scenario",
    "ScenarioCoverage",
    "ScenarioMapping",
    "SigningKey",
    "SignoffItem",
    "SliceCoverage",
    "StudyCycle",
    "SuiteFacts",
    "WeekOutcomes",
    "check_coverage",
    "check_signer_name",
    "compute_team_kpis",
    "key_file_text",
    "kpis_to_dict",
    "load_checklist",
    "new_signing_key",
    "parse_coverage_registry",
    "public_fingerprint",
    "rate",
    "read_key_file",
    "sign_message",
    "signature_of",
    "signed_message",
    "verify_message",
]
