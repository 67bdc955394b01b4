"""Fakes, builders and conformance kits shared by users and assay's own tests.

* :class:`FakeOpenAI`: a real OpenAI-compatible HTTP server on loopback with deterministic
  answers (:func:`fake_reply`) and known timing; a context manager.
* Builders, seeded: suites (:func:`synthetic_suite`, :func:`comparison_suite`,
  :func:`qa_suite`), runs as records tables (:func:`synthetic_records`,
  :func:`paired_records`), comparison results (:func:`metric_result`, :func:`comparison_of`,
  :func:`report_comparison`) and stored things (:func:`make_run`, :func:`make_decision`, ...).
* :func:`chromium_driver`: Debian's headless Chromium through Selenium (skips outside CI when
  missing, fails under ``CI=true``); :func:`then_wait` clicks or submits and waits for the
  page that opens.
* :class:`LocalRayCluster`: a real Ray cluster on this machine (``ray start --head`` and
  worker nodes, free ports, its own temporary folder), stopped without touching any other
  Ray; a context manager.
* :func:`running_server`: an ASGI app (``assay.server.create_app``) served by a real uvicorn
  on loopback in a thread; a context manager yielding its URL.
* Conformance checks every extension point's built-ins pass: :func:`check_rule_kind`,
  :func:`check_adapter`, :func:`check_store`.
* Hypothesis strategies live in :mod:`assay.testing.strategies` (the only module that imports
  hypothesis).

Library code never imports this package.
"""

from assay.testing._browser import chromium_driver, then_wait
from assay.testing._check_adapter import check_adapter
from assay.testing._check_rule_kind import check_rule_kind
from assay.testing._check_store import check_store
from assay.testing._comparisons import (
    binary_result,
    comparison_of,
    given_interval,
    mean_result,
    metric_result,
    result_from_paired,
)
from assay.testing._factories import (
    QA_TEMPLATE,
    qa_examples,
    qa_suite,
    synthetic_records,
    synthetic_suite,
)
from assay.testing._fake_openai import FakeOpenAI, closed_port, fake_reply, word_count
from assay.testing._ray_cluster import LocalRayCluster
from assay.testing._reports import (
    HOSTILE_TEXTS,
    REPORT_SLICES,
    REPORT_TIME,
    report_comparison,
    report_verdict,
    rule_outcome,
    simulated_result,
)
from assay.testing._runs import LABELS, comparison_suite, paired_records, run_info
from assay.testing._seeds import seed_sweep
from assay.testing._server import running_server
from assay.testing._stored import (
    T0,
    make_approval,
    make_decision,
    make_examples,
    make_records,
    make_run,
    make_suite_model,
    store_runs,
)

__all__ = [
    "HOSTILE_TEXTS",
    "LABELS",
    "QA_TEMPLATE",
    "REPORT_SLICES",
    "REPORT_TIME",
    "T0",
    "FakeOpenAI",
    "LocalRayCluster",
    "binary_result",
    "check_adapter",
    "check_rule_kind",
    "check_store",
    "chromium_driver",
    "closed_port",
    "comparison_of",
    "comparison_suite",
    "fake_reply",
    "given_interval",
    "make_approval",
    "make_decision",
    "make_examples",
    "make_records",
    "make_run",
    "make_suite_model",
    "mean_result",
    "metric_result",
    "paired_records",
    "qa_examples",
    "qa_suite",
    "report_comparison",
    "report_verdict",
    "result_from_paired",
    "rule_outcome",
    "run_info",
    "running_server",
    "seed_sweep",
    "simulated_result",
    "store_runs",
    "synthetic_records",
    "synthetic_suite",
    "then_wait",
    "word_count",
]
