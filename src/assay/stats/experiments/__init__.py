"""Statistics of online experiments (A/B tests), from per-arm sufficient statistics.

Design (:func:`ab_sample_size`, :func:`ab_mde_by_week`, Dunnett's critical value), readout
(:func:`ab_lift`: absolute and relative lift by the delta method, CUPED with θ pooled over the
two arms, ratio metrics), quantile lift, Bayesian lift, and the sample-ratio-mismatch test.
"""

from assay.stats.experiments._bayes import bayesian_lift
from assay.stats.experiments._design import ab_mde_by_week, ab_sample_size, dunnett_critical_value
from assay.stats.experiments._quantile import ab_quantile_lift
from assay.stats.experiments._readout import ab_lift
from assay.stats.experiments._srm import sample_ratio_test
from assay.stats.experiments._types import (
    BayesianLift,
    LiftResult,
    MDERow,
    MeanSums,
    MetricKind,
    RatioSums,
    SampleRatioResult,
    SampleSizePlan,
)

__all__ = [
    "BayesianLift",
    "LiftResult",
    "MDERow",
    "MeanSums",
    "MetricKind",
    "RatioSums",
    "SampleRatioResult",
    "SampleSizePlan",
    "ab_lift",
    "ab_mde_by_week",
    "ab_quantile_lift",
    "ab_sample_size",
    "bayesian_lift",
    "dunnett_critical_value",
    "sample_ratio_test",
]
