"""Replicates and jackknife values of quantiles, by slice and model (see ``_quantile.py``).

With clusters or dense weights the values are sorted once per slice and model
(:func:`sort_slices`); the sorts serve every quantile asked of the same data. The band method
without clusters sorts nothing: it selects the ranks it needs (``_select.py``).
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np
import numpy.typing as npt

from assay.errors import DataError, ParameterError
from assay.stats._checks import as_float_array, check_probability
from assay.stats.bootstrap._band import band_replicates
from assay.stats.bootstrap._cluster_band import cluster_band_replicates
from assay.stats.bootstrap._core import Replicates
from assay.stats.bootstrap._order import jackknife_quantiles, weighted_quantile
from assay.stats.bootstrap._results import _cluster_codes
from assay.stats.bootstrap._weights import ResampleWeights, parallel_map

__all__ = ["SortedSlices", "prepare", "quantile_replicates", "sort_slices"]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
SortedSlices = tuple[list[IntArray], list[list[IntArray]]]
"""Each slice's examples, and per slice and model the order of its values (slice-local)."""


def sort_slices(values: FloatArray, masks: npt.NDArray[np.bool_]) -> SortedSlices:
    """Each slice's examples and, per slice and model, the stable order of their values."""
    slice_idx = [np.flatnonzero(m) for m in masks]
    n_models = values.shape[0]
    local: list[list[IntArray]] = [[np.zeros(0, np.int64)] * n_models for _ in slice_idx]

    def sort(job: tuple[int, int]) -> None:
        s, mod = job
        local[s][mod] = np.argsort(values[mod, slice_idx[s]], kind="stable")

    parallel_map(sort, [(s, mod) for s in range(len(slice_idx)) for mod in range(n_models)])
    return slice_idx, local


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
                # an empty slice has no quantile: NaN replicates, as the band method gives
                out[s, mod, sl] = (
                    weighted_quantile(values[mod, o], w[:, o], q) if o.size else np.nan
                )
    return out


def quantile_replicates(
    values: FloatArray,
    masks: npt.NDArray[np.bool_],
    clusters: IntArray | None,
    q: float,
    weights: ResampleWeights,
    fast_path: bool,
    sorted_slices: SortedSlices | None = None,
    jackknife: bool = True,
) -> tuple[list[list[Replicates]], str]:
    """Replicates of the ``q``-quantile per slice and model, with their jackknife values when
    ``jackknife`` (BCa needs them, a percentile interval does not), and the method's note;
    ``sorted_slices`` from :func:`sort_slices` of the same values and masks (sorted here when
    needed and not given: the band method without clusters selects the ranks it needs
    instead)."""
    n = values.shape[1]
    n_models = values.shape[0]
    slice_idx = [np.flatnonzero(m) for m in masks]
    local: list[list[IntArray]] | None = None
    jobs = [(s, mod) for s in range(len(slice_idx)) for mod in range(n_models)]
    reps: FloatArray | None = None
    if fast_path and clusters is None:
        reps = band_replicates(values, masks, slice_idx, q, weights)
        note = "band method: exact order-statistic resampling"
    else:
        slice_idx, local = sort_slices(values, masks) if sorted_slices is None else sorted_slices
        orders = [[idx[lo] for lo in row] for idx, row in zip(slice_idx, local, strict=True)]
        if fast_path and clusters is not None:
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

    def estimate(job: tuple[int, int]) -> None:
        s, mod = job
        idx = slice_idx[s]
        if idx.size:
            x = values[mod] if idx.size == n else values[mod, idx]
            jk = np.zeros(0)
            if jackknife:  # BCa: never over clusters (a percentile interval there)
                order = None if local is None else local[s][mod]
                jk = jackknife_quantiles(x, q, order)
            out[s][mod] = Replicates(float(np.quantile(x, q)), reps[s, mod], jk, None)

    parallel_map(estimate, jobs)
    return out, note


def prepare(
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
