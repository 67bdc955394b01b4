"""assay: evidence for ship/stop decisions on machine-learning models.

``import assay`` gives the public API; every CLI command is one call of it. Names are loaded
on first use, so ``import assay`` (and ``assay --help``) stays fast.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from assay.data import SuiteData, load_suite, make_suite
    from assay.demo import DemoResult, run_demo, run_sentiment_demo
    from assay.metrics import calibrate_judge
    from assay.storage import Store, open_store, upgrade_database
    from assay.workflows import (
        DecisionDetails,
        DecisionRecord,
        ExperimentReadout,
        ExportedRun,
        GateResult,
        LoggedRun,
        Reproduction,
        approve,
        as_adapter,
        compare_runs,
        decide,
        default_store,
        diff_runs,
        early_stop_plan,
        evaluate,
        export_evidence,
        export_run,
        export_to_mlflow,
        gate,
        gate_runs,
        get_decision,
        get_run,
        get_suite,
        import_from_mlflow,
        import_log,
        ingest,
        list_decisions,
        list_runs,
        list_suites,
        log_run,
        note_run,
        parse_metric_filter,
        plan_rollout,
        read_out_experiment,
        register_suite,
        reproduce,
        resolve_policy,
        sql,
        tag_run,
        verify_ledger,
        write_reports,
    )

__version__ = "0.1.0"

_EXPORTS = {
    "LoggedRun": "assay.workflows",
    "diff_runs": "assay.workflows",
    "get_run": "assay.workflows",
    "get_suite": "assay.workflows",
    "ingest": "assay.workflows",
    "list_runs": "assay.workflows",
    "log_run": "assay.workflows",
    "note_run": "assay.workflows",
    "tag_run": "assay.workflows",
    "parse_metric_filter": "assay.workflows",
    "register_suite": "assay.workflows",
    "DecisionRecord": "assay.workflows",
    "approve": "assay.workflows",
    "compare_runs": "assay.workflows",
    "decide": "assay.workflows",
    "gate": "assay.workflows",
    "resolve_policy": "assay.workflows",
    "write_reports": "assay.workflows",
    "DemoResult": "assay.demo",
    "run_demo": "assay.demo",
    "run_sentiment_demo": "assay.demo",
    "Reproduction": "assay.workflows",
    "reproduce": "assay.workflows",
    "as_adapter": "assay.workflows",
    "early_stop_plan": "assay.workflows",
    "import_log": "assay.workflows",
    "sql": "assay.workflows",
    "export_to_mlflow": "assay.workflows",
    "import_from_mlflow": "assay.workflows",
    "evaluate": "assay.workflows",
    "SuiteData": "assay.data",
    "calibrate_judge": "assay.metrics",
    "load_suite": "assay.data",
    "make_suite": "assay.data",
    "DecisionDetails": "assay.workflows",
    "ExportedRun": "assay.workflows",
    "GateResult": "assay.workflows",
    "default_store": "assay.workflows",
    "ExperimentReadout": "assay.workflows",
    "plan_rollout": "assay.workflows",
    "read_out_experiment": "assay.workflows",
    "export_evidence": "assay.workflows",
    "export_run": "assay.workflows",
    "gate_runs": "assay.workflows",
    "get_decision": "assay.workflows",
    "list_decisions": "assay.workflows",
    "list_suites": "assay.workflows",
    "verify_ledger": "assay.workflows",
    "Store": "assay.storage",
    "open_store": "assay.storage",
    "upgrade_database": "assay.storage",
}

__all__ = [
    "DecisionDetails",
    "DecisionRecord",
    "DemoResult",
    "ExperimentReadout",
    "ExportedRun",
    "GateResult",
    "LoggedRun",
    "Reproduction",
    "Store",
    "SuiteData",
    "__version__",
    "approve",
    "as_adapter",
    "calibrate_judge",
    "compare_runs",
    "decide",
    "default_store",
    "diff_runs",
    "early_stop_plan",
    "evaluate",
    "export_evidence",
    "export_run",
    "export_to_mlflow",
    "gate",
    "gate_runs",
    "get_decision",
    "get_run",
    "get_suite",
    "import_from_mlflow",
    "import_log",
    "ingest",
    "list_decisions",
    "list_runs",
    "list_suites",
    "load_suite",
    "log_run",
    "make_suite",
    "note_run",
    "open_store",
    "parse_metric_filter",
    "plan_rollout",
    "read_out_experiment",
    "register_suite",
    "reproduce",
    "resolve_policy",
    "run_demo",
    "run_sentiment_demo",
    "sql",
    "tag_run",
    "upgrade_database",
    "verify_ledger",
    "write_reports",
]


def __getattr__(name: str) -> Any:
    try:
        module = _EXPORTS[name]
    except KeyError:
        raise AttributeError(f"module 'assay' has no attribute {name!r}") from None
    loaded = importlib.import_module(module)
    # what the API returns (runs, comparisons, verdicts) shows as a table in notebooks: the
    # reports package registers the renderers, imported on the first display, not here
    from assay.core import register_html_module

    register_html_module("assay.reports")
    value = getattr(loaded, name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    # the public API only: not the loader's helpers, nor the modules it imported
    return sorted(set(__all__) | {n for n in globals() if n.startswith("__") and n.endswith("__")})
