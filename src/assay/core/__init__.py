"""The vocabulary of assay as typed models: suites, examples, runs, manifests, verdicts.

Identities are content digests: the same examples and definitions give the same suite digest
on any machine.
"""

import importlib
from typing import TYPE_CHECKING, Any

from assay._util import UNPRINTABLE, escape_json, printable
from assay.core._digest import canonical_json, digest, short_digest
from assay.core._html import html_for, register_html_module, register_html_renderer
from assay.core.manifest import CodeVersion, Manifest, ManifestDifference, diff_manifests
from assay.core.model import ModelRef
from assay.core.run import MetricSummary, Run, RunInfo, RunList, RunStatus
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
from assay.core.verdict import RuleOutcome, Verdict, VerdictResult

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

# The comparison's models are the largest to build; commands that only list or show runs never
# use them, so they load on first use.
_COMPARISON = frozenset(
    {
        "Comparison",
        "Coverage",
        "Flip",
        "FlipCount",
        "Interval",
        "MetricComparison",
        "PlannedStop",
        "RunErrors",
    }
)


# A comparison needs no ledger models: they load on first use.
_DECISION = frozenset(
    {"GOVERNANCE_KINDS", "Approval", "Decision", "LedgerEntry", "LedgerKind", "Signature"}
)


def __getattr__(name: str) -> Any:
    if name not in _DECISION and name not in _COMPARISON:
        raise AttributeError(f"module 'assay.core' has no attribute {name!r}")
    module = importlib.import_module(
        "assay.core.decision" if name in _DECISION else "assay.core.comparison"
    )
    value = getattr(module, name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | _COMPARISON | _DECISION)
