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

The jackknife (for BCa, so computed only without clusters: see below) leaves out one
example at a time: removing one only shifts order statistics, so each leave-one-out quantile
is one of three values read off the sorted values. Without clusters neither the band method
nor the jackknife sorts: they select the few ranks they need (``_select.py``), in ``O(n)``,
equal bit for bit to reading them off the stable sort.

Over clusters a BCa request gives the expanded percentile interval (the result's method says
so, and a note why): for a quantile of clustered data BCa's bias correction and acceleration
are estimated with a noise that does not shrink away (the resampled quantile's distribution
is lumpy, the jackknife of a quantile is not smooth), and their errors go with the
estimate's: in a seeded simulation of a p95 difference over 8, 12 and 30 clusters of unequal
size BCa covered 89%, 86% and 88% at a stated 95%, the expanded percentile interval 96%, 95%
and 95% (89% and 93% over 80 clusters; ``benchmarks/sim_cluster_quantile_coverage.py``).
Without clusters BCa is used as asked.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence

import numpy as np
import numpy.typing as npt

from assay.errors import ParameterError, UnderpoweredWarning
from assay.stats._checks import check_confidence, check_probability
from assay.stats._results import Alternative, Estimate, PairedResult
from assay.stats.bootstrap._bca import IntervalMethod
from assay.stats.bootstrap._family import paired_from_replicates_many
from assay.stats.bootstrap._quantile_reps import prepare, quantile_replicates, sort_slices
from assay.stats.bootstrap._results import (
    _check_alternative,
    _check_method,
    _weights_for,
    estimate_from_replicates,
)
from assay.stats.bootstrap._weights import ResampleKind, ResampleWeights

__all__ = [
    "CLUSTERED_BCA_NOTE",
    "paired_quantile_bootstrap",
    "paired_quantile_table",
    "paired_quantiles_table",
    "quantile_bootstrap",
]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
CLUSTERED_BCA_NOTE = (
    "percentile interval: BCa's corrections are unreliable for a quantile over clusters"
)


def clustered_method(
    method: IntervalMethod, clusters: IntArray | None
) -> tuple[IntervalMethod, tuple[str, ...]]:
    """The interval method used for a quantile (module docstring): percentile in place of
    BCa over clusters, with a note saying so; otherwise ``method``, no note."""
    if method == "bca" and clusters is not None:
        return "percentile", (CLUSTERED_BCA_NOTE,)
    return method, ()


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
        (q,),
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
    )[0]


def paired_quantiles_table(
    baseline: npt.ArrayLike,
    candidate: npt.ArrayLike,
    qs: Sequence[float],
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
) -> list[dict[str, PairedResult]]:
    """:func:`paired_quantile_table` of several quantiles of the same data (p50 and p95
    latency), with clusters or dense weights sorting the values once: one table per quantile
    of ``qs``, in order, each the same, bit for bit, as :func:`paired_quantile_table` of that
    quantile alone."""
    return _quantile_table(
        baseline,
        candidate,
        qs,
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
        fn="paired_quantiles_table",
    )


def _quantile_table(
    baseline: npt.ArrayLike,
    candidate: npt.ArrayLike,
    qs: Sequence[float],
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
) -> list[dict[str, PairedResult]]:
    conf = check_confidence(confidence, fn)
    meth, alt = _check_method(method, fn), _check_alternative(alternative, fn)
    if isinstance(qs, str) or len(qs) == 0:
        raise ParameterError("qs", fn, "one or more probabilities", qs)
    levels = [check_probability(q, "q", fn) for q in qs]
    vals, masks, names, codes, _ = prepare([baseline, candidate], levels[0], fn, slices, clusters)
    n_units = vals.shape[1] if codes is None else int(codes.max()) + 1
    w = _weights_for(weights, n_units, rng, resamples, kind, fn)
    sizes = [int(m.sum()) for m in masks]
    units = sizes if codes is None else [int(np.unique(codes[m]).size) for m in masks]
    for name, u in zip(names, units, strict=True):
        if u < 2:
            warnings.warn(
                UnderpoweredWarning(
                    f"slice {name!r} has {u} resampling unit(s): intervals are unbounded"
                ),
                stacklevel=3,
            )
    # the band method without clusters selects the ranks it needs: no sort
    ordered = None if fast_path and codes is None else sort_slices(vals, masks)
    used, why = clustered_method(meth, codes)
    bca = used == "bca"
    tables = []
    for qq in levels:
        reps, note = quantile_replicates(vals, masks, codes, qq, w, fast_path, ordered, bca)
        family = paired_from_replicates_many(
            [(reps[s][0], reps[s][1]) for s in range(len(names))],
            n=sizes,
            confidence=conf,
            method=used,
            alternative=alt,
            n_clusters=None if codes is None else units,
            weights=w,
            notes=(note, *why),
        )
        tables.append(dict(zip(names, family, strict=True)))
    return tables


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
        (q,),
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
    )[0]["all"]


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
    vals, masks, _, codes, qq = prepare([values], q, fn, None, clusters)
    n_units = vals.shape[1] if codes is None else int(codes.max()) + 1
    w = _weights_for(weights, n_units, rng, resamples, kind, fn)
    used, why = clustered_method(meth, codes)
    reps, note = quantile_replicates(vals, masks, codes, qq, w, fast_path, jackknife=used == "bca")
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
        method=used,
        n_clusters=None if codes is None else n_units,
        weights=w,
        notes=(note, *why),
    )
