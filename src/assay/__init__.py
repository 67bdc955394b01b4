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
from assay._demo import DemoResult, run_demo
from assay._evaluate import as_adapter, evaluate
from assay.data import SuiteData, load_suite, make_suite
from assay.storage import Store, open_store, upgrade_database

__version__ = "0.1.0"

__all__ = [
    "DemoResult",
    "LoggedRun",
    "Store",
    "SuiteData",
    "__version__",
    "as_adapter",
    "diff_runs",
    "evaluate",
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
    "run_demo",
    "upgrade_database",
]
