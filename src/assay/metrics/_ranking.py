"""Ranking metrics: ROC AUC (bootstrapped on resample weights), MRR and NDCG@k (means).

AUC is the Mann–Whitney probability that a random positive scores above a random negative,
ties counting one half (scikit-learn's ``roc_auc_score``). It is not a function of sums, but
it is a function of the *weights*: with integer resample weights ``w``,
``AUC(w) = Σ_g P_g (N_<g + N_g / 2) / (ΣP ΣN)`` over distinct score levels ``g`` (``P_g``,
``N_g`` the weighted positives and negatives at that level), ``O(n)`` per resample after one
sort. The jackknife removes one example (or cluster) in closed form from per-example pair
counts, ``O(n log n)`` in all.

MRR and NDCG@k are per-query scores, so they are means: each query is one example (one row
of a 2-D ``relevance`` / ``scores`` pair). NDCG uses linear gains and averages over tied
scores exactly as scikit-learn's ``ndcg_score`` (ignore_ties=False); a query with no relevant
document scores 0. MRR's rank is the 1-based position of the first relevant document when
documents are sorted by descending score, ties broken by the order given.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

from assay._util import check_int
from assay.errors import DataError, ParameterError
from assay.metrics._registry import Inputs, MetricDefinition, register_metric
from assay.stats import (
    Alternative,
    Estimate,
    IntervalMethod,
    PairedResult,
    Replicates,
    ResampleWeights,
    estimate_from_replicates,
    paired_from_replicates,
)

__all__ = ["auc_jackknife", "ndcg", "reciprocal_rank", "roc_auc", "weighted_auc"]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


def _binary_scores(y_true: Any, y_score: Any, fn: str) -> tuple[FloatArray, FloatArray]:
    y = np.asarray(y_true, dtype=np.float64)
    s = np.asarray(y_score, dtype=np.float64)
    if y.ndim != 1 or s.shape != y.shape:
        raise ParameterError("y_score", fn, "one score per label", f"{y.shape} and {s.shape}")
    for name, arr in (("y_true", y), ("y_score", s)):
        bad = ~np.isfinite(arr)
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise DataError(f"{fn}: {name}[{i}] is not finite", row=i, found=str(arr[i]))
    if ((y != 0) & (y != 1)).any():
        i = int(np.flatnonzero((y != 0) & (y != 1))[0])
        raise DataError(f"{fn}: y_true[{i}] is not 0 or 1", row=i, found=str(y[i]))
    if y.min() == y.max():
        raise DataError(
            f"{fn}: AUC needs both classes",
            expected="positives and negatives",
            found=f"only label {int(y[0])}" if y.size else "no examples",
        )
    return y, s


def _paired_vectors(y_true: Any, y_score: Any, fn: str) -> tuple[FloatArray, FloatArray]:
    """Labels and scores as the kernels below take them: 1-D arrays of one length."""
    y, s = np.asarray(y_true), np.asarray(y_score)
    if y.ndim != 1 or s.shape != y.shape:
        raise ParameterError("y_score", fn, "one score per label", f"{y.shape} and {s.shape}")
    return y, s


def weighted_auc(y_true: FloatArray, y_score: FloatArray, weights: FloatArray) -> FloatArray:
    """AUC of each row of integer ``weights`` ``(R, n)`` (example multiplicities), ``(R,)``."""
    y_true, y_score = _paired_vectors(y_true, y_score, "weighted_auc")
    w = np.asarray(weights, dtype=np.float64)
    if w.ndim != 2 or w.shape[1] != y_score.size:
        expected = f"an (R, {y_score.size}) array: one row of multiplicities per resample"
        raise ParameterError("weights", "weighted_auc", expected, f"shape {w.shape}")
    order = np.argsort(y_score, kind="stable")
    s, y = y_score[order], y_true[order]
    w = w[:, order]
    starts = np.flatnonzero(np.r_[True, s[1:] != s[:-1]])
    pos = np.add.reduceat(w * y, starts, axis=1)
    neg = np.add.reduceat(w * (1.0 - y), starts, axis=1)
    below = np.cumsum(neg, axis=1) - neg
    u = (pos * (below + 0.5 * neg)).sum(axis=1)
    den = pos.sum(axis=1) * neg.sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(den > 0, u / den, np.nan)


def roc_auc(y_true: Any, y_score: Any) -> float:
    """ROC AUC with ties counted one half (scikit-learn's ``roc_auc_score`` for binary labels)."""
    y, s = _binary_scores(y_true, y_score, "roc_auc")
    return float(weighted_auc(y, s, np.ones((1, y.size)))[0])


def _pair_counts(y: FloatArray, s: FloatArray, groups: IntArray | None) -> FloatArray:
    """Per example: pairs it wins against the other class (ties one half), within ``groups``."""
    n = y.size
    g = np.zeros(n, dtype=np.int64) if groups is None else groups
    order = np.lexsort((s, g))
    ys, ss, gs = y[order], s[order], g[order]
    new = np.r_[True, (ss[1:] != ss[:-1]) | (gs[1:] != gs[:-1])]
    tie_start = np.flatnonzero(new)
    tie_id = np.cumsum(new) - 1
    g_start = np.r_[True, gs[1:] != gs[:-1]]
    out = np.empty(n)
    for cls, other in ((1.0, 0.0), (0.0, 1.0)):
        is_other = (ys == other).astype(np.float64)
        cum = np.cumsum(is_other)
        group_base = np.maximum.accumulate(np.where(g_start, cum - is_other, 0.0))
        before_tie = (cum - is_other)[tie_start][tie_id] - group_base
        in_tie = np.add.reduceat(is_other, tie_start)[tie_id]
        group_total = np.add.reduceat(is_other, np.flatnonzero(g_start))[np.cumsum(g_start) - 1]
        if cls == 1.0:  # a positive beats negatives below it
            wins = before_tie + 0.5 * in_tie
        else:  # a negative loses to positives above it
            wins = group_total - before_tie - in_tie + 0.5 * in_tie
        out[order[ys == cls]] = wins[ys == cls]
    return out


def auc_jackknife(
    y_true: FloatArray, y_score: FloatArray, clusters: IntArray | None
) -> tuple[FloatArray, IntArray]:
    """Leave-one-example-out (or cluster-out) AUCs and the unit of each value."""
    y, s = _paired_vectors(y_true, y_score, "auc_jackknife")
    if clusters is not None and np.shape(clusters) != y.shape:
        expected = f"one cluster code per example ({y.size}) or None"
        raise ParameterError("clusters", "auc_jackknife", expected, f"shape {np.shape(clusters)}")
    units = np.arange(y.size) if clusters is None else clusters
    uniq, inv_any = np.unique(units, return_inverse=True)
    inv = inv_any.astype(np.int64)
    total_pairs = _pair_counts(y, s, None)
    u_total = float(total_pairs[y == 1].sum())
    p, q = float(y.sum()), float((1 - y).sum())
    involving = np.bincount(inv, weights=total_pairs, minlength=uniq.size)
    within: FloatArray = np.zeros(uniq.size)
    if clusters is not None:
        within_pairs = _pair_counts(y, s, inv)
        within = np.bincount(inv, weights=within_pairs * y, minlength=uniq.size).astype(float)
    p_g = np.bincount(inv, weights=y, minlength=uniq.size)
    n_g = np.bincount(inv, weights=1 - y, minlength=uniq.size)
    den = (p - p_g) * (q - n_g)
    with np.errstate(divide="ignore", invalid="ignore"):
        vals = np.where(den > 0, (u_total - involving + within) / den, np.nan)
    return vals, uniq.astype(np.int64)


class _AUCResampling:
    """AUC replicates from dense resample weights, chunked over resamples."""

    def _replicates(
        self, inputs: Inputs, weights: ResampleWeights, clusters: IntArray | None, fn: str
    ) -> Replicates:
        y, s = _binary_scores(inputs["y_true"], inputs["y_score"], fn)
        units = np.arange(y.size) if clusters is None else clusters
        reps = np.empty(weights.resamples)
        for sl, w in weights.iter_dense(units):
            reps[sl] = weighted_auc(y, s, w)
        est = float(weighted_auc(y, s, np.ones((1, y.size)))[0])
        jk, _ = auc_jackknife(y, s, clusters)
        return Replicates(est, reps, jk, None)

    def estimate(
        self,
        inputs: Inputs,
        *,
        weights: ResampleWeights,
        clusters: IntArray | None,
        confidence: float,
        method: IntervalMethod,
    ) -> Estimate:
        r = self._replicates(inputs, weights, clusters, "roc_auc")
        n = int(np.asarray(inputs["y_true"]).size)
        g = None if clusters is None else int(np.unique(clusters).size)
        return estimate_from_replicates(
            r.estimate,
            r.replicates,
            jackknife=r.jackknife,
            n=n,
            confidence=confidence,
            method=method,
            n_clusters=g,
            weights=weights,
            notes=("dense weights",),
        )

    def paired(
        self,
        baseline: Inputs,
        candidate: Inputs,
        *,
        weights: ResampleWeights,
        clusters: IntArray | None,
        confidence: float,
        method: IntervalMethod,
        alternative: Alternative,
    ) -> PairedResult:
        if not np.array_equal(np.asarray(baseline["y_true"]), np.asarray(candidate["y_true"])):
            raise DataError("roc_auc: baseline and candidate must share y_true (paired examples)")
        a = self._replicates(baseline, weights, clusters, "roc_auc")
        b = self._replicates(candidate, weights, clusters, "roc_auc")
        n = int(np.asarray(baseline["y_true"]).size)
        g = None if clusters is None else int(np.unique(clusters).size)
        return paired_from_replicates(
            a,
            b,
            n=n,
            confidence=confidence,
            method=method,
            alternative=alternative,
            n_clusters=g,
            weights=weights,
            notes=("dense weights",),
        )


@register_metric("roc_auc")
def roc_auc_metric() -> MetricDefinition:
    """ROC AUC of binary labels against scores (higher is better)."""
    return MetricDefinition(
        "roc_auc",
        "higher",
        "custom",
        ("y_true", "y_score"),
        "ROC AUC, ties count one half (Mann–Whitney); bootstrap on resample weights",
        point=roc_auc,
        resampling=_AUCResampling(),
    )


def _ranking_arrays(relevance: Any, scores: Any, fn: str) -> tuple[FloatArray, FloatArray]:
    rel = np.asarray(relevance, dtype=np.float64)
    sc = np.asarray(scores, dtype=np.float64)
    if rel.ndim != 2 or sc.shape != rel.shape:
        raise ParameterError(
            "scores",
            fn,
            "2-D (queries, documents) arrays of one shape",
            f"{rel.shape} and {sc.shape}",
        )
    for name, arr in (("relevance", rel), ("scores", sc)):
        bad = ~np.isfinite(arr)
        if bad.any():
            i, j = (int(v) for v in np.argwhere(bad)[0])
            raise DataError(f"{fn}: {name}[{i}, {j}] is not finite", row=i, found=str(arr[i, j]))
    if (rel < 0).any():
        i = int(np.argwhere(rel < 0)[0][0])
        raise DataError(f"{fn}: relevance of query {i} is negative", row=i)
    return rel, sc


def _tie_averaged_dcg(rel: FloatArray, sc: FloatArray, discount: FloatArray) -> FloatArray:
    q, d = rel.shape
    order = np.argsort(-sc, axis=1, kind="stable")
    s_sorted = np.take_along_axis(sc, order, axis=1)
    g_sorted = np.take_along_axis(rel, order, axis=1)
    new = np.ones((q, d), dtype=bool)
    new[:, 1:] = s_sorted[:, 1:] != s_sorted[:, :-1]
    gid = np.cumsum(new.ravel()) - 1
    n_groups = int(gid[-1]) + 1
    size = np.bincount(gid, minlength=n_groups)
    mean_gain = np.bincount(gid, weights=g_sorted.ravel(), minlength=n_groups) / size
    disc = np.bincount(gid, weights=np.tile(discount, q), minlength=n_groups)
    row = np.repeat(np.arange(q), d)[np.flatnonzero(new.ravel())]
    return np.bincount(row, weights=mean_gain * disc, minlength=q).astype(np.float64)


def ndcg(relevance: Any, scores: Any, k: int | None = None) -> FloatArray:
    """Per-query NDCG@k (``(queries,)``), as scikit-learn's ``ndcg_score`` per sample."""
    if k is not None:
        k = check_int(k, "k", "ndcg")
    rel, sc = _ranking_arrays(relevance, scores, "ndcg")
    d = rel.shape[1]
    discount = 1.0 / (np.log(np.arange(d) + 2.0) / np.log(2.0))
    if k is not None:
        discount[k:] = 0.0
    gain = _tie_averaged_dcg(rel, sc, discount)
    ideal = np.sort(rel, axis=1)[:, ::-1] @ discount
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(ideal > 0, gain / ideal, 0.0)


def reciprocal_rank(relevance: Any, scores: Any) -> FloatArray:
    """Per-query 1 / rank of the first relevant document (0 when none is relevant)."""
    rel, sc = _ranking_arrays(relevance, scores, "reciprocal_rank")
    order = np.argsort(-sc, axis=1, kind="stable")
    hit = np.take_along_axis(rel, order, axis=1) > 0
    first = hit.argmax(axis=1)
    return np.where(hit.any(axis=1), 1.0 / (first + 1.0), 0.0)


@register_metric("mrr")
def mrr() -> MetricDefinition:
    """Mean reciprocal rank over queries (a mean of per-query scores)."""
    return MetricDefinition(
        "mrr",
        "higher",
        "mean",
        ("relevance", "scores"),
        "mean over queries of 1/rank of the first relevant document; ties in the given order",
        score=reciprocal_rank,
    )


@register_metric("ndcg")
def ndcg_metric(*, k: int | None = None) -> MetricDefinition:
    """Mean NDCG@k over queries (linear gains, tie-averaged, as scikit-learn)."""
    if k is not None:
        k = check_int(k, "k", "ndcg")
    return MetricDefinition(
        "ndcg" if k is None else f"ndcg@{k}",
        "higher",
        "mean",
        ("relevance", "scores"),
        "mean over queries of NDCG (linear gain, log2 discount, tie-averaged)",
        score=lambda relevance, scores: ndcg(relevance, scores, k),
    )
