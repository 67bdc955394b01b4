"""assay: evidence for ship/stop decisions on machine-learning models.

``import assay`` gives the public API; every CLI command is one call of it. Names are loaded
on first use, so ``import assay`` (and ``assay --help``) stays fast.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
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
        compare_runs,
        decide,
        gate,
        resolve_policy,
        write_reports,
    )
    from assay._demo import DemoResult, run_demo
    from assay._demo_sentiment import run_sentiment_demo
    from assay._early_stop_plan import early_stop_plan
    from assay._evaluate import as_adapter, evaluate
    from assay._import_log import import_log
    from assay._reproduce import Reproduction, reproduce
    from assay.data import SuiteData, load_suite, make_suite
    from assay.metrics import calibrate_judge
    from assay.storage import Store, open_store, upgrade_database

__version__ = "0.1.0"

_EXPORTS = {
    "LoggedRun": "assay._api",
    "diff_runs": "assay._api",
    "get_run": "assay._api",
    "get_suite": "assay._api",
    "ingest": "assay._api",
    "list_runs": "assay._api",
    "log_run": "assay._api",
    "parse_metric_filter": "assay._api",
    "register_suite": "assay._api",
    "DecisionRecord": "assay._decide",
    "approve": "assay._decide",
    "compare_runs": "assay._decide",
    "decide": "assay._decide",
    "gate": "assay._decide",
    "resolve_policy": "assay._decide",
    "write_reports": "assay._decide",
    "DemoResult": "assay._demo",
    "run_demo": "assay._demo",
    "run_sentiment_demo": "assay._demo_sentiment",
    "Reproduction": "assay._reproduce",
    "reproduce": "assay._reproduce",
    "as_adapter": "assay._evaluate",
    "early_stop_plan": "assay._early_stop_plan",
    "import_log": "assay._import_log",
    "evaluate": "assay._evaluate",
    "SuiteData": "assay.data",
    "calibrate_judge": "assay.metrics",
    "load_suite": "assay.data",
    "make_suite": "assay.data",
    "Store": "assay.storage",
    "open_store": "assay.storage",
    "upgrade_database": "assay.storage",
}

__all__ = [
    "DecisionRecord",
    "DemoResult",
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
    "diff_runs",
    "early_stop_plan",
    "evaluate",
    "gate",
    "get_run",
    "get_suite",
    "import_log",
    "ingest",
    "list_runs",
    "load_suite",
    "log_run",
    "make_suite",
    "open_store",
    "parse_metric_filter",
    "register_suite",
    "reproduce",
    "resolve_policy",
    "run_demo",
    "run_sentiment_demo",
    "upgrade_database",
    "write_reports",
]


def __getattr__(name: str) -> Any:
    try:
        module = _EXPORTS[name]
    except KeyError:
        raise AttributeError(f"module 'assay' has no attribute {name!r}") from None
    loaded = importlib.import_module(module)
    value = getattr(loaded, name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_EXPORTS))
