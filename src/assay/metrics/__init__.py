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

from typing import TYPE_CHECKING

from assay._util import lazy_exports

# The scorers register on import: a runner that scores outputs needs them and nothing else.
from assay.metrics._refusal import (
    DETECTOR_VERSION,
    REFUSAL_OPENERS,
    REFUSAL_PHRASES,
    attack_success,
    is_refusal,
    over_refusal,
    refusal,
)
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
from assay.metrics._text_scorers import (
    contains,
    embedding_similarity,
    json_valid,
    last_number,
    minilm_model_dir,
    numeric_tolerance,
    regex_match,
)

if TYPE_CHECKING:
    from assay.metrics._classification import confusion_statistics
    from assay.metrics._evaluate import compare_metric, evaluate_metric
    from assay.metrics._judge_calibration import JudgeCalibration, calibrate_judge
    from assay.metrics._judged_rate import JudgedRate, judged_rate
    from assay.metrics._latency import paired_ratio_delta, ratio_delta_interval
    from assay.metrics._ranking import auc_jackknife, ndcg, reciprocal_rank, roc_auc, weighted_auc
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
    from assay.metrics._ter import ter_statistics, ter_value
    from assay.metrics._text import (
        bleu_statistics,
        bleu_value,
        chrf_statistics,
        chrf_value,
        rouge_scores,
        tokenize_13a,
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

# The metric definitions and their statistics load on first use (the metric registry loads the
# built-in definitions on its first lookup), so scoring a run's outputs starts without them.
_LAZY = {
    "Aggregation": "assay.metrics._registry",
    "CustomResampling": "assay.metrics._registry",
    "Direction": "assay.metrics._registry",
    "JudgeCalibration": "assay.metrics._judge_calibration",
    "JudgedRate": "assay.metrics._judged_rate",
    "MetricDefinition": "assay.metrics._registry",
    "SAFETY_KINDS": "assay.metrics._safety",
    "SafetySummary": "assay.metrics._safety",
    "TemplateUplift": "assay.metrics._safety",
    "auc_jackknife": "assay.metrics._ranking",
    "bleu_statistics": "assay.metrics._text",
    "bleu_value": "assay.metrics._text",
    "calibrate_judge": "assay.metrics._judge_calibration",
    "chrf_statistics": "assay.metrics._text",
    "chrf_value": "assay.metrics._text",
    "compare_metric": "assay.metrics._evaluate",
    "confusion_statistics": "assay.metrics._classification",
    "evaluate_metric": "assay.metrics._evaluate",
    "get_metric": "assay.metrics._registry",
    "judged_rate": "assay.metrics._judged_rate",
    "list_metrics": "assay.metrics._registry",
    "ndcg": "assay.metrics._ranking",
    "paired_ratio_delta": "assay.metrics._latency",
    "ratio_delta_interval": "assay.metrics._latency",
    "reciprocal_rank": "assay.metrics._ranking",
    "register_metric": "assay.metrics._registry",
    "roc_auc": "assay.metrics._ranking",
    "rouge_scores": "assay.metrics._text",
    "safety_summary": "assay.metrics._safety",
    "ter_statistics": "assay.metrics._ter",
    "ter_value": "assay.metrics._ter",
    "tokenize_13a": "assay.metrics._text",
    "weighted_auc": "assay.metrics._ranking",
}


__getattr__, __dir__ = lazy_exports(__name__, _LAZY, globals())
