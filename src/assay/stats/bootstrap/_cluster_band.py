"""The band method with clusters: exact bootstrap of quantiles when clusters are resampled.

With clusters (the suite's clusters, or examples timed together), a resample is a vector of
cluster weights and every member of a cluster repeats with its cluster's weight. As in the
unclustered band method (``_band.py``), only values ranked near the quantile matter
individually; here the unit carrying a weight is the cluster:

* the band of ranks is widened for clustering: its half-width is five standard deviations
  of the resampled count below the quantile's rank, ``sqrt(sum_k (b_k - q m_k)^2)``
  (``b_k`` members of cluster ``k`` below the rank, ``m_k`` in the slice), plus the largest
  cluster;
* band members are merged into *atoms* of equal value and cluster (examples timed together
  share one latency, so a timing group of hundreds of examples is one atom);
* every cluster with an atom in some band is its own category (its count is its weight);
  the other clusters are grouped into categories of equal counts in each slice and below
  each band, so a category's count times those counts gives its contribution.

Category counts are drawn once per resample (multinomial over clusters, or Poisson) and a
resample whose quantile leaves the band is recomputed from exact cluster weights (category
counts split uniformly over their clusters), so the result has exactly the distribution of
resampling clusters, in ``O(resamples × (categories + atoms))``.
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt

from assay.stats.bootstrap._band import _band_values
from assay.stats.bootstrap._core import category_codes
from assay.stats.bootstrap._order import weighted_quantile
from assay.stats.bootstrap._weights import _RESAMPLE_BLOCK, ResampleWeights, parallel_map

__all__ = ["cluster_band_replicates"]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
_BAND_SD = 5.0
_TAG_FALLBACK_STREAM = 8
_MAX_COUNTS = 1 << 25  # category counts held at once (resamples × categories)


def _band_limits(cl: IntArray, n_clusters: int, q: float) -> tuple[int, int]:
    """Ranks ``[lo, hi)`` of one sorted slice that hold its resampled quantile (nearly always)."""
    m = cl.size
    centre = math.floor(q * max(m - 1, 0))
    below = np.bincount(cl[:centre], minlength=n_clusters).astype(np.float64)
    size = np.bincount(cl, minlength=n_clusters)
    sd = math.sqrt(float(((below - q * size) ** 2).sum()))
    half = math.ceil(_BAND_SD * sd) + int(size.max(initial=0)) + 3
    return max(0, centre - half), min(m, centre + half + 2)


def _atoms(x: FloatArray, cl: IntArray) -> tuple[FloatArray, IntArray, IntArray]:
    """Band members merged by (value, cluster): values (sorted), clusters, multiplicities."""
    by = np.lexsort((cl, x))
    xs, cs = x[by], cl[by]
    new = np.ones(xs.size, dtype=bool)
    new[1:] = (xs[1:] != xs[:-1]) | (cs[1:] != cs[:-1])
    starts = np.flatnonzero(new)
    mult = np.diff(np.append(starts, xs.size)).astype(np.int64)
    return xs[starts], cs[starts], mult


def cluster_band_replicates(
    values: FloatArray,
    masks: npt.NDArray[np.bool_],
    orders: list[list[IntArray]],
    clusters: IntArray,
    q: float,
    weights: ResampleWeights,
) -> FloatArray | None:
    """``(slices, models, B)`` replicates with clusters resampled whole (module docstring).

    ``None`` when the clusters fall into too many categories for the method to pay off.
    """
    n_models = values.shape[0]
    n_slices = masks.shape[0]
    k = int(clusters.max()) + 1
    segments = [(s, mod) for s in range(n_slices) for mod in range(n_models)]
    in_slice = np.stack([np.bincount(clusters[m], minlength=k) for m in masks], axis=1)
    below_cols, atom_x, atom_cl, atom_mult, seg_start = [], [], [], [], [0]
    for s, mod in segments:
        order = orders[s][mod]
        cl = clusters[order]
        lo, hi = _band_limits(cl, k, q)
        below_cols.append(np.bincount(cl[:lo], minlength=k))
        x, c, m = _atoms(values[mod, order[lo:hi]], cl[lo:hi])
        atom_x.append(x)
        atom_cl.append(c)
        atom_mult.append(m)
        seg_start.append(seg_start[-1] + x.size)
    profile = np.hstack([in_slice, np.stack(below_cols, axis=1)])
    pooled = np.zeros(k, dtype=bool)
    band_cl = np.concatenate(atom_cl)
    pooled[band_cl] = True
    # clusters with band members get their own category; the rest are grouped by profile
    leading = np.where(pooled, np.arange(k) + 1, 0)
    limit = max(1024, _MAX_COUNTS // weights.resamples)
    codes = category_codes(profile, limit=limit, leading=leading)
    if codes is None:
        return None
    # categories numbered by their first cluster, so the draw does not depend on value order
    n_cat = int(codes.max()) + 1
    first = np.full(n_cat, k, dtype=np.int64)
    np.minimum.at(first, codes, np.arange(k))
    rank = np.empty(n_cat, dtype=np.int64)
    rank[np.argsort(first, kind="stable")] = np.arange(n_cat)
    cat = rank[codes]
    sizes = np.bincount(cat, minlength=n_cat)
    leader = np.empty(n_cat, dtype=np.int64)
    leader[cat[::-1]] = np.arange(k)[::-1]
    per_slice = in_slice[leader].astype(np.float64)
    per_below = profile[leader, n_slices:].astype(np.float64)
    by_cat = np.argsort(cat, kind="stable")  # clusters in the order split_counts fills them
    seg_slice = np.array([s for s, _ in segments], dtype=np.int64)
    band_x = np.concatenate(atom_x)
    band_cat = cat[band_cl]
    band_mult = np.concatenate(atom_mult)
    starts = np.asarray(seg_start, dtype=np.int64)
    counts = weights.category_counts(sizes, stream=1)
    out = np.empty((n_slices, n_models, weights.resamples))

    def block(r0: int) -> None:
        r1 = min(weights.resamples, r0 + _RESAMPLE_BLOCK)
        c = counts[r0:r1]
        cf = c.astype(np.float64)  # integer sums stay exact in float64 matrix products
        total = (cf @ per_slice).astype(np.int64)[:, seg_slice]
        k_below = (cf @ per_below).astype(np.int64)
        w_band = c[:, band_cat] * band_mult
        vals, inside = _band_values(band_x, starts, k_below, w_band, total, q)
        for b, g in zip(*np.nonzero(~inside), strict=True):
            s, mod = segments[g]
            split = weights.split_counts(c[b][None, :], sizes, _TAG_FALLBACK_STREAM, r0 + b)
            cw = np.empty(k)
            cw[by_cat] = split[0]
            order = orders[s][mod]
            vals[b, g] = weighted_quantile(values[mod, order], cw[clusters[order]][None, :], q)[0]
        for g, (s, mod) in enumerate(segments):
            out[s, mod, r0:r1] = vals[:, g]

    parallel_map(block, list(range(0, weights.resamples, _RESAMPLE_BLOCK)))
    return out
