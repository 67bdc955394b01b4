"""Governance: pre-registered studies, launch readiness, model cards and datasheets, scenario
coverage, the team's own KPIs and signed ledger entries.

Every piece here is built from what the store already holds (runs, comparisons, decisions and
the ledger) and is checked, not ticked: a study's plan is frozen with a digest before any run
is attached, a launch checklist's evidence items are looked up in the store, a model card
records the digests of the evidence it was made from. This package holds the typed models and
the pure logic; reading the store is the workflows' job, rendering the reports'.
"""

from __future__ import annotations

# --- scenario coverage and team KPIs ---
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

__all__: list[str] = [
    # --- scenario coverage and team KPIs ---
    "COST_FIELDS",
    "MAX_COVERAGE_REGISTRY_BYTES",
    "CostField",
    "CoverageRegistry",
    "CoverageReport",
    "CycleTime",
    "KpiReport",
    "Rate",
    "ReproducedDecision",
    "RunCheck",
    "RunCost",
    "Scenario",
    "ScenarioCoverage",
    "ScenarioMapping",
    "SliceCoverage",
    "StudyCycle",
    "SuiteFacts",
    "WeekOutcomes",
    "check_coverage",
    "compute_team_kpis",
    "kpis_to_dict",
    "parse_coverage_registry",
    "rate",
]
