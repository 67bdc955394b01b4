"""Paired comparison of two deployments measured in interleaved time blocks.

A load comparison sends the same seeded schedule to the baseline and to the candidate in
alternating time blocks (ABBA or a seeded random order), so block *j* of one arm and block *j*
of the other form a pair measured minutes apart on the same machine. Drift of the machine
moves both blocks of a pair together; requests inside a block overlap in time and are not
independent. The unit of resampling is therefore the **block pair**:

* :func:`block_pair_weights`: one set of resample counts over pairs, drawn once and shared by
  every metric of a comparison (multinomial counts, as in an ordinary bootstrap over pairs).
* :func:`paired_block_quantile`: the q-quantile of each arm (smallest value whose share of
  values at or below it is at least q, numpy's ``inverted_cdf``), their difference and ratio;
  every value of a resampled pair counts as many times as the pair was drawn.
* :func:`paired_block_ratio`: sum(numerators) / sum(denominators) per arm (a share of requests
  meeting an objective, a cost per 1,000 tokens, a mean), their difference and ratio.

Intervals are **expanded percentile** intervals of the resampled statistics (Hesterberg,
"What teachers should know about the bootstrap", 2015; ``CI.percentile(expand = TRUE)`` of
R's ``resample``): a plain percentile interval over k pairs is as narrow as a z interval with
the variance divided by k, not k − 1, and covers about 90% at a stated 95% with 8 pairs. The
tail share α/2 is replaced by Φ(√(k/(k − 1)) · t⁻¹(α/2; k − 1)), which turns the interval into
a t interval with the small-sample variance where the bootstrap distribution is normal. The
p-value of no difference goes through the same map: the share of resamples on the far side
of zero, (c + 1) / (B + 1) doubled for two sides, is read as a normal tail, turned back to a
t tail with k − 1 degrees of freedom, and doubled, so a difference is significant at level α
exactly when its expanded interval excludes zero.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from assay._util import check_int, check_rng
from assay.errors import DataError
from assay.stats._checks import as_float_array, check_confidence, check_probability
from assay.stats._clustered import expanded_p_value, expanded_tail
from assay.stats._results import Estimate

__all__ = [
    "PairedBlockResult",
    "block_pair_weights",
    "paired_block_quantile",
    "paired_block_ratio",
]

Array = np.ndarray[Any, np.dtype[np.float64]]


@dataclass(frozen=True)
class PairedBlockResult:
    """One metric of a block-paired comparison: both arms, the difference and the ratio."""

    baseline: Estimate
    candidate: Estimate
    difference: Estimate
    """Candidate − baseline."""
    ratio: Estimate
    """Candidate / baseline (``nan`` where the baseline's value is 0)."""
    p_value: float
    """Two-sided bootstrap p-value of no difference: (c + 1) / (B + 1), doubled, through the
    expansion of the intervals (see the module's docstring)."""


def block_pair_weights(
    n_pairs: int, *, n_resamples: int = 2000, rng: int | np.random.Generator = 0
) -> np.ndarray[Any, np.dtype[np.int64]]:
    """Resample counts of ``n_pairs`` block pairs: an (n_resamples, n_pairs) integer array.

    Each row draws n_pairs pairs with replacement (multinomial counts). Pass the same array to
    every metric of one comparison so all of them see the same resamples.
    """
    function = "block_pair_weights"
    k = check_int(n_pairs, "n_pairs", function, minimum=2)
    b = check_int(n_resamples, "n_resamples", function)
    gen, _ = check_rng(rng, function)
    return gen.multinomial(k, np.full(k, 1.0 / k), size=b).astype(np.int64)


def _blocks(blocks: Any, n: int, n_pairs: int, name: str, function: str) -> np.ndarray[Any, Any]:
    b = np.asarray(blocks)
    if b.shape != (n,) or (n and not np.issubdtype(b.dtype, np.integer)):
        raise DataError(f"{name} must hold one integer block index per value", found=str(b.shape))
    if n and (b.min() < 0 or b.max() >= n_pairs):
        raise DataError(
            f"{name} must be block indices in [0, {n_pairs})",
            found=f"[{b.min()}, {b.max()}]",
        )
    return b.astype(np.int64)


def _weighted_quantiles(values: Array, blocks: np.ndarray[Any, Any], w: Any, q: float) -> Array:
    """Per row of block counts ``w``, the inverted-CDF q-quantile of the weighted values.

    The values are sorted once; ``prefix[i, j]`` counts block j's values among the first i.
    The weight of the first i sorted values under a resample is ``prefix[i] @ w_row``, which
    grows with i, so each resample's quantile is found by a binary search over i, all
    resamples at once: log2(n) steps of (resamples × blocks) work.
    """
    order = np.argsort(values, kind="stable")
    xs, bs = values[order], blocks[order]
    n, k = xs.shape[0], w.shape[1]
    prefix = np.zeros((n + 1, k), dtype=np.int32 if n < 2**31 else np.int64)
    np.add.at(prefix, (np.arange(1, n + 1), bs), 1)
    np.cumsum(prefix, axis=0, out=prefix)
    wf = np.asarray(w, dtype=np.int64)
    total = prefix[n] @ wf.T
    # the smallest i with weight of the first i values >= q * total: integer arithmetic
    # (weights are counts) with the target rounded up, so no floating-point tie is lost
    need = np.ceil(q * total - 1e-9 * np.maximum(total, 1)).astype(np.int64)
    need = np.maximum(need, 1)
    lo, hi = np.zeros(w.shape[0], dtype=np.int64), np.full(w.shape[0], n, dtype=np.int64)
    while np.any(lo < hi):
        mid = (lo + hi) // 2
        reached = np.einsum("ij,ij->i", prefix[mid], wf) >= need
        hi = np.where(reached, mid, hi)
        lo = np.where(reached, lo, mid + 1)
    out = np.full(w.shape[0], np.nan)
    ok = total > 0
    out[ok] = xs[np.clip(lo[ok] - 1, 0, n - 1)]
    return out


def _estimate(point: float, reps: Array, conf: float, method: str, n: int, seed: Any) -> Estimate:
    finite = reps[np.isfinite(reps)]
    cut = expanded_tail((1.0 - conf) / 2, n)
    spread = finite.shape[0] > 0 and finite.min() < finite.max()
    if finite.shape[0] == 0 or (spread and cut * (finite.shape[0] + 1) <= 1.0):
        # no replicates, or a tail beyond what they resolve (2 to 4 pairs at 95% with 2,000
        # resamples): the p-value, read through the same expansion, never rejects either
        low, high = -math.inf, math.inf
    else:
        low, high = (float(v) for v in np.quantile(finite, [cut, 1 - cut]))
    return Estimate(point, low, high, conf, method, n, resamples=reps.shape[0], seed=seed)


def _result(
    base: tuple[float, Array],
    cand: tuple[float, Array],
    conf: float,
    method: str,
    n_pairs: int,
    seed: int | None,
) -> PairedBlockResult:
    (b, b_reps), (c, c_reps) = base, cand
    diff = c_reps - b_reps
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio_reps = np.where(b_reps != 0, c_reps / b_reps, np.nan)
    ratio = c / b if b != 0 else math.nan
    finite = diff[np.isfinite(diff)]
    m = finite.shape[0]
    below, above = int((finite <= 0).sum()), int((finite >= 0).sum())
    plain = min(1.0, 2 * (min(below, above) + 1) / (m + 1))
    p = float(expanded_p_value(plain, "two-sided", n_pairs)) if m else 1.0
    return PairedBlockResult(
        baseline=_estimate(b, b_reps, conf, method, n_pairs, seed),
        candidate=_estimate(c, c_reps, conf, method, n_pairs, seed),
        difference=_estimate(c - b, diff, conf, method, n_pairs, seed),
        ratio=_estimate(ratio, ratio_reps, conf, method, n_pairs, seed),
        p_value=p,
    )


def _weights(weights: Any, n_pairs: int, rng: Any, function: str) -> tuple[Any, int | None]:
    gen_seed = check_rng(rng, function)[1]
    if weights is None:
        return block_pair_weights(n_pairs, rng=rng), gen_seed
    w = np.asarray(weights)
    if w.ndim != 2 or w.shape[1] != n_pairs or not np.issubdtype(w.dtype, np.integer):
        raise DataError(
            f"weights must be an integer array of shape (resamples, {n_pairs})",
            found=str(w.shape),
        )
    return w, gen_seed


def paired_block_quantile(
    baseline: Any,
    baseline_blocks: Any,
    candidate: Any,
    candidate_blocks: Any,
    q: float,
    *,
    n_pairs: int,
    weights: Any = None,
    confidence: float = 0.95,
    rng: int | np.random.Generator = 0,
) -> PairedBlockResult:
    """The q-quantile of each arm, their difference and ratio, by a bootstrap over block pairs.

    ``baseline`` and ``candidate`` are per-request values; ``*_blocks`` the index (0 to
    n_pairs − 1) of the block pair each was measured in. ``weights`` (from
    :func:`block_pair_weights`) shares resamples across metrics; without it they are drawn
    from ``rng``. The point estimates are numpy's ``inverted_cdf`` percentiles.
    """
    function = "paired_block_quantile"
    q = check_probability(q, "q", function)
    conf = check_confidence(confidence, function)
    k = check_int(n_pairs, "n_pairs", function, minimum=2)
    b = as_float_array(baseline, "baseline", function)
    c = as_float_array(candidate, "candidate", function)
    if b.shape[0] == 0 or c.shape[0] == 0:
        raise DataError("paired_block_quantile needs values in both arms", found="an empty arm")
    bb = _blocks(baseline_blocks, b.shape[0], k, "baseline_blocks", function)
    cb = _blocks(candidate_blocks, c.shape[0], k, "candidate_blocks", function)
    w, seed = _weights(weights, k, rng, function)
    method = f"bootstrap over {k} interleaved block pairs, expanded percentile"
    return _result(
        (float(np.quantile(b, q, method="inverted_cdf")), _weighted_quantiles(b, bb, w, q)),
        (float(np.quantile(c, q, method="inverted_cdf")), _weighted_quantiles(c, cb, w, q)),
        conf,
        method,
        k,
        seed,
    )


def paired_block_ratio(
    baseline_numerators: Any,
    baseline_denominators: Any,
    candidate_numerators: Any,
    candidate_denominators: Any,
    *,
    weights: Any = None,
    confidence: float = 0.95,
    rng: int | np.random.Generator = 0,
) -> PairedBlockResult:
    """sum(numerators) / sum(denominators) of each arm, by a bootstrap over block pairs.

    Each array holds one total per block pair (requests meeting an objective and requests; a
    cost and output tokens), in the same pair order for both arms.
    """
    function = "paired_block_ratio"
    conf = check_confidence(confidence, function)
    arrays = [
        as_float_array(a, name, function)
        for a, name in (
            (baseline_numerators, "baseline_numerators"),
            (baseline_denominators, "baseline_denominators"),
            (candidate_numerators, "candidate_numerators"),
            (candidate_denominators, "candidate_denominators"),
        )
    ]
    k = arrays[0].shape[0]
    if any(a.shape[0] != k for a in arrays) or k < 2:
        raise DataError(
            "paired_block_ratio needs one total per block pair in every array (2 or more pairs)",
            found=", ".join(str(a.shape[0]) for a in arrays),
        )
    bn, bd, cn, cd = arrays
    if not bd.sum() > 0 or not cd.sum() > 0:
        raise DataError("paired_block_ratio needs positive denominators in both arms")
    w, seed = _weights(weights, k, rng, function)
    wf = w.astype(np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        b_reps = (wf @ bn) / (wf @ bd)
        c_reps = (wf @ cn) / (wf @ cd)
    method = f"bootstrap over {k} interleaved block pairs, expanded percentile"
    return _result(
        (float(bn.sum() / bd.sum()), b_reps),
        (float(cn.sum() / cd.sum()), c_reps),
        conf,
        method,
        k,
        seed,
    )
