"""Paired bootstrap results of a whole family (every slice of a metric) from its replicates.

:func:`paired_from_replicates_many` gives exactly what :func:`paired_from_replicates` gives
result by result, with the interval arithmetic (sorts, bias corrections, BCa levels,
quantile look-ups, standard errors, p-values) done once over a ``(results, B)`` stack of
replicates. The acceleration stays per result: leave-one-out values differ in length
between results, and a sum over a padded row would not be the same number.

Results whose replicates or jackknife values hold NaN, whose replicates differ in number
from the others', or with fewer than two units, take :func:`paired_from_replicates` itself.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from assay.errors import ParameterError
from assay.stats._checks import check_confidence
from assay.stats._results import Alternative, Estimate, PairedResult, TestResult
from assay.stats.bootstrap._bca import (
    IntervalMethod,
    bca_acceleration,
    beyond_resamples,
    bootstrap_p_value,
    sorted_interval,
)
from assay.stats.bootstrap._core import Replicates
from assay.stats.bootstrap._results import (
    _check_alternative,
    _check_method,
    beyond_note,
    expanded_test_p,
    method_name,
    paired_from_replicates,
    paired_test_name,
)
from assay.stats.bootstrap._weights import ResampleWeights

__all__ = ["paired_from_replicates_many"]

FloatArray = npt.NDArray[np.float64]
_FELL_BACK = "bca undefined (estimate outside the replicates): percentile interval"


def _regular(
    pair: tuple[Replicates, Replicates], units: int, b: int, bca: bool
) -> FloatArray | None:
    """The difference's jackknife values when a result takes the stacked path (``b`` finite
    replicates of each model and of the difference, finite jackknife values, two or more
    units), else ``None``."""
    base, cand = pair
    if units < 2 or b < 2:
        return None
    for r in (base, cand):
        reps = np.asarray(r.replicates)
        if reps.size != b or not np.isfinite(reps).all():
            return None
        if bca and not np.isfinite(np.asarray(r.jackknife, dtype=np.float64)).all():
            return None
    diff = _difference(cand.replicates, base.replicates)
    diff_jk = np.asarray(cand.jackknife - base.jackknife, dtype=np.float64).ravel()
    if not np.isfinite(diff).all() or (bca and not np.isfinite(diff_jk).all()):
        return None
    return diff_jk


def _side(
    estimates: list[float],
    replicates: FloatArray,
    jackknives: list[tuple[FloatArray, FloatArray | None]] | None,
    confidence: float,
    alternative: Alternative,
    clusters: list[int | None],
) -> tuple[FloatArray, FloatArray, npt.NDArray[np.bool_], FloatArray]:
    """(low, high, BCa fell back, standard error) of every row of ``replicates``; rows with
    the same number of clusters (``clusters``, one per row) share one interval computation."""
    accel = None
    if jackknives is not None:
        accel = np.array([float(bca_acceleration(jk, w)) for jk, w in jackknives])
    ordered = np.sort(replicates, axis=-1)
    if len(set(clusters)) == 1:
        low, high, fell_back = sorted_interval(
            estimates, ordered, accel, confidence, alternative, clusters[0]
        )
    else:
        low, high = np.empty(len(clusters)), np.empty(len(clusters))
        fell_back = np.zeros(len(clusters), dtype=bool)
        for g in set(clusters):
            at = np.array([k == g for k in clusters])
            est = np.asarray(estimates, dtype=np.float64)[at]
            acc = None if accel is None else accel[at]
            low[at], high[at], fell_back[at] = sorted_interval(
                est, ordered[at], acc, confidence, alternative, g
            )
    se = np.std(replicates, axis=-1, ddof=1)
    return low, high, fell_back, se


def paired_from_replicates_many(
    pairs: Sequence[tuple[Replicates, Replicates]],
    *,
    n: Sequence[int],
    confidence: float = 0.95,
    method: IntervalMethod = "bca",
    alternative: Alternative = "two-sided",
    n_clusters: Sequence[int | None] | None = None,
    weights: ResampleWeights | None = None,
    notes: tuple[str, ...] = (),
) -> list[PairedResult]:
    """``[paired_from_replicates(base, cand, n=n[i], n_clusters=n_clusters[i], ...)]`` for
    every ``(base, cand)`` of ``pairs``: the same results, computed together.

    The intervals are :func:`paired_from_replicates`'s (BCa with scipy's definition, or
    percentile); ``n`` and ``n_clusters`` hold one entry per pair.
    """
    fn = "paired_from_replicates_many"
    conf = check_confidence(confidence, fn)
    meth = _check_method(method, fn)
    alt = _check_alternative(alternative, fn)
    clusters: list[int | None] = [None] * len(pairs) if n_clusters is None else [*n_clusters]
    for name, given in (("n", n), ("n_clusters", clusters)):
        if len(given) != len(pairs):
            raise ParameterError(name, fn, f"one entry per pair ({len(pairs)})", len(given))
    sizes = [np.asarray(c.replicates).size for _, c in pairs]
    b = max(set(sizes), key=sizes.count) if sizes else 0
    bca = meth == "bca"
    diff_jks = [
        _regular(pair, size if k is None else k, b, bca)
        for pair, size, k in zip(pairs, n, clusters, strict=True)
    ]
    out: list[PairedResult | None] = [None] * len(pairs)
    for i, pair in enumerate(pairs):
        if diff_jks[i] is None:
            out[i] = paired_from_replicates(
                pair[0],
                pair[1],
                n=n[i],
                confidence=confidence,
                method=method,
                alternative=alternative,
                n_clusters=clusters[i],
                weights=weights,
                notes=notes,
            )
    rows = [i for i, d in enumerate(diff_jks) if d is not None]
    if rows:
        diff_jk = [d for d in diff_jks if d is not None]
        _stacked(pairs, rows, diff_jk, n, clusters, conf, meth, alt, weights, notes, b, out)
    return [r for r in out if r is not None]


def _stacked(
    pairs: Sequence[tuple[Replicates, Replicates]],
    rows: list[int],
    diff_jk: list[FloatArray],
    n: Sequence[int],
    clusters: list[int | None],
    conf: float,
    meth: IntervalMethod,
    alt: Alternative,
    weights: ResampleWeights | None,
    notes: tuple[str, ...],
    b: int,
    out: list[PairedResult | None],
) -> None:
    """The results of the regular ``rows`` of ``pairs``, written into ``out``."""
    base = [pairs[i][0] for i in rows]
    cand = [pairs[i][1] for i in rows]
    stack = {
        "base": np.stack([np.asarray(r.replicates, np.float64).ravel() for r in base]),
        "cand": np.stack([np.asarray(r.replicates, np.float64).ravel() for r in cand]),
    }
    pairs_rc = zip(base, cand, strict=True)
    stack["diff"] = np.stack([_difference(c.replicates, r.replicates) for r, c in pairs_rc])
    d_est = [c.estimate - r.estimate for r, c in zip(base, cand, strict=True)]
    ests = {"base": [r.estimate for r in base], "cand": [c.estimate for c in cand], "diff": d_est}
    jacks: dict[str, list[tuple[FloatArray, FloatArray | None]] | None] = dict.fromkeys(stack)
    if meth == "bca":
        jacks["base"] = [_jack(r.jackknife, r.jackknife_weights) for r in base]
        jacks["cand"] = [_jack(c.jackknife, c.jackknife_weights) for c in cand]
        jacks["diff"] = [
            _jack(c.jackknife - r.jackknife, r.jackknife_weights)
            for r, c in zip(base, cand, strict=True)
        ]
    units = [clusters[i] for i in rows]
    sides = {
        key: _side(
            ests[key], stack[key], jacks[key], conf, alt if key == "diff" else "two-sided", units
        )
        for key in stack
    }
    p = bootstrap_p_value(stack["diff"], 0.0, alt)
    resamples = weights.resamples if weights is not None else b
    seed = weights.seed if weights is not None else None
    for j, i in enumerate(rows):
        made = {}
        for key, (low, high, fell_back, se) in sides.items():
            est_notes = (*notes, _FELL_BACK) if fell_back[j] else notes
            side = alt if key == "diff" else "two-sided"
            g = clusters[i]
            varies = np.ptp(stack[key][j]) > 0
            if g is not None and varies and beyond_resamples(conf, side, g, b):
                est_notes = (*est_notes, beyond_note(g, b))
            made[key] = Estimate(
                float(ests[key][j]),
                float(low[j]),
                float(high[j]),
                conf,
                method_name(meth, clusters[i]),
                n[i],
                float(se[j]),
                clusters[i],
                resamples,
                seed,
                tuple(est_notes),
            )
        diff = made["diff"]
        p_j = float(expanded_test_p(p[j], clusters[i], alt))
        name = paired_test_name(clusters[i])
        test = TestResult(d_est[j], p_j, name, n[i], alt, None, resamples, seed, diff.notes)
        out[i] = PairedResult(made["base"], made["cand"], diff, test)


def _difference(candidate: npt.ArrayLike, baseline: npt.ArrayLike) -> FloatArray:
    """The difference's replicates as :func:`paired_from_replicates` takes them: subtracted in
    the replicates' own dtype and shape (float32 stays float32), then made float64."""
    return np.asarray(np.subtract(candidate, baseline), dtype=np.float64).ravel()


def _jack(
    values: npt.ArrayLike, weights: npt.ArrayLike | None
) -> tuple[FloatArray, FloatArray | None]:
    """Jackknife values and multiplicities as :func:`estimate_from_replicates` reads them."""
    jk = np.asarray(values, dtype=np.float64).ravel()
    return jk, None if weights is None else np.asarray(weights, float).ravel()
