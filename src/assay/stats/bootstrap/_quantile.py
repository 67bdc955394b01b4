"""Bootstrap of quantiles (p50/p95/p99 latency), single and paired, over slices.

The resampled quantile is the ``"linear"`` (numpy default) quantile of the resampled data,
i.e. of the values repeated by their integer resample weights. Two ways to get it:

* **band method** (default; ``_band.py``, and ``_cluster_band.py`` with clusters): only
  examples (clusters) ranked near the quantile get their own weights, the rest count through
  category totals; exact, in ``O(resamples × (categories + band))``, with every slice on one
  draw. The same distribution as the dense method, from other random draws.
* **dense method** (``fast_path=False``, or clusters too varied for categories): full
  per-unit weights from the shared :class:`~assay.stats.ResampleWeights`, a weighted
  quantile per resample, ``O(resamples × n)``.

The jackknife (for BCa) leaves out one example, or one cluster, in ``O(n log n)``: removing
items only shifts order statistics, so each leave-one-out quantile is read off the sorted
values directly.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping

import numpy as np
import numpy.typing as npt

from assay.errors import DataError, ParameterError, UnderpoweredWarning
from assay.stats._checks import as_float_array, check_confidence, check_probability
from assay.stats._results import Alternative, Estimate, PairedResult
from assay.stats.bootstrap._band import band_replicates
from assay.stats.bootstrap._bca import IntervalMethod
from assay.stats.bootstrap._cluster_band import cluster_band_replicates
from assay.stats.bootstrap._core import Replicates
from assay.stats.bootstrap._order import jackknife_quantiles, weighted_quantile
from assay.stats.bootstrap._results import (
    _check_alternative,
    _check_method,
    _cluster_codes,
    _weights_for,
    estimate_from_replicates,
    paired_from_replicates,
)
from assay.stats.bootstrap._weights import ResampleKind, ResampleWeights, parallel_map

__all__ = ["paired_quantile_bootstrap", "paired_quantile_table", "quantile_bootstrap"]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


def _dense_replicates(
    values: FloatArray,
    masks: npt.NDArray[np.bool_],
    orders: list[list[IntArray]],
    units: IntArray,
    q: float,
    weights: ResampleWeights,
) -> FloatArray:
    out = np.empty((masks.shape[0], values.shape[0], weights.resamples))
    for sl, w in weights.iter_dense(units):
        for s in range(masks.shape[0]):
            for mod in range(values.shape[0]):
                o = orders[s][mod]
                out[s, mod, sl] = weighted_quantile(values[mod, o], w[:, o], q)
    return out


def _quantile_replicates(
    values: FloatArray,
    masks: npt.NDArray[np.bool_],
    clusters: IntArray | None,
    q: float,
    weights: ResampleWeights,
    fast_path: bool,
) -> tuple[list[list[Replicates]], str]:
    n = values.shape[1]
    n_models = values.shape[0]
    slice_idx = [np.flatnonzero(m) for m in masks]
    local: list[list[IntArray]] = [[np.zeros(0, np.int64)] * n_models for _ in slice_idx]

    def sort(job: tuple[int, int]) -> None:
        s, mod = job
        local[s][mod] = np.argsort(values[mod, slice_idx[s]], kind="stable")

    jobs = [(s, mod) for s in range(len(slice_idx)) for mod in range(n_models)]
    parallel_map(sort, jobs)
    orders = [[idx[lo] for lo in row] for idx, row in zip(slice_idx, local, strict=True)]
    reps: FloatArray | None = None
    if fast_path and clusters is None:
        reps = band_replicates(values, masks, slice_idx, orders, q, weights)
        note = "band method: exact order-statistic resampling"
    elif fast_path and clusters is not None:
        reps = cluster_band_replicates(values, masks, orders, clusters, q, weights)
        note = "band method: exact order-statistic resampling of whole clusters"
    if reps is None:
        units = np.arange(n, dtype=np.int64) if clusters is None else clusters
        reps = _dense_replicates(values, masks, orders, units, q, weights)
        note = "dense weights"
    out = [
        [Replicates(math.nan, reps[s, mod], np.zeros(0), None) for mod in range(n_models)]
        for s in range(len(slice_idx))
    ]

    def jackknife(job: tuple[int, int]) -> None:
        s, mod = job
        idx = slice_idx[s]
        if idx.size:
            x = values[mod, idx]
            groups = None if clusters is None else clusters[idx]
            jk, _ = jackknife_quantiles(x, groups, q, local[s][mod])
            est = float(np.quantile(x, q))
            out[s][mod] = Replicates(est, reps[s, mod], jk, None)

    parallel_map(jackknife, jobs)
    return out, note


def _prepare(
    arrays: list[npt.ArrayLike],
    q: float,
    fn: str,
    slices: Mapping[str, npt.ArrayLike] | None,
    clusters: npt.ArrayLike | None,
) -> tuple[FloatArray, npt.NDArray[np.bool_], list[str], IntArray | None, float]:
    qq = check_probability(q, "q", fn)
    vals = np.stack([as_float_array(a, "values", fn) for a in arrays])
    n = vals.shape[1]
    if n == 0:
        raise DataError(f"{fn}: no values", expected="at least one value", found="0")
    names = ["all"] if slices is None else list(slices)
    masks = (
        np.ones((1, n), dtype=bool)
        if slices is None
        else np.stack([np.asarray(m, dtype=bool) for m in slices.values()])
    )
    if masks.shape != (len(names), n):
        raise ParameterError("slices", fn, f"boolean masks of length {n}", masks.shape)
    return vals, masks, names, _cluster_codes(clusters, n, fn), qq


def paired_quantile_table(
    baseline: npt.ArrayLike,
    candidate: npt.ArrayLike,
    q: float,
    *,
    slices: Mapping[str, npt.ArrayLike] | None = None,
    rng: int | np.random.Generator = 0,
    weights: ResampleWeights | None = None,
    resamples: int = 2000,
    kind: ResampleKind = "multinomial",
    clusters: npt.ArrayLike | None = None,
    confidence: float = 0.95,
    method: IntervalMethod = "bca",
    alternative: Alternative = "two-sided",
    fast_path: bool = True,
) -> dict[str, PairedResult]:
    """Paired bootstrap of the difference of ``q``-quantiles (e.g. p95 latency) per slice.

    ``baseline`` and ``candidate`` hold one value per example (same examples, same order).
    Each resample recomputes both quantiles on the same resampled examples (or clusters);
    the difference is candidate minus baseline. Returns ``{slice: PairedResult}``. Assumes
    independent examples (or clusters); quantile intervals need enough examples beyond the
    quantile (for p99, hundreds of examples or more).
    """
    return _quantile_table(
        baseline,
        candidate,
        q,
        slices=slices,
        rng=rng,
        weights=weights,
        resamples=resamples,
        kind=kind,
        clusters=clusters,
        confidence=confidence,
        method=method,
        alternative=alternative,
        fast_path=fast_path,
        fn="paired_quantile_table",
    )


def _quantile_table(
    baseline: npt.ArrayLike,
    candidate: npt.ArrayLike,
    q: float,
    *,
    slices: Mapping[str, npt.ArrayLike] | None,
    rng: int | np.random.Generator,
    weights: ResampleWeights | None,
    resamples: int,
    kind: ResampleKind,
    clusters: npt.ArrayLike | None,
    confidence: float,
    method: IntervalMethod,
    alternative: Alternative,
    fast_path: bool,
    fn: str,
) -> dict[str, PairedResult]:
    conf = check_confidence(confidence, fn)
    meth, alt = _check_method(method, fn), _check_alternative(alternative, fn)
    vals, masks, names, codes, qq = _prepare([baseline, candidate], q, fn, slices, clusters)
    n_units = vals.shape[1] if codes is None else int(codes.max()) + 1
    w = _weights_for(weights, n_units, rng, resamples, kind, fn)
    reps, note = _quantile_replicates(vals, masks, codes, qq, w, fast_path)
    out: dict[str, PairedResult] = {}
    for s, name in enumerate(names):
        n_s = int(masks[s].sum())
        units = n_s if codes is None else int(np.unique(codes[masks[s]]).size)
        if units < 2:
            warnings.warn(
                UnderpoweredWarning(
                    f"slice {name!r} has {units} resampling unit(s): intervals are unbounded"
                ),
                stacklevel=3,
            )
        out[name] = paired_from_replicates(
            reps[s][0],
            reps[s][1],
            n=n_s,
            confidence=conf,
            method=meth,
            alternative=alt,
            n_clusters=None if codes is None else units,
            weights=w,
            notes=(note,),
        )
    return out


def paired_quantile_bootstrap(
    baseline: npt.ArrayLike,
    candidate: npt.ArrayLike,
    q: float,
    *,
    rng: int | np.random.Generator = 0,
    weights: ResampleWeights | None = None,
    resamples: int = 2000,
    kind: ResampleKind = "multinomial",
    clusters: npt.ArrayLike | None = None,
    confidence: float = 0.95,
    method: IntervalMethod = "bca",
    alternative: Alternative = "two-sided",
    fast_path: bool = True,
) -> PairedResult:
    """Paired bootstrap of ``quantile(candidate, q) - quantile(baseline, q)`` (one slice).

    See :func:`paired_quantile_table`; quantiles are numpy's default (linear) definition.
    """
    return _quantile_table(
        baseline,
        candidate,
        q,
        slices=None,
        rng=rng,
        weights=weights,
        resamples=resamples,
        kind=kind,
        clusters=clusters,
        confidence=confidence,
        method=method,
        alternative=alternative,
        fast_path=fast_path,
        fn="paired_quantile_bootstrap",
    )["all"]


def quantile_bootstrap(
    values: npt.ArrayLike,
    q: float,
    *,
    rng: int | np.random.Generator = 0,
    weights: ResampleWeights | None = None,
    resamples: int = 2000,
    kind: ResampleKind = "multinomial",
    clusters: npt.ArrayLike | None = None,
    confidence: float = 0.95,
    method: IntervalMethod = "bca",
    fast_path: bool = True,
) -> Estimate:
    """Bootstrap interval of the ``q``-quantile of ``values`` (numpy's linear definition)."""
    fn = "quantile_bootstrap"
    conf = check_confidence(confidence, fn)
    meth = _check_method(method, fn)
    vals, masks, _, codes, qq = _prepare([values], q, fn, None, clusters)
    n_units = vals.shape[1] if codes is None else int(codes.max()) + 1
    w = _weights_for(weights, n_units, rng, resamples, kind, fn)
    reps, note = _quantile_replicates(vals, masks, codes, qq, w, fast_path)
    rep = reps[0][0]
    if n_units < 2:
        warnings.warn(
            UnderpoweredWarning(f"{fn}: {n_units} resampling unit(s): the interval is unbounded"),
            stacklevel=2,
        )
    return estimate_from_replicates(
        rep.estimate,
        rep.replicates,
        jackknife=rep.jackknife,
        n=vals.shape[1],
        confidence=conf,
        method=meth,
        n_clusters=None if codes is None else n_units,
        weights=w,
        notes=(note,),
    )
