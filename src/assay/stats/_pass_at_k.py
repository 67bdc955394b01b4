"""pass@k from repeated samples: the chance that at least one of k samples of an example passes."""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np
import numpy.typing as npt

from assay._util import check_int
from assay.errors import DataError
from assay.stats._checks import as_float_array, check_confidence
from assay.stats._estimates import (
    average_samples,
    binary_mean_interval,
    mean_interval,
    require_units,
)
from assay.stats._results import Estimate

__all__ = ["pass_at_k", "pass_at_k_interval"]


def pass_at_k(n: Any, c: Any, k: int) -> npt.NDArray[np.float64]:
    """Unbiased estimator of pass@k for each example from ``n`` samples of which ``c`` passed.

    ``1 - C(n - c, k) / C(n, k)`` (Chen et al. 2021, "Evaluating large language models trained
    on code"), computed as a stable product ``1 - prod_{i=n-c+1}^{n} (1 - k / i)``. It is the
    probability that k samples drawn without replacement from the n include a passing one, so
    it is unbiased for the example's pass@k when samples are exchangeable. Needs ``k <= n``.
    """
    function = "pass_at_k"
    k = check_int(k, "k", function)
    n_arr = np.asarray(n, dtype=np.int64).reshape(-1)
    c_arr = np.asarray(c, dtype=np.int64).reshape(-1)
    if n_arr.shape != c_arr.shape:
        raise DataError(
            f"{function}: n and c have different lengths ({n_arr.size} vs {c_arr.size})"
        )
    bad = (c_arr < 0) | (c_arr > n_arr)
    if bad.any():
        row = int(np.flatnonzero(bad)[0])
        raise DataError(
            f"{function}: the passing count is outside 0..n",
            row=row,
            expected=f"0 <= c <= {int(n_arr[row])}",
            found=str(int(c_arr[row])),
        )
    short = n_arr < k
    if short.any():
        row = int(np.flatnonzero(short)[0])
        raise DataError(
            f"{function}: pass@{k} needs at least {k} samples per example",
            row=row,
            expected=f">= {k} samples",
            found=str(int(n_arr[row])),
        )
    out = np.empty(n_arr.size, dtype=np.float64)
    for i, (ni, ci) in enumerate(zip(n_arr.tolist(), c_arr.tolist(), strict=True)):
        if ni - ci < k:
            out[i] = 1.0
        else:
            out[i] = 1.0 - float(
                np.prod(1.0 - k / np.arange(ni - ci + 1, ni + 1, dtype=np.float64))
            )
    return out


def pass_at_k_interval(
    passed: Any,
    example_ids: Any,
    k: int,
    *,
    clusters: Any = None,
    confidence: float = 0.95,
) -> Estimate:
    """pass@k of a run with its interval, from one 0/1 outcome per sample.

    Samples are grouped by example; each example's unbiased pass@k (:func:`pass_at_k`) is one
    unit, and the mean over examples gets :func:`mean_interval`'s Student t interval
    (cluster-robust with ``clusters``); when every example's value is 0 or 1 (each passes all
    k or none), they are a proportion and get :func:`binary_mean_interval` (Wilson for few or
    extreme values) instead of a t interval of zero width. The interval covers sampling of
    *examples*; the within-example sampling noise is already in each example's value.
    """
    function = "pass_at_k_interval"
    check_int(k, "k", function)
    check_confidence(confidence, function)  # here, so that the error names this function
    x = as_float_array(passed, "passed", function)
    require_units(x, "passed", function)
    not_binary = (x != 0.0) & (x != 1.0)
    if not_binary.any():
        row = int(np.flatnonzero(not_binary)[0])
        raise DataError(
            f"{function}: pass@k needs 0/1 outcomes", row=row, expected="0 or 1", found=repr(x[row])
        )
    grouped = average_samples(x, example_ids, clusters=clusters)
    counts = grouped.n_samples
    passes = np.rint(grouped.means * counts).astype(np.int64)
    values = pass_at_k(counts, passes, k)
    if np.all((values == 0.0) | (values == 1.0)):
        # every example passes all k or none: a proportion, and a t interval would be a point
        est = binary_mean_interval(values, clusters=grouped.clusters, confidence=confidence)
    else:
        est = mean_interval(values, clusters=grouped.clusters, confidence=confidence)
    notes = [*est.notes, *grouped.notes]
    low, high = max(est.low, 0.0), min(est.high, 1.0)
    if (low, high) != (est.low, est.high):
        notes.append("interval clipped to [0, 1], the range of pass@k")
    return dataclasses.replace(
        est,
        low=low,
        high=high,
        method=f"unbiased pass@{k} per example (Chen et al. 2021); {est.method} over examples",
        notes=tuple(notes),
    )
