"""Drift statistics of one column from its binned counts: distances, intervals and a test."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from assay.stats._checks import check_confidence, check_rng
from assay.stats.drift._interval import (
    DriftMeasure,
    FloatArray,
    cdf_gap_interval,
    poisson_bootstrap_interval,
    poisson_resamples,
)
from assay.stats.drift._measures import PSI_FLOOR, js_distance, psi
from assay.stats.drift._tests import DriftTest, chi2_homogeneity, ks_from_points, ks_p_value

__all__ = ["ColumnDriftStatistics", "categorical_drift", "numeric_drift"]

DEFAULT_RESAMPLES = 400


@dataclass(frozen=True)
class ColumnDriftStatistics:
    """Every distance (with interval) and the test of one column."""

    measures: tuple[DriftMeasure, ...]
    """The distances, each with its interval and method."""
    test: DriftTest
    """The KS or chi-squared test of "same distribution"."""
    notes: tuple[str, ...] = field(default_factory=tuple)
    """Caveats (constant reference, sketch error added, ...)."""

    def measure(self, name: str) -> DriftMeasure:
        """The distance called ``name``."""
        for m in self.measures:
            if m.name == name:
                return m
        raise KeyError(name)


def _coarse(counts: FloatArray, groups: npt.NDArray[np.intp]) -> FloatArray:
    """Sum fine bins into coarse bins along the last axis (``groups[j]`` = coarse index)."""
    onehot = np.zeros((groups.size, int(groups.max()) + 1), dtype=np.float64)
    onehot[np.arange(groups.size), groups] = 1.0
    out: FloatArray = counts @ onehot
    return out


def numeric_drift(
    ref_counts: npt.ArrayLike,
    cur_counts: npt.ArrayLike,
    *,
    ref_means: npt.ArrayLike,
    cur_means: npt.ArrayLike,
    coarse_groups: npt.ArrayLike,
    ref_scale: float,
    ks_points: npt.ArrayLike,
    ks_weights: npt.ArrayLike,
    cur_values: npt.ArrayLike,
    cur_weights: npt.ArrayLike | None = None,
    cur_sorted: bool = False,
    n_reference: int,
    rank_error: float = 0.0,
    confidence: float = 0.95,
    resamples: int = DEFAULT_RESAMPLES,
    rng: int | np.random.Generator = 0,
) -> ColumnDriftStatistics:
    """Drift of a numeric column.

    ``ref_counts``/``cur_counts`` are counts in the same fine bins (the reference's pinned
    edges), ``ref_means``/``cur_means`` the mean value in each bin; ``coarse_groups`` maps each
    fine bin to its PSI/JS bin (the reference's deciles). ``ref_scale`` normalises the
    Wasserstein distance (the reference standard deviation). The KS test compares the reference
    points/weights (raw values or a sketch's items, with its ``rank_error``) with the current
    values.
    """
    conf = check_confidence(confidence, "numeric_drift")
    gen, seed = check_rng(rng, "numeric_drift")
    r = np.asarray(ref_counts, dtype=np.float64)
    c = np.asarray(cur_counts, dtype=np.float64)
    groups = np.asarray(coarse_groups, dtype=np.intp)
    rs, cs = np.asarray(ref_means, np.float64), np.asarray(cur_means, np.float64)
    notes: list[str] = []
    scale = float(ref_scale)
    if not np.isfinite(scale) or scale <= 0:
        scale = 1.0
        notes.append("reference is constant: Wasserstein distance not normalised (scale 1)")
    # Empty bins have no mean; their mass is zero so any finite position will do.
    rs = np.where(np.isfinite(rs), rs, 0.0)
    cs = np.where(np.isfinite(cs), cs, rs)

    def psi_c(a: FloatArray, b: FloatArray) -> FloatArray:
        return psi(_coarse(a, groups), _coarse(b, groups))

    def js_c(a: FloatArray, b: FloatArray) -> FloatArray:
        return js_distance(_coarse(a, groups), _coarse(b, groups))

    boot = f"Poisson bootstrap over binned counts of both windows, {resamples} resamples"
    draws = (poisson_resamples(r, resamples, gen), poisson_resamples(c, resamples, gen))
    est, lo, hi = cdf_gap_interval(r, c, rs, cs, confidence=conf, draws=draws, scale=scale)
    measures = [
        DriftMeasure(
            "wasserstein",
            est,
            lo,
            hi,
            conf,
            "Wasserstein-1 of fine-bin masses at bin means / reference std; interval: "
            f"estimate +/- (the {conf:g} quantile of the L1 norm of the resampled CDF-gap error "
            "+ the within-bin position gap); " + boot,
            resamples,
            seed,
        )
    ]
    specs = (
        (
            "psi",
            psi_c,
            (0.0, np.inf),
            False,
            f"PSI on reference deciles, natural log, floor {PSI_FLOOR:g}; percentile interval shifted by -2 x bootstrap bias",
        ),
        (
            "js",
            js_c,
            (0.0, 1.0),
            True,
            "Jensen-Shannon distance, base 2, on reference deciles; "
            "square roots of the percentile interval of the divergence shifted by -2 x bootstrap bias",
        ),
    )
    for name, fn, bounds, squared, what in specs:
        est, lo, hi = poisson_bootstrap_interval(
            fn,
            r,
            c,
            confidence=conf,
            resamples=resamples,
            rng=gen,
            bounds=bounds,
            draws=draws,
            squared=squared,
        )
        measures.append(DriftMeasure(name, est, lo, hi, conf, f"{what}; {boot}", resamples, seed))
    n_cur = round(float(np.sum(c)))
    d = ks_from_points(ks_points, ks_weights, cur_values, cur_weights, cur_sorted=cur_sorted)
    p = ks_p_value(max(d - rank_error, 0.0), n_reference, n_cur)
    how = "two-sample KS, Smirnov asymptotic p-value"
    if rank_error > 0:
        how += f"; reference from a KLL sketch: rank error {rank_error:.4g} added to D, p from D - error"
        notes.append(f"KS distance from a sketch: true D within +/- {rank_error:.4g}")
    test = DriftTest("ks", d, p, how, n_reference, n_cur, rank_error)
    # The KS distance as a measure too: its interval is the DKW-type band of the two ECDFs.
    half = _dkw_half_width(n_reference, n_cur, conf) + rank_error
    measures.append(
        DriftMeasure(
            "ks",
            d,
            max(d - half, 0.0),
            min(d + half, 1.0),
            conf,
            "KS distance; interval +/- the DKW bands of both windows (plus sketch error)",
        )
    )
    return ColumnDriftStatistics(tuple(measures), test, tuple(notes))


def _dkw_half_width(n1: int, n2: int, confidence: float) -> float:
    """Half-width bounding |D_hat - D| from the DKW inequality, error split over both windows."""
    if n1 <= 0 or n2 <= 0:
        return 1.0
    a = (1.0 - confidence) / 2.0
    return float(np.sqrt(np.log(2.0 / a) / (2.0 * n1)) + np.sqrt(np.log(2.0 / a) / (2.0 * n2)))


def categorical_drift(
    ref_counts: npt.ArrayLike,
    cur_counts: npt.ArrayLike,
    *,
    confidence: float = 0.95,
    resamples: int = DEFAULT_RESAMPLES,
    rng: int | np.random.Generator = 0,
) -> ColumnDriftStatistics:
    """Drift of a categorical column from aligned category counts (one slot per category,
    including "other" and categories new in the current window)."""
    conf = check_confidence(confidence, "categorical_drift")
    gen, seed = check_rng(rng, "categorical_drift")
    r = np.asarray(ref_counts, dtype=np.float64)
    c = np.asarray(cur_counts, dtype=np.float64)
    boot = f"Poisson bootstrap over category counts of both windows, {resamples} resamples"
    measures = []
    draws = (poisson_resamples(r, resamples, gen), poisson_resamples(c, resamples, gen))
    for name, fn, bounds, squared, what in (
        (
            "js",
            js_distance,
            (0.0, 1.0),
            True,
            "Jensen-Shannon distance, base 2, over categories; "
            "square roots of the percentile interval of the divergence shifted by -2 x bootstrap bias",
        ),
        (
            "psi",
            psi,
            (0.0, np.inf),
            False,
            f"PSI over categories, natural log, floor {PSI_FLOOR:g}; percentile interval shifted by -2 x bootstrap bias",
        ),
    ):
        est, lo, hi = poisson_bootstrap_interval(
            fn,
            r,
            c,
            confidence=conf,
            resamples=resamples,
            rng=gen,
            bounds=bounds,
            draws=draws,
            squared=squared,
        )
        measures.append(DriftMeasure(name, est, lo, hi, conf, f"{what}; {boot}", resamples, seed))
    stat, p, dof = chi2_homogeneity(r, c)
    test = DriftTest(
        "chi2",
        stat,
        p,
        "Pearson chi-squared, 2 x k homogeneity, no continuity correction",
        int(r.sum()),
        int(c.sum()),
        dof=dof,
    )
    return ColumnDriftStatistics(tuple(measures), test)
