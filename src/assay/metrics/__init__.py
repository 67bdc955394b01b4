"""Metric definitions and per-example scorers: how each metric is scored, aggregated and resampled.

* Scorers turn one (output, reference) pair into a float: :func:`get_scorer`,
  :func:`register_scorer`.
* Metric definitions say how per-example inputs aggregate (a mean, a function of summed
  sufficient statistics, or a custom resampling) and which direction is better:
  :func:`get_metric`, :func:`register_metric`, :class:`MetricDefinition`.
* :func:`evaluate_metric` and :func:`compare_metric` pick the right interval and paired test.
* :func:`calibrate_judge` checks a judge model against human labels: agreement, and the mean
  human score corrected by PPI++ (:class:`JudgeCalibration`).
"""

# Importing the metric modules registers the built-in metrics.
from assay.metrics._classification import confusion_statistics
from assay.metrics._evaluate import compare_metric, evaluate_metric
from assay.metrics._judge_calibration import JudgeCalibration, calibrate_judge
from assay.metrics._judged_rate import JudgedRate, judged_rate
from assay.metrics._latency import paired_ratio_delta, ratio_delta_interval
from assay.metrics._ranking import auc_jackknife, ndcg, reciprocal_rank, roc_auc, weighted_auc
from assay.metrics._refusal import (
    DETECTOR_VERSION,
    REFUSAL_OPENERS,
    REFUSAL_PHRASES,
    attack_success,
    is_refusal,
    over_refusal,
    refusal,
)
from assay.metrics._registry import (
    Aggregation,
    CustomResampling,
    Direction,
    MetricDefinition,
    get_metric,
    list_metrics,
    register_metric,
)
from assay.metrics._safety import SAFETY_KINDS, SafetySummary, TemplateUplift, safety_summary
from assay.metrics._scorers import (
    Scorer,
    absolute_error,
    abstaining,
    brier,
    exact_match,
    get_scorer,
    list_scorers,
    log_loss,
    normalize_text,
    normalized_match,
    register_scorer,
    scorer_abstains,
    squared_error,
)
from assay.metrics._ter import ter_statistics, ter_value
from assay.metrics._text import (
    bleu_statistics,
    bleu_value,
    chrf_statistics,
    chrf_value,
    rouge_scores,
    tokenize_13a,
)
from assay.metrics._text_scorers import (
    contains,
    embedding_similarity,
    json_valid,
    last_number,
    minilm_model_dir,
    numeric_tolerance,
    regex_match,
)

__all__ = [
    "DETECTOR_VERSION",
    "REFUSAL_OPENERS",
    "REFUSAL_PHRASES",
    "SAFETY_KINDS",
    "Aggregation",
    "CustomResampling",
    "Direction",
    "JudgeCalibration",
    "JudgedRate",
    "MetricDefinition",
    "SafetySummary",
    "Scorer",
    "TemplateUplift",
    "absolute_error",
    "abstaining",
    "attack_success",
    "auc_jackknife",
    "bleu_statistics",
    "bleu_value",
    "brier",
    "calibrate_judge",
    "chrf_statistics",
    "chrf_value",
    "compare_metric",
    "confusion_statistics",
    "contains",
    "embedding_similarity",
    "evaluate_metric",
    "exact_match",
    "get_metric",
    "get_scorer",
    "is_refusal",
    "json_valid",
    "judged_rate",
    "last_number",
    "list_metrics",
    "list_scorers",
    "log_loss",
    "minilm_model_dir",
    "ndcg",
    "normalize_text",
    "normalized_match",
    "numeric_tolerance",
    "over_refusal",
    "paired_ratio_delta",
    "ratio_delta_interval",
    "reciprocal_rank",
    "refusal",
    "regex_match",
    "register_metric",
    "register_scorer",
    "roc_auc",
    "rouge_scores",
    "safety_summary",
    "scorer_abstains",
    "squared_error",
    "ter_statistics",
    "ter_value",
    "tokenize_13a",
    "weighted_auc",
]
