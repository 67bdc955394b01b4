"""Bootstrap results from replicates: intervals, p-values and argument checks they share.

:func:`estimate_from_replicates` and :func:`paired_from_replicates` turn bootstrap
replicates (and jackknife values, for BCa) into the shared result types. Any statistic can
use them: the engine's sums, AUC on dense weights, quantiles by the band method.

With ``n_clusters`` the replicates resample that many clusters, and the intervals and
p-values are expanded for them (Hesterberg's expanded percentile, see
:func:`assay.stats._clustered.expanded_tail`): each result's ``method`` says so, and its
``confidence`` stays the one asked for.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

from assay._util import check_choice
from assay.errors import DataError, ParameterError
from assay.stats._checks import as_float_array, check_alternative, check_confidence
from assay.stats._clustered import expanded_method, expanded_p_value
from assay.stats._results import Alternative, Estimate, PairedResult, TestResult
from assay.stats.bootstrap._bca import (
    IntervalMethod,
    beyond_resamples,
    bootstrap_interval,
    bootstrap_p_value,
)
from assay.stats.bootstrap._core import Replicates
from assay.stats.bootstrap._weights import ResampleKind, ResampleWeights, make_weights

__all__ = ["estimate_from_replicates", "paired_from_replicates"]

FloatArray = npt.NDArray[np.float64]
_METHOD_NAMES = {"bca": "bca bootstrap", "percentile": "percentile bootstrap"}
_METHODS: tuple[IntervalMethod, ...] = ("bca", "percentile")
_TEST_NAME = "paired bootstrap"


def beyond_note(n_clusters: int, resamples: int) -> str:
    """The note of an interval whose expanded tail lies beyond ``resamples`` replicates."""
    return (
        f"the tail expanded for {n_clusters} clusters lies beyond what {resamples:,} resamples "
        "resolve: the interval is unbounded"
    )


def method_name(method: IntervalMethod, n_clusters: int | None) -> str:
    """The interval's method in words; expanded for ``n_clusters`` clusters when there are
    two or more."""
    name = _METHOD_NAMES[method]
    return name if n_clusters is None or n_clusters < 2 else expanded_method(name, n_clusters)


def paired_test_name(n_clusters: int | None) -> str:
    """The paired bootstrap test in words (expanded for two or more clusters)."""
    if n_clusters is None or n_clusters < 2:
        return _TEST_NAME
    return expanded_method(_TEST_NAME, n_clusters)


def expanded_test_p(
    p_value: npt.ArrayLike, n_clusters: int | None, alternative: Alternative
) -> npt.NDArray[np.float64]:
    """The bootstrap p-value, through the expansion for two or more clusters."""
    if n_clusters is None or n_clusters < 2:
        return np.asarray(p_value, dtype=np.float64)
    return expanded_p_value(p_value, alternative, n_clusters)


def _stats(values: npt.ArrayLike, name: str, fn: str) -> npt.NDArray[Any]:
    """2-D statistics; integer and boolean arrays keep their (compact) dtype, as they hold
    no NaN, so category detection works on a fraction of the memory."""
    arr = np.asarray(values)
    if arr.ndim == 1:
        arr = arr.reshape(-1, 1)
    if arr.ndim == 2 and (np.issubdtype(arr.dtype, np.integer) or arr.dtype == np.bool_):
        return arr.view(np.uint8) if arr.dtype == np.bool_ else arr
    return as_float_array(arr, name, fn, ndim=2)


def _check_method(method: Any, fn: str) -> IntervalMethod:
    chosen: IntervalMethod = check_choice(method, "method", fn, _METHODS)
    return chosen


def _check_alternative(alternative: Any, fn: str) -> Alternative:
    return check_alternative(alternative, fn)  # type: ignore[no-any-return]


def _cluster_codes(clusters: npt.ArrayLike | None, n: int, fn: str) -> npt.NDArray[np.int64] | None:
    if clusters is None:
        return None
    arr = np.asarray(clusters)
    if arr.shape != (n,):
        raise ParameterError("clusters", fn, f"one cluster label per example ({n})", arr.shape)
    if arr.dtype.kind == "f" and np.isnan(arr).any():
        i = int(np.flatnonzero(np.isnan(arr))[0])
        raise DataError(f"{fn}: clusters[{i}] is NaN", row=i, expected="a cluster label")
    return np.unique(arr, return_inverse=True)[1].astype(np.int64)


def _weights_for(
    weights: ResampleWeights | None,
    n_units: int,
    rng: int | np.random.Generator,
    resamples: int,
    kind: ResampleKind,
    fn: str,
) -> ResampleWeights:
    if weights is None:
        return make_weights(n_units, resamples, rng, kind, fn)
    if not isinstance(weights, ResampleWeights):
        raise ParameterError("weights", fn, "a ResampleWeights from bootstrap_weights", weights)
    if weights.kind == "multinomial" and weights.n_units != n_units:
        raise ParameterError(
            "weights", fn, f"weights over the {n_units} resampling units", weights.n_units
        )
    if weights.n_units is not None and weights.n_units < n_units:
        raise ParameterError("weights", fn, f"weights over >= {n_units} units", weights.n_units)
    return weights


def estimate_from_replicates(
    estimate: float,
    replicates: npt.ArrayLike,
    *,
    n: int,
    jackknife: npt.ArrayLike | None = None,
    jackknife_weights: npt.ArrayLike | None = None,
    confidence: float = 0.95,
    method: IntervalMethod = "bca",
    alternative: Alternative = "two-sided",
    n_clusters: int | None = None,
    weights: ResampleWeights | None = None,
    notes: tuple[str, ...] = (),
) -> Estimate:
    """An :class:`Estimate` from bootstrap replicates (and jackknife values, for BCa).

    For statistics whose replicates are computed elsewhere (AUC, quantiles) on the shared
    ``weights``. Replicates that are NaN (the statistic was undefined on that resample) are
    dropped and counted in the notes; with fewer than two units the interval is unbounded.
    ``n_clusters``: the replicates resample that many clusters, and the interval's tails are
    expanded for them (the module's docstring).
    """
    fn = "estimate_from_replicates"
    conf = check_confidence(confidence, fn)
    meth = _check_method(method, fn)
    alt = _check_alternative(alternative, fn)
    reps = np.asarray(replicates, dtype=np.float64).ravel()
    notes_out = list(notes)
    finite = np.isfinite(reps)
    if not finite.all():
        notes_out.append(f"{int((~finite).sum())} resamples where the metric is undefined dropped")
        reps = reps[finite]
    units = n if n_clusters is None else n_clusters
    b = weights.resamples if weights is not None else reps.size
    seed = weights.seed if weights is not None else None
    if units < 2 or reps.size < 2:
        notes_out.append("fewer than 2 resampling units: the interval is unbounded")
        return Estimate(
            float(estimate),
            -np.inf,
            np.inf,
            conf,
            _METHOD_NAMES[meth],
            n,
            None,
            n_clusters,
            b,
            seed,
            tuple(notes_out),
        )
    jk = wts = None
    if meth == "bca":
        if jackknife is None:
            raise ParameterError("jackknife", fn, "leave-one-out values for BCa", None)
        jk = np.asarray(jackknife, dtype=np.float64).ravel()
        wts = None if jackknife_weights is None else np.asarray(jackknife_weights, float).ravel()
        ok = np.isfinite(jk)
        if not ok.all():
            notes_out.append(f"{int((~ok).sum())} undefined jackknife values dropped")
            jk, wts = jk[ok], (None if wts is None else wts[ok])
    low, high, fell_back = bootstrap_interval(
        estimate,
        reps,
        confidence=conf,
        method=meth,
        alternative=alt,
        jackknife=jk,
        jackknife_weights=wts,
        n_clusters=n_clusters,
    )
    if bool(fell_back):
        notes_out.append("bca undefined (estimate outside the replicates): percentile interval")
    varies = bool(reps.min() < reps.max())
    if n_clusters is not None and varies and beyond_resamples(conf, alt, n_clusters, reps.size):
        notes_out.append(beyond_note(n_clusters, reps.size))
    se = float(np.std(reps, ddof=1))
    return Estimate(
        float(estimate),
        float(low),
        float(high),
        conf,
        method_name(meth, n_clusters),
        n,
        se,
        n_clusters,
        b,
        seed,
        tuple(notes_out),
    )


def paired_from_replicates(
    baseline: Replicates,
    candidate: Replicates,
    *,
    n: int,
    confidence: float = 0.95,
    method: IntervalMethod = "bca",
    alternative: Alternative = "two-sided",
    n_clusters: int | None = None,
    weights: ResampleWeights | None = None,
    notes: tuple[str, ...] = (),
) -> PairedResult:
    """A :class:`PairedResult` (candidate minus baseline) from replicates on the same resamples.

    Both models' replicates and jackknife values must come from the same resamples and the
    same leave-one-out order; the difference's are their differences. With ``n_clusters``
    the intervals and the p-value are expanded for that many clusters.
    """
    fn = "paired_from_replicates"
    check_confidence(confidence, fn)
    _check_method(method, fn)
    _check_alternative(alternative, fn)
    kw: dict[str, Any] = {
        "n": n,
        "confidence": confidence,
        "method": method,
        "n_clusters": n_clusters,
        "weights": weights,
        "notes": notes,
    }
    base = estimate_from_replicates(
        baseline.estimate,
        baseline.replicates,
        jackknife=baseline.jackknife,
        jackknife_weights=baseline.jackknife_weights,
        **kw,
    )
    cand = estimate_from_replicates(
        candidate.estimate,
        candidate.replicates,
        jackknife=candidate.jackknife,
        jackknife_weights=candidate.jackknife_weights,
        **kw,
    )
    diff_reps = candidate.replicates - baseline.replicates
    diff_jk = candidate.jackknife - baseline.jackknife
    d_est = candidate.estimate - baseline.estimate
    diff = estimate_from_replicates(
        d_est,
        diff_reps,
        jackknife=diff_jk,
        jackknife_weights=baseline.jackknife_weights,
        alternative=alternative,
        **kw,
    )
    finite = diff_reps[np.isfinite(diff_reps)]
    p = float(bootstrap_p_value(finite, 0.0, alternative)) if finite.size else 1.0
    p = float(expanded_test_p(p, n_clusters, alternative))
    name = paired_test_name(n_clusters)
    test = TestResult(d_est, p, name, n, alternative, None, diff.resamples, diff.seed, diff.notes)
    return PairedResult(base, cand, diff, test)
