"""The vocabulary of assay as typed models: suites, examples, runs, manifests, verdicts.

Identities are content digests: the same examples and definitions give the same suite digest
on any machine.
"""

from typing import TYPE_CHECKING

from assay._util import UNPRINTABLE, escape_json, lazy_exports, printable
from assay.core import _docstrings  # noqa: F401 - field docstrings read faster, before any model
from assay.core._digest import canonical_json, digest, short_digest
from assay.core._html import html_for, register_html_module, register_html_renderer
from assay.core.suite import (
    RESERVED_COLUMNS,
    WITHHELD,
    WITHHELD_COLUMNS,
    Catalog,
    Example,
    MetricSpec,
    SliceSpec,
    Suite,
    Task,
)

if TYPE_CHECKING:
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
    from assay.core.decision import (
        GOVERNANCE_KINDS,
        Approval,
        Decision,
        LedgerEntry,
        LedgerKind,
        Signature,
    )
    from assay.core.manifest import CodeVersion, Manifest, ManifestDifference, diff_manifests
    from assay.core.model import ModelRef
    from assay.core.run import MetricSummary, Run, RunInfo, RunList, RunStatus
    from assay.core.verdict import RuleOutcome, Verdict, VerdictResult

__all__ = [
    "GOVERNANCE_KINDS",
    "RESERVED_COLUMNS",
    "UNPRINTABLE",
    "WITHHELD",
    "WITHHELD_COLUMNS",
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
    "LedgerKind",
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
    "Signature",
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

# Only a suite's models load with the package: running or checking a suite builds no run,
# manifest, verdict, comparison or ledger model, so those load on first use (the comparison's
# are the largest to build). Within a module every model is built at class creation: pydantic's
# ``defer_build`` would save little (about 5 ms of ``assay compare``, whose nested models are
# built inside their parents anyway) and its first build on use is not thread-safe (pydantic
# 2.13: threads validating a model for the first time at once can find its validator deleted).
_LAZY = {
    **dict.fromkeys(
        ("CodeVersion", "Manifest", "ManifestDifference", "diff_manifests"), "assay.core.manifest"
    ),
    "ModelRef": "assay.core.model",
    **dict.fromkeys(("MetricSummary", "Run", "RunInfo", "RunList", "RunStatus"), "assay.core.run"),
    **dict.fromkeys(("RuleOutcome", "Verdict", "VerdictResult"), "assay.core.verdict"),
    **dict.fromkeys(
        (
            "Comparison",
            "Coverage",
            "Flip",
            "FlipCount",
            "Interval",
            "MetricComparison",
            "PlannedStop",
            "RunErrors",
        ),
        "assay.core.comparison",
    ),
    **dict.fromkeys(
        ("GOVERNANCE_KINDS", "Approval", "Decision", "LedgerEntry", "LedgerKind", "Signature"),
        "assay.core.decision",
    ),
}


__getattr__, __dir__ = lazy_exports(__name__, _LAZY, globals())
