"""The vocabulary of assay as typed models: suites, examples, runs, manifests, verdicts.

Identities are content digests: the same examples and definitions give the same suite digest
on any machine.
"""

from assay.core._digest import canonical_json, digest, short_digest
from assay.core._html import html_for, register_html_module, register_html_renderer
from assay.core._text import UNPRINTABLE, escape_json, printable
from assay.core.comparison import (
    Comparison,
    Coverage,
    Flip,
    FlipCount,
    Interval,
    MetricComparison,
    PlannedStop,
    RunErrors,
)
from assay.core.decision import Approval, Decision, LedgerEntry
from assay.core.manifest import CodeVersion, Manifest, ManifestDifference, diff_manifests
from assay.core.model import ModelRef
from assay.core.run import MetricSummary, Run, RunInfo, RunList, RunStatus
from assay.core.suite import (
    RESERVED_COLUMNS,
    Catalog,
    Example,
    MetricSpec,
    SliceSpec,
    Suite,
    Task,
)
from assay.core.verdict import RuleOutcome, Verdict, VerdictResult

__all__ = [
    "RESERVED_COLUMNS",
    "UNPRINTABLE",
    "Approval",
    "Catalog",
    "CodeVersion",
    "Comparison",
    "Coverage",
    "Decision",
    "Example",
    "Flip",
    "FlipCount",
    "Interval",
    "LedgerEntry",
    "Manifest",
    "ManifestDifference",
    "MetricComparison",
    "MetricSpec",
    "MetricSummary",
    "ModelRef",
    "PlannedStop",
    "RuleOutcome",
    "Run",
    "RunErrors",
    "RunInfo",
    "RunList",
    "RunStatus",
    "SliceSpec",
    "Suite",
    "Task",
    "Verdict",
    "VerdictResult",
    "canonical_json",
    "diff_manifests",
    "digest",
    "escape_json",
    "html_for",
    "printable",
    "register_html_module",
    "register_html_renderer",
    "short_digest",
]
