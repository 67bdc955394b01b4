"""SliceLine (Sagadeeva and Boehm, SIGMOD 2021) as Apache SystemDS's ``sliceLine`` builtin
computes it, for comparison with that tool and its published results.

Features are integer-coded from 1 (SystemDS's convention: ``X`` holds codes ``1..d_j`` per
column); the one-hot columns of all features together are the candidate predicates. Level 1
scores every predicate; level ``L`` joins pairs of valid slices of level ``L - 1`` that share
``L - 2`` predicates, prunes them by size, by an upper bound of their score (against the
current top-k's smallest score) and by missing parents, and evaluates the rest. A slice's score
is ``alpha * (slice error / mean error - 1) - (1 - alpha) * (n / size - 1)``; the top ``k``
with a positive score and at least ``min_support`` rows are kept.

Two details are SystemDS's own and are kept so the results agree: the score's upper bound
uses the number of one-hot columns where the score uses the number of rows, and ties in the
top-k keep the order in which slices were found. SliceLine tests nothing: its top-k under pure
noise is as full as on real structure. :func:`assay.stats.slice_tests` is the tested method.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from assay.errors import DataError, ParameterError
from assay.stats._checks import as_float_array

__all__ = ["SliceLineResult", "sliceline"]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolMatrix = npt.NDArray[np.bool_]


@dataclass(frozen=True)
class SliceLineResult:
    """SliceLine's top-k slices, best first."""

    slices: IntArray
    """One row per slice, one column per feature: the feature's code, 0 when the slice does not
    restrict that feature (SystemDS's ``TK``)."""
    stats: FloatArray
    """One row per slice: score, total error, maximum error, size (SystemDS's ``TKC``)."""
    levels: int
    """Lattice levels enumerated."""
    evaluated: int
    """Slices whose size and error were computed, over all levels."""


def _score(ss: FloatArray, se: FloatArray, e_avg: float, alpha: float, n: int) -> FloatArray:
    with np.errstate(divide="ignore", invalid="ignore"):
        sc = alpha * ((se / ss) / e_avg - 1.0) - (1.0 - alpha) * (n / ss - 1.0)
    return np.where(np.isnan(sc), -np.inf, sc)


def _score_upper_bound(
    ss: FloatArray, se: FloatArray, sm: FloatArray, e_avg: float, min_sup: int, alpha: float, n: int
) -> FloatArray:
    # SliceLine probes the bound at three sizes in [min_sup, ss] and keeps the largest.
    with np.errstate(divide="ignore", invalid="ignore"):
        sizes = np.stack([np.full_like(ss, min_sup), np.maximum(se / sm, min_sup), ss], axis=1)
        bound = np.minimum(sizes * sm[:, None], se[:, None]) / sizes
        sc = alpha * (bound / e_avg - 1.0) - (1.0 - alpha) * (n / sizes - 1.0)
    sc = np.where(np.isnan(sc), -np.inf, sc)
    return np.asarray(sc.max(axis=1), dtype=np.float64)


def _evaluate(onehot: BoolMatrix, e: FloatArray, s: BoolMatrix, level: int) -> FloatArray:
    inside = (onehot.astype(np.int64) @ s.T.astype(np.int64)) == level
    ss = inside.sum(axis=0).astype(np.float64)
    se = e @ inside
    sm = np.where(inside, e[:, None], 0.0).max(axis=0) if inside.size else np.zeros(0)
    return np.stack([np.zeros_like(ss), se, sm, ss], axis=1)


def _top_k(
    s: BoolMatrix, r: FloatArray, tk: BoolMatrix, tkc: FloatArray, k: int, min_sup: int
) -> tuple[BoolMatrix, FloatArray]:
    keep = (r[:, 0] > 0) & (r[:, 3] >= min_sup)
    if not keep.any():
        return tk, tkc
    slices = np.concatenate([tk, s[keep]])
    scores = np.concatenate([tkc, r[keep]])
    order = np.argsort(-scores[:, 0], kind="stable")[:k]
    return slices[order], scores[order]


def _pair_candidates(
    s: BoolMatrix,
    r: FloatArray,
    tkc: FloatArray,
    level: int,
    ctx: tuple[float, int, float, int, IntArray, IntArray],
) -> BoolMatrix:
    e_avg, min_sup, alpha, n2, begin, end = ctx
    valid = (r[:, 3] >= min_sup) & (r[:, 1] > 0)
    s, r = s[valid], r[valid]
    shared = s.astype(np.int64) @ s.T.astype(np.int64)
    left, right = np.nonzero(np.triu(shared == level - 2, k=1))  # row-major, as SystemDS
    if left.size == 0:
        return np.zeros((0, s.shape[1]), dtype=bool)
    p = s[left] | s[right]
    one_per_feature = np.ones(len(p), dtype=bool)
    for b, e in zip(begin, end, strict=True):
        one_per_feature &= p[:, b:e].sum(axis=1) <= 1
    left, right, p = left[one_per_feature], right[one_per_feature], p[one_per_feature]
    if len(p) == 0:
        return p
    se = np.minimum(r[left, 1], r[right, 1])
    sm = np.minimum(r[left, 2], r[right, 2])
    ss = np.minimum(r[left, 3], r[right, 3])
    _, ident = np.unique(p, axis=0, return_inverse=True)
    ident = ident.reshape(-1)
    groups = int(ident.max()) + 1
    ub_size = np.full(groups, np.inf)
    np.minimum.at(ub_size, ident, ss)
    ub_error = np.full(groups, np.inf)
    np.minimum.at(ub_error, ident, se)
    ub_max = np.full(groups, np.inf)
    np.minimum.at(ub_max, ident, sm)
    ub_score = _score_upper_bound(ub_size, ub_error, ub_max, e_avg, min_sup, alpha, n2)
    min_score = float(tkc[-1, 0]) if len(tkc) else -np.inf
    parents = np.zeros((groups, len(s)), dtype=bool)
    parents[ident, left] = True
    parents[ident, right] = True
    keep = (ub_size >= min_sup) & (ub_score > min_score) & (ub_score > 0)
    keep &= parents.sum(axis=1) == level
    first = np.full(groups, len(p), dtype=np.int64)
    np.minimum.at(first, ident, np.arange(len(p), dtype=np.int64))
    chosen = np.sort(first[keep])
    return p[chosen]


def sliceline(
    x: npt.ArrayLike,
    errors: npt.ArrayLike,
    *,
    k: int = 4,
    max_level: int = 0,
    min_support: int = 32,
    alpha: float = 0.5,
) -> SliceLineResult:
    """The top ``k`` slices of SliceLine on integer-coded features ``x`` (codes from 1) and
    non-negative per-row ``errors``, exactly as SystemDS's ``sliceLine`` builtin ranks them.

    ``max_level`` caps the number of predicates (0: as many as there are features);
    ``min_support`` is the smallest slice size kept; ``alpha`` in (0, 1] weighs error against
    size in the score.
    """
    function = "sliceline"
    codes = np.asarray(x)
    if codes.ndim != 2 or codes.shape[0] == 0 or not np.issubdtype(codes.dtype, np.number):
        raise DataError(f"{function}: x must be a non-empty 2-D array of integer codes")
    if not np.array_equal(codes, np.round(codes)) or codes.min() < 1:
        raise DataError(f"{function}: x must hold integer codes from 1 (SystemDS's convention)")
    codes = codes.astype(np.int64)
    e = as_float_array(errors, "errors", function)
    if e.shape[0] != codes.shape[0]:
        raise DataError(f"{function}: errors has {e.shape[0]} rows and x {codes.shape[0]}")
    if not isinstance(k, int) or k < 1:
        raise ParameterError("k", function, "a positive int", k)
    if not isinstance(min_support, int) or min_support < 1:
        raise ParameterError("min_support", function, "a positive int", min_support)
    if not isinstance(alpha, float | int) or not 0 < alpha <= 1:
        raise ParameterError("alpha", function, "a float in (0, 1]", alpha)
    m, n = codes.shape
    domain = codes.max(axis=0)
    end = np.cumsum(domain)
    begin = end - domain
    n2 = int(end[-1])
    onehot = np.zeros((m, n2), dtype=bool)
    onehot[np.repeat(np.arange(m), n), (codes - 1 + begin).reshape(-1)] = True
    e_avg = float(e.sum() / m)
    counts = onehot.sum(axis=0).astype(np.float64)
    err = e @ onehot
    merr = np.where(onehot, e[:, None], 0.0).max(axis=0)
    selected = (counts >= min_support) & (err > 0)
    s = np.eye(n2, dtype=bool)[selected]
    r = np.stack(
        [np.zeros(int(selected.sum())), err[selected], merr[selected], counts[selected]], 1
    )
    r[:, 0] = _score(r[:, 3], r[:, 1], e_avg, float(alpha), m)
    tk, tkc = _top_k(s, r, np.zeros((0, n2), dtype=bool), np.zeros((0, 4)), k, min_support)
    evaluated = n2
    limit = n if max_level <= 0 else max_level
    level = 1
    ctx = (e_avg, min_support, float(alpha), n2, begin, end)
    while len(s) > 0 and s.any() and level < n and level < limit:
        level += 1
        s = _pair_candidates(s, r, tkc, level, ctx)
        if len(s) == 0:
            break
        r = _evaluate(onehot, e, s, level)
        r[:, 0] = _score(r[:, 3], r[:, 1], e_avg, float(alpha), m)
        evaluated += len(s)
        tk, tkc = _top_k(s, r, tk, tkc, k, min_support)
    decoded = np.zeros((len(tk), n), dtype=np.int64)
    for j, (b, e_) in enumerate(zip(begin, end, strict=True)):
        block = tk[:, b:e_]
        decoded[:, j] = np.where(block.any(axis=1), block.argmax(axis=1) + 1, 0)
    return SliceLineResult(decoded, tkc, level, evaluated)
