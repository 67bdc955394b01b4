"""Governance: pre-registered studies, launch readiness, model cards and datasheets, scenario
coverage, the team's own KPIs and signed ledger entries.

Every piece here is built from what the store already holds (runs, comparisons, decisions and
the ledger) and is checked, not ticked: a study's plan is frozen with a digest before any run
is attached, a launch checklist's evidence items are looked up in the store, a model card
records the digests of the evidence it was made from. This package holds the typed models and
the pure logic; reading the store is the workflows' job, rendering the reports'.

* model cards: :class:`ModelCard` (with :class:`CardRun`, :class:`CardMetric`,
  :class:`CardSuite`, :class:`CardDecision`, :class:`CardDifference`, :class:`HumanSection`),
  :func:`build_card`, :func:`card_payload` (the ledger entry's payload), reading a written
  card back (:func:`parse_card_text`, :func:`card_block`, :func:`human_marker`) and what
  changed (:func:`card_changes`, :func:`evidence_changes`)
* datasheets: :class:`Datasheet`, :func:`compute_facts` (:class:`DatasheetFacts`),
  :func:`build_datasheet`, :func:`count_duplicates`
"""

from __future__ import annotations

from assay.governance._card import (
    CARD_FORMATS,
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
from assay.governance._card_diff import CardChanges, EvidenceChange, card_changes, evidence_changes
from assay.governance._card_text import (
    MAX_CARD_CHARS,
    ParsedCard,
    card_block,
    human_marker,
    parse_card_text,
)
from assay.governance._datasheet import (
    Datasheet,
    DatasheetAnswer,
    DatasheetSection,
    build_datasheet,
)
from assay.governance._datasheet_facts import DatasheetFacts, SliceCounts, compute_facts
from assay.governance._near_duplicates import DuplicateCount, count_duplicates

__all__ = [
    "CARD_FORMATS",
    "HUMAN_SECTIONS",
    "MAX_CARD_CHARS",
    "CardChanges",
    "CardDecision",
    "CardDifference",
    "CardMetric",
    "CardRun",
    "CardSuite",
    "Datasheet",
    "DatasheetAnswer",
    "DatasheetFacts",
    "DatasheetSection",
    "DecisionEvidence",
    "DuplicateCount",
    "EvidenceChange",
    "HumanSection",
    "ModelCard",
    "ParsedCard",
    "RunEvidence",
    "SliceCounts",
    "build_card",
    "build_datasheet",
    "card_block",
    "card_changes",
    "card_evidence",
    "card_payload",
    "compute_facts",
    "count_duplicates",
    "evidence_changes",
    "human_marker",
    "parse_card_text",
    "run_metrics",
]
