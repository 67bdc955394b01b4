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
* model cards: :class:`ModelCard` (with :class:`CardRun`, :class:`CardMetric`,
  :class:`CardSuite`, :class:`CardDecision`, :class:`CardDifference`, :class:`HumanSection`),
  :func:`build_card`, :func:`card_payload` (the ledger entry's payload), reading a written
  card back (:func:`parse_card_text`, :func:`card_block`, :func:`human_marker`) and what
  changed (:func:`card_changes`, :func:`evidence_changes`)
* datasheets: :class:`Datasheet`, :func:`compute_facts` (:class:`DatasheetFacts`),
  :func:`build_datasheet`, :func:`count_duplicates`
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from assay._util import lazy_exports

if TYPE_CHECKING:
    from assay.data import DuplicateCount, count_duplicates
    from assay.governance._card import (
        CARD_FORMATS,
        CARD_LAYOUT,
        CARD_LAYOUTS,
        HUMAN_SECTIONS,
        CardDecision,
        CardDifference,
        CardMetric,
        CardRun,
        CardSuite,
        HumanSection,
        ModelCard,
        card_payload,
    )
    from assay.governance._card_build import (
        DecisionEvidence,
        RunEvidence,
        build_card,
        card_evidence,
        run_metrics,
    )
    from assay.governance._card_diff import (
        CardChanges,
        EvidenceChange,
        card_changes,
        evidence_changes,
    )
    from assay.governance._card_text import (
        MAX_CARD_CHARS,
        ParsedCard,
        card_block,
        human_marker,
        parse_card_text,
    )
    from assay.governance._coverage import check_coverage
    from assay.governance._coverage_model import (
        CoverageReport,
        ScenarioCoverage,
        SliceCoverage,
        SuiteFacts,
    )
    from assay.governance._coverage_registry import (
        MAX_COVERAGE_REGISTRY_BYTES,
        CoverageRegistry,
        Scenario,
        ScenarioMapping,
        parse_coverage_registry,
    )
    from assay.governance._datasheet import (
        Datasheet,
        DatasheetAnswer,
        DatasheetSection,
        build_datasheet,
    )
    from assay.governance._datasheet_facts import DatasheetFacts, SliceCounts, compute_facts
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
    )
    from assay.governance._launch_load import load_checklist
    from assay.governance._launch_result import LaunchItem, LaunchReadiness
    from assay.governance._signing import (
        SigningKey,
        check_signer_name,
        decode_key,
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
        registration_chain,
    )
    from assay.governance._study_checks import (
        STUDY_STATES,
        StudyDeviation,
        StudyState,
        offline_deviations,
        overdue,
        study_state,
        supersede_deviations,
    )
    from assay.governance._study_file import (
        MAX_STUDY_BYTES,
        MAX_STUDY_DEPTH,
        load_study_file,
        parse_study,
    )
    from assay.governance._study_futility import Futility, futility
    from assay.governance._study_power import plan_sample_size
    from assay.governance._study_strength import PolicyFloor, in_points, policy_floors, weak_policy
    from assay.governance._study_verdict import (
        HYPOTHESIS_WORDS,
        STUDY_DEVIATION_RULE,
        STUDY_HYPOTHESIS_RULE,
        flag_verdict,
        hypothesis_outcome,
        study_deviation_outcome,
    )

__all__ = [
    "CARD_FORMATS",
    "CARD_LAYOUT",
    "CARD_LAYOUTS",
    "COST_FIELDS",
    "EVIDENCE_FIELDS",
    "HUMAN_SECTIONS",
    "HYPOTHESIS_WORDS",
    "MAX_CARD_CHARS",
    "MAX_COVERAGE_REGISTRY_BYTES",
    "MAX_STUDY_BYTES",
    "MAX_STUDY_DEPTH",
    "STUDY_DEVIATION_RULE",
    "STUDY_HYPOTHESIS_RULE",
    "STUDY_NAME",
    "STUDY_STATES",
    "CardChanges",
    "CardDecision",
    "CardDifference",
    "CardMetric",
    "CardRun",
    "CardSuite",
    "CostField",
    "CoverageRegistry",
    "CoverageReport",
    "CycleTime",
    "Datasheet",
    "DatasheetAnswer",
    "DatasheetFacts",
    "DatasheetSection",
    "DecisionEvidence",
    "DuplicateCount",
    "EvidenceChange",
    "EvidenceItem",
    "Futility",
    "HumanSection",
    "KpiReport",
    "LaunchChecklist",
    "LaunchItem",
    "LaunchReadiness",
    "ModelCard",
    "ParsedCard",
    "PolicyFloor",
    "Rate",
    "ReproducedDecision",
    "RunCheck",
    "RunCost",
    "RunEvidence",
    "SampleSize",
    "SampleSizePlan",
    "Scenario",
    "ScenarioCoverage",
    "ScenarioMapping",
    "SigningKey",
    "SignoffItem",
    "SliceCounts",
    "SliceCoverage",
    "StoppingRule",
    "StudyCycle",
    "StudyDeviation",
    "StudyPlan",
    "StudyRegistration",
    "StudyState",
    "SuiteFacts",
    "WeekOutcomes",
    "build_card",
    "build_datasheet",
    "card_block",
    "card_changes",
    "card_evidence",
    "card_payload",
    "check_coverage",
    "check_signer_name",
    "compute_facts",
    "compute_team_kpis",
    "count_duplicates",
    "decode_key",
    "evidence_changes",
    "flag_verdict",
    "futility",
    "human_marker",
    "hypothesis_outcome",
    "in_points",
    "key_file_text",
    "kpis_to_dict",
    "load_checklist",
    "load_study_file",
    "new_signing_key",
    "offline_deviations",
    "overdue",
    "parse_card_text",
    "parse_coverage_registry",
    "parse_study",
    "plan_sample_size",
    "policy_floors",
    "public_fingerprint",
    "rate",
    "read_key_file",
    "registration_chain",
    "run_metrics",
    "sign_message",
    "signature_of",
    "signed_message",
    "study_deviation_outcome",
    "study_state",
    "supersede_deviations",
    "verify_message",
    "weak_policy",
]

# every name is imported on first use: a command that signs a ledger entry loads the signing
# code alone, not the cards, datasheets, studies and what they import (pyarrow's compute
# functions, the suite checks, the power calculations)
_LAZY = {
    name: module
    for module, names in {
        "assay.data": "DuplicateCount count_duplicates",
        "assay.governance._card": (
            "CARD_FORMATS CARD_LAYOUT CARD_LAYOUTS HUMAN_SECTIONS CardDecision "
            "CardDifference CardMetric CardRun CardSuite HumanSection ModelCard "
            "card_payload"
        ),
        "assay.governance._card_build": (
            "DecisionEvidence RunEvidence build_card card_evidence run_metrics"
        ),
        "assay.governance._card_diff": "CardChanges EvidenceChange card_changes evidence_changes",
        "assay.governance._card_text": (
            "MAX_CARD_CHARS ParsedCard card_block human_marker parse_card_text"
        ),
        "assay.governance._coverage": "check_coverage",
        "assay.governance._coverage_model": (
            "CoverageReport ScenarioCoverage SliceCoverage SuiteFacts"
        ),
        "assay.governance._coverage_registry": (
            "MAX_COVERAGE_REGISTRY_BYTES CoverageRegistry Scenario ScenarioMapping "
            "parse_coverage_registry"
        ),
        "assay.governance._datasheet": (
            "Datasheet DatasheetAnswer DatasheetSection build_datasheet"
        ),
        "assay.governance._datasheet_facts": "DatasheetFacts SliceCounts compute_facts",
        "assay.governance._kpis": "COST_FIELDS compute_team_kpis kpis_to_dict",
        "assay.governance._kpis_model": (
            "CostField CycleTime KpiReport Rate ReproducedDecision RunCheck RunCost "
            "StudyCycle WeekOutcomes rate"
        ),
        "assay.governance._launch": "EVIDENCE_FIELDS EvidenceItem LaunchChecklist SignoffItem",
        "assay.governance._launch_load": "load_checklist",
        "assay.governance._launch_result": "LaunchItem LaunchReadiness",
        "assay.governance._signing": (
            "SigningKey check_signer_name decode_key key_file_text new_signing_key "
            "public_fingerprint read_key_file sign_message signature_of "
            "signed_message verify_message"
        ),
        "assay.governance._study": (
            "STUDY_NAME SampleSize SampleSizePlan StoppingRule StudyPlan "
            "StudyRegistration registration_chain"
        ),
        "assay.governance._study_checks": (
            "STUDY_STATES StudyDeviation StudyState offline_deviations overdue "
            "study_state supersede_deviations"
        ),
        "assay.governance._study_file": (
            "MAX_STUDY_BYTES MAX_STUDY_DEPTH load_study_file parse_study"
        ),
        "assay.governance._study_futility": "Futility futility",
        "assay.governance._study_power": "plan_sample_size",
        "assay.governance._study_strength": "PolicyFloor in_points policy_floors weak_policy",
        "assay.governance._study_verdict": (
            "HYPOTHESIS_WORDS STUDY_DEVIATION_RULE STUDY_HYPOTHESIS_RULE "
            "flag_verdict hypothesis_outcome study_deviation_outcome"
        ),
    }.items()
    for name in names.split()
}


__getattr__, __dir__ = lazy_exports(__name__, _LAZY, globals())
