"""Governance: pre-registered studies, launch readiness, model cards and datasheets, scenario
coverage, the team's own KPIs and signed ledger entries.

Every piece here is built from what the store already holds (runs, comparisons, decisions and
the ledger) and is checked, not ticked: a study's plan is frozen with a digest before any run
is attached, a launch checklist's evidence items are looked up in the store, a model card
records the digests of the evidence it was made from. This package holds the typed models and
the pure logic; reading the store is the workflows' job, rendering the reports'.
"""

from __future__ import annotations

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
    "EVIDENCE_FIELDS",
    "EvidenceItem",
    "LaunchChecklist",
    "LaunchItem",
    "LaunchReadiness",
    "SigningKey",
    "SignoffItem",
    "check_signer_name",
    "key_file_text",
    "load_checklist",
    "new_signing_key",
    "public_fingerprint",
    "read_key_file",
    "sign_message",
    "signature_of",
    "signed_message",
    "verify_message",
]
