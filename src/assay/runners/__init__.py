"""Running a suite against a model adapter; records go to whatever the caller does with them.

* Synchronous adapters (:class:`ModelAdapter`: callables, scikit-learn) and asynchronous
  ones (:class:`AsyncModelAdapter`: :class:`OpenAIAdapter` for OpenAI-compatible endpoints)
  register by name (:func:`register_adapter`, :func:`get_adapter`).
* :func:`evaluate_suite` runs either kind; :func:`evaluate_suite_async` is the asynchronous
  path (concurrency, retries, rate limits, repeated samples, :class:`ResponseCache`).
* :func:`evaluate_suite_early_stop` evaluates in a seeded random order and stops when an
  anytime-valid confidence sequence decides (:class:`EarlyStop`, :class:`EarlyStopResult`).
* :class:`PromptTemplate` renders an example's fields into a prompt.
"""

from assay.runners._adapters import (
    CallableAdapter,
    ModelAdapter,
    SklearnAdapter,
    adapter_names,
    get_adapter,
    load_callable,
    register_adapter,
)
from assay.runners._async_runner import (
    AsyncModelAdapter,
    AsyncModelClient,
    ModelResponse,
    evaluate_suite_async,
)
from assay.runners._cache import ResponseCache, request_key
from assay.runners._early_stop import (
    EarlyStop,
    EarlyStopDecision,
    EarlyStopResult,
    early_stop_decision,
    evaluate_suite_early_stop,
    sequential_decision,
)
from assay.runners._http import RetryPolicy, TokenBucket
from assay.runners._local import ProgressCallback, Scorer, evaluate_suite
from assay.runners._openai import OpenAIAdapter
from assay.runners._tasks import PromptTemplate, example_fields

__all__ = [
    "AsyncModelAdapter",
    "AsyncModelClient",
    "CallableAdapter",
    "EarlyStop",
    "EarlyStopDecision",
    "EarlyStopResult",
    "ModelAdapter",
    "ModelResponse",
    "OpenAIAdapter",
    "ProgressCallback",
    "PromptTemplate",
    "ResponseCache",
    "RetryPolicy",
    "Scorer",
    "SklearnAdapter",
    "TokenBucket",
    "adapter_names",
    "early_stop_decision",
    "evaluate_suite",
    "evaluate_suite_async",
    "evaluate_suite_early_stop",
    "example_fields",
    "get_adapter",
    "load_callable",
    "register_adapter",
    "request_key",
    "sequential_decision",
]
