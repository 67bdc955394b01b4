"""assay: evidence for ship/stop decisions on machine-learning models.

``import assay`` gives the public API; every CLI command is one call of it.
"""

from assay._api import (
    LoggedRun,
    diff_runs,
    get_run,
    get_suite,
    ingest,
    list_runs,
    log_run,
    parse_metric_filter,
    register_suite,
)
from assay._decide import (
    DecisionRecord,
    approve,
    compare,
    decide,
    gate,
    resolve_policy,
    write_reports,
)
from assay._demo import DemoResult, run_demo
from assay._evaluate import as_adapter, evaluate
from assay.core import Comparison as _Comparison
from assay.core import VerdictResult as _VerdictResult
from assay.data import SuiteData, load_suite, make_suite
from assay.reports import comparison_html_table as _comparison_html
from assay.reports import verdict_html_table as _verdict_html
from assay.storage import Store, open_store, upgrade_database

# Notebooks show comparisons and verdicts as tables; core cannot import reports (layers).
_Comparison._repr_html_ = _comparison_html  # type: ignore[attr-defined]
_VerdictResult._repr_html_ = _verdict_html  # type: ignore[attr-defined]

__version__ = "0.1.0"

__all__ = [
    "DecisionRecord",
    "DemoResult",
    "LoggedRun",
    "Store",
    "SuiteData",
    "__version__",
    "approve",
    "as_adapter",
    "compare",
    "decide",
    "diff_runs",
    "evaluate",
    "gate",
    "get_run",
    "get_suite",
    "ingest",
    "list_runs",
    "load_suite",
    "log_run",
    "make_suite",
    "open_store",
    "parse_metric_filter",
    "register_suite",
    "resolve_policy",
    "run_demo",
    "upgrade_database",
    "write_reports",
]
