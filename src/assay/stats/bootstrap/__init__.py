"""The bootstrap engine: one set of resample weights shared by every metric of a comparison.

* :func:`bootstrap_weights` draws Poisson or multinomial weights over examples or clusters,
  seeded and in blocks (:class:`ResampleWeights`).
* :func:`paired_bootstrap`, :func:`bootstrap_metric`, :func:`paired_bootstrap_table`: metrics
  that are not means, recomputed from resampled sufficient statistics.
* :func:`paired_quantile_bootstrap`, :func:`quantile_bootstrap`, :func:`paired_quantile_table`,
  :func:`paired_quantiles_table` (several quantiles, one sort): quantiles through a banded path
  that never sorts per replicate.
* :func:`bootstrap_interval` (percentile or BCa with scipy's semantics) and
  :func:`bootstrap_p_value` ((c + 1) / (B + 1)).
"""

from assay.stats.bootstrap._bca import (
    IntervalMethod,
    bca_acceleration,
    bca_bias_correction,
    bootstrap_interval,
    bootstrap_p_value,
)
from assay.stats.bootstrap._core import Replicates
from assay.stats.bootstrap._family import paired_from_replicates_many
from assay.stats.bootstrap._metric import (
    PairedStats,
    bootstrap_metric,
    paired_bootstrap,
    paired_bootstrap_table,
)
from assay.stats.bootstrap._quantile import (
    paired_quantile_bootstrap,
    paired_quantile_table,
    paired_quantiles_table,
    quantile_bootstrap,
)
from assay.stats.bootstrap._results import estimate_from_replicates, paired_from_replicates
from assay.stats.bootstrap._weights import ResampleKind, ResampleWeights, bootstrap_weights

__all__ = [
    "IntervalMethod",
    "PairedStats",
    "Replicates",
    "ResampleKind",
    "ResampleWeights",
    "bca_acceleration",
    "bca_bias_correction",
    "bootstrap_interval",
    "bootstrap_metric",
    "bootstrap_p_value",
    "bootstrap_weights",
    "estimate_from_replicates",
    "paired_bootstrap",
    "paired_bootstrap_table",
    "paired_from_replicates",
    "paired_from_replicates_many",
    "paired_quantile_bootstrap",
    "paired_quantile_table",
    "paired_quantiles_table",
    "quantile_bootstrap",
]
