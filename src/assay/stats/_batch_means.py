"""The mean of a stationary but autocorrelated series: batch means.

Requests of a load test that queue behind one another are not independent: a slow request
makes the next ones slow, so an interval that treats them as independent is too narrow. The
method of batch means (standard in the output analysis of steady-state simulations) cuts the
series, in time order, into ``n_batches`` consecutive batches of equal size, and gives a t
interval over the batch means; when a batch is long against the correlation time, batch
means are close to independent and normal.
"""

from __future__ import annotations

import math
from typing import Any

from assay._util import check_int
from assay.errors import DataError
from assay.stats._checks import as_float_array, check_confidence
from assay.stats._results import Estimate
from assay.stats._scipy import stats

__all__ = ["batch_means_interval"]


def batch_means_interval(values: Any, *, n_batches: int = 10, confidence: float = 0.95) -> Estimate:
    """Mean of ``values`` (in time order) with a t interval over ``n_batches`` batch means.

    The first n mod n_batches values are left out so every batch has the same size (said in
    the notes); the point estimate is the mean of the values kept. ``n`` is the number of
    batches.
    """
    function = "batch_means_interval"
    x = as_float_array(values, "values", function)
    k = check_int(n_batches, "n_batches", function, minimum=2)
    conf = check_confidence(confidence, function)
    size = x.shape[0] // k
    if size < 1:
        raise DataError(
            f"batch_means_interval needs at least {k} values for {k} batches",
            found=f"{x.shape[0]} values",
        )
    dropped = x.shape[0] - size * k
    means = x[dropped:].reshape(k, size).mean(axis=1)
    point = float(means.mean())
    se = float(means.std(ddof=1) / math.sqrt(k))
    half = float(stats.t.ppf(0.5 + conf / 2, k - 1)) * se
    notes = [f"{k} batches of {size} consecutive values"]
    if dropped:
        notes.append(f"the first {dropped} values left out to make equal batches")
    return Estimate(
        estimate=point,
        low=point - half,
        high=point + half,
        confidence=conf,
        method=f"batch means ({k} batches, t)",
        n=k,
        se=se,
        notes=tuple(notes),
    )
