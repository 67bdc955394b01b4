"""Running a suite against a model adapter; records go to whatever the caller does with them.

* Synchronous adapters (:class:`ModelAdapter`: callables, scikit-learn) and asynchronous
  ones (:class:`AsyncModelAdapter`: :class:`OpenAIAdapter` for OpenAI-compatible endpoints,
  :class:`HuggingFaceAdapter` for local transformers models, found with
  :func:`shipped_model`) register by name (:func:`register_adapter`, :func:`get_adapter`).
  Each describes itself as an :class:`AdapterSpec` (registry name and settings, recorded in
  a run's manifest) and :func:`build_adapter` rebuilds it from one (or refuses, with
  :class:`AdapterRebuildError`).
  :func:`adapter_for_suite` gives an adapter the suite's prompt template.
* :func:`evaluate_suite` runs either kind; :func:`evaluate_suite_async` is the asynchronous
  path (concurrency, retries, rate limits, repeated samples, :class:`ResponseCache`).
* :func:`evaluate_suite_ray` (or ``evaluate_suite(..., backend="ray")``) runs shards of a
  suite on a Ray cluster and returns the same records as the local runner, latency aside;
  :func:`compare_records_ray` compares two runs held as Ray shards (each range of example
  ids accumulated on a Ray worker by the streaming comparison, merged in id order).
* :func:`evaluate_suite_early_stop` evaluates in a seeded random order and stops when an
  anytime-valid confidence sequence decides (:class:`EarlyStop`, :class:`EarlyStopResult`).
* :class:`PromptTemplate` renders an example's fields into a prompt.
* Text models: :class:`VaderAdapter` (rule-based sentiment), :class:`SentenceEmbeddingAdapter`
  (local sentence-transformers model; :func:`shipped_minilm` finds the shipped MiniLM) and
  :class:`EmbeddingClassifierAdapter` (embeddings, then a fitted scikit-learn classifier).
* Serving load tests (:mod:`assay.runners.load`): :func:`run_load`, :func:`summarise_load`,
  :func:`judge_objectives`.
* :class:`ModelGradedScorer` is a judge model with a rubric; :func:`grade_records` grades a
  run's records with judges (concurrency, response cache, per-record failures).
* :class:`EmbeddingJudge` is a trained judge (logistic regression on MiniLM embeddings of
  objective and response) in a digested file (:func:`load_judge`), fitted and
  cross-validated against human labels by :func:`fit_embedding_judge`
  (:class:`JudgeValidation`); :func:`judge_records` scores a run's records with it.
"""

from typing import TYPE_CHECKING

from assay._util import lazy_exports
from assay.runners._async_runner import (
    AsyncModelAdapter,
    AsyncModelClient,
    ModelResponse,
    evaluate_suite_async,
)
from assay.runners._cache import ResponseCache, request_key
from assay.runners._local import ProgressCallback, Scorer, evaluate_suite
from assay.runners._scoring import MODEL_GRADED, not_yet_graded
from assay.runners._tasks import PromptTemplate, adapter_for_suite, example_fields
from assay.runners.adapters._base import (
    CallableAdapter,
    ModelAdapter,
    SklearnAdapter,
    adapter_names,
    build_adapter,
    get_adapter,
    load_callable,
    register_adapter,
)
from assay.runners.adapters._buckets import TokenBucket
from assay.runners.adapters._embed import (
    EmbeddingClassifierAdapter,
    SentenceEmbeddingAdapter,
    shipped_minilm,
)
from assay.runners.adapters._hf import HuggingFaceAdapter, shipped_model
from assay.runners.adapters._http import RetryPolicy
from assay.runners.adapters._openai import OpenAIAdapter
from assay.runners.adapters._spec import AdapterRebuildError, AdapterSpec
from assay.runners.adapters._vader import VaderAdapter

if TYPE_CHECKING:
    from assay.runners._early_stop import (
        EarlyStop,
        EarlyStopDecision,
        EarlyStopResult,
        early_stop_decision,
        evaluate_suite_early_stop,
        evaluation_order,
        replay_early_stop,
        sequential_decision,
    )
    from assay.runners._ray import evaluate_suite_ray
    from assay.runners._ray_compare import compare_records_ray
    from assay.runners.judges._apply import judge_records
    from assay.runners.judges._features import PairEmbedder
    from assay.runners.judges._fit import fit_embedding_judge
    from assay.runners.judges._grading import grade_records, grade_records_async
    from assay.runners.judges._scorer import ModelGradedScorer
    from assay.runners.judges._trained import EmbeddingJudge, load_judge
    from assay.runners.judges._validation import JudgeValidation
    from assay.runners.load import (
        LoadResult,
        LoadSummary,
        RequestTiming,
        arrival_schedule,
        judge_objectives,
        parse_objective,
        run_load,
        summarise_load,
    )

__all__ = [
    "MODEL_GRADED",
    "AdapterRebuildError",
    "AdapterSpec",
    "AsyncModelAdapter",
    "AsyncModelClient",
    "CallableAdapter",
    "EarlyStop",
    "EarlyStopDecision",
    "EarlyStopResult",
    "EmbeddingClassifierAdapter",
    "EmbeddingJudge",
    "HuggingFaceAdapter",
    "JudgeValidation",
    "LoadResult",
    "LoadSummary",
    "ModelAdapter",
    "ModelGradedScorer",
    "ModelResponse",
    "OpenAIAdapter",
    "PairEmbedder",
    "ProgressCallback",
    "PromptTemplate",
    "RequestTiming",
    "ResponseCache",
    "RetryPolicy",
    "Scorer",
    "SentenceEmbeddingAdapter",
    "SklearnAdapter",
    "TokenBucket",
    "VaderAdapter",
    "adapter_for_suite",
    "adapter_names",
    "arrival_schedule",
    "build_adapter",
    "compare_records_ray",
    "early_stop_decision",
    "evaluate_suite",
    "evaluate_suite_async",
    "evaluate_suite_early_stop",
    "evaluate_suite_ray",
    "evaluation_order",
    "example_fields",
    "fit_embedding_judge",
    "get_adapter",
    "grade_records",
    "grade_records_async",
    "judge_objectives",
    "judge_records",
    "load_callable",
    "load_judge",
    "not_yet_graded",
    "parse_objective",
    "register_adapter",
    "replay_early_stop",
    "request_key",
    "run_load",
    "sequential_decision",
    "shipped_minilm",
    "shipped_model",
    "summarise_load",
]

# Early stopping, Ray, judges and load tests (and the statistics they need) load on first use,
# so running a suite starts without them.
_LAZY = {
    "EarlyStop": "assay.runners._early_stop",
    "EarlyStopDecision": "assay.runners._early_stop",
    "EarlyStopResult": "assay.runners._early_stop",
    "EmbeddingJudge": "assay.runners.judges._trained",
    "JudgeValidation": "assay.runners.judges._validation",
    "LoadResult": "assay.runners.load",
    "LoadSummary": "assay.runners.load",
    "ModelGradedScorer": "assay.runners.judges._scorer",
    "PairEmbedder": "assay.runners.judges._features",
    "RequestTiming": "assay.runners.load",
    "arrival_schedule": "assay.runners.load",
    "compare_records_ray": "assay.runners._ray_compare",
    "early_stop_decision": "assay.runners._early_stop",
    "evaluate_suite_early_stop": "assay.runners._early_stop",
    "evaluate_suite_ray": "assay.runners._ray",
    "evaluation_order": "assay.runners._early_stop",
    "fit_embedding_judge": "assay.runners.judges._fit",
    "grade_records": "assay.runners.judges._grading",
    "grade_records_async": "assay.runners.judges._grading",
    "judge_objectives": "assay.runners.load",
    "judge_records": "assay.runners.judges._apply",
    "load_judge": "assay.runners.judges._trained",
    "parse_objective": "assay.runners.load",
    "replay_early_stop": "assay.runners._early_stop",
    "run_load": "assay.runners.load",
    "sequential_decision": "assay.runners._early_stop",
    "summarise_load": "assay.runners.load",
}


__getattr__, __dir__ = lazy_exports(__name__, _LAZY, globals())
