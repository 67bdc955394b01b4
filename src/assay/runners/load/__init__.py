"""Serving load tests of OpenAI-compatible endpoints (docs/load.md).

* :func:`run_load` sends a seeded open-loop schedule (:func:`arrival_schedule`) or a closed-loop
  concurrency of requests and times each one (:class:`RequestTiming`).
* :func:`summarise_load` computes every metric with its interval (:class:`LoadSummary`);
  :func:`parse_objective` reads ``ttft_p99<=500ms`` and :func:`judge_objectives` gives the
  SHIP / BLOCK / INCONCLUSIVE verdict.
* :func:`run_interleaved` replays one seeded workload against two endpoints in alternating
  time blocks (:func:`block_order`: ABBA or seeded random) for a paired comparison.
* :func:`search_capacity` finds the highest rate at which an SLO is met with confidence.
* :func:`read_load_results` reads GuideLLM, LLMPerf and AIPerf per-request files
  (:class:`ImportedRequests`; docs/load-imports.md).
"""

from assay.runners.load._capacity import CapacityProbe, CapacityResult, search_capacity
from assay.runners.load._generator import LoadResult, arrival_schedule, run_load
from assay.runners.load._import import IMPORT_FORMATS, read_load_results
from assay.runners.load._import_files import ImportedRequests
from assay.runners.load._interleave import (
    ARMS,
    ArmBlock,
    InterleavedResult,
    block_order,
    run_interleaved,
)
from assay.runners.load._loop import run_blocking
from assay.runners.load._slo import Objective, parse_objective
from assay.runners.load._summary import LoadSummary, Price, request_meets, summarise_load
from assay.runners.load._timing import RequestTiming
from assay.runners.load._verdict import ObjectiveResult, judge_objectives

__all__ = [
    "ARMS",
    "IMPORT_FORMATS",
    "ArmBlock",
    "CapacityProbe",
    "CapacityResult",
    "ImportedRequests",
    "InterleavedResult",
    "LoadResult",
    "LoadSummary",
    "Objective",
    "ObjectiveResult",
    "Price",
    "RequestTiming",
    "arrival_schedule",
    "block_order",
    "judge_objectives",
    "parse_objective",
    "read_load_results",
    "request_meets",
    "run_blocking",
    "run_interleaved",
    "run_load",
    "search_capacity",
    "summarise_load",
]
