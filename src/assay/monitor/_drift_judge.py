"""One column of a window against its reference column: statistics, quality, then a verdict."""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np

from assay.monitor._drift_model import ColumnDrift, MissingShare
from assay.monitor._drift_window import CategoricalWindow, NumericWindow, sketch_points
from assay.monitor._profile_model import ColumnProfile
from assay.monitor._spec import DriftSpec
from assay.stats import scipy_stats
from assay.stats.drift import categorical_drift, drift_verdict, numeric_drift

__all__ = ["inconclusive", "judge_categorical", "judge_numeric", "missing_share", "with_verdict"]

MAX_NEW_LISTED = 20


def missing_share(ref: ColumnProfile, rows: int, missing: int, confidence: float) -> MissingShare:
    """Missing shares and the Agresti-Caffo interval of their difference (current - reference)."""
    p_ref = ref.missing / ref.rows if ref.rows else math.nan
    p_cur = missing / rows if rows else math.nan
    a = (ref.missing + 1.0) / (ref.rows + 2.0)
    b = (missing + 1.0) / (rows + 2.0)
    se = math.sqrt(a * (1 - a) / (ref.rows + 2.0) + b * (1 - b) / (rows + 2.0))
    z = float(scipy_stats.norm.ppf(0.5 + confidence / 2.0))
    return MissingShare(p_ref, p_cur, max(b - a - z * se, -1.0), min(b - a + z * se, 1.0))


def _quality(name: str, share: MissingShare, spec: DriftSpec) -> tuple[tuple[str, ...], bool]:
    alarm = share.low > spec.missing_margin
    if alarm:
        return (
            f"missing share rose from {share.reference:.1%} to {share.current:.1%} "
            f"(difference [{share.low:.1%}, {share.high:.1%}] > margin {spec.missing_margin:.0%})",
        ), True
    return (), False


def inconclusive(
    name: str, kind: str, reason: str, spec: DriftSpec, *, share: MissingShare | None = None
) -> ColumnDrift:
    """A column that cannot be judged, with the reason."""
    stat, margin = spec.rule(name, kind)
    quality, alarm = _quality(name, share, spec) if share is not None else ((), False)
    return ColumnDrift(
        name,
        kind,
        "inconclusive",
        stat,
        margin,
        reason,
        missing=share,
        quality=quality,
        quality_alarm=alarm,
    )


def judge_numeric(
    ref: ColumnProfile, win: NumericWindow, spec: DriftSpec, rng: np.random.Generator
) -> ColumnDrift:
    """Distances, KS test and quality of a numeric column (verdict set by :func:`with_verdict`)."""
    num = ref.numeric
    assert num is not None
    share = missing_share(ref, win.rows, win.missing, spec.confidence)
    n_cur = win.n
    if min(num.count, n_cur) < spec.min_values:
        return inconclusive(
            ref.name,
            "numeric",
            f"too few values to judge: {num.count} in the reference, {n_cur} in the window "
            f"(at least {spec.min_values} each)",
            spec,
            share=share,
        )
    ref_counts = np.asarray(num.counts, dtype=np.float64)
    points, weights, ref_error = sketch_points(num.kll)
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        ref_means = np.asarray(num.sums) / ref_counts
        cur_means = win.sums / win.counts
        stats = numeric_drift(
            ref_counts,
            win.counts,
            ref_means=ref_means,
            cur_means=cur_means,
            coarse_groups=num.coarse,
            ref_scale=num.std,
            ks_points=points,
            ks_weights=weights,
            cur_values=win.ks_values,
            cur_weights=win.ks_weights,
            cur_sorted=win.ks_sorted,
            n_reference=num.count,
            rank_error=ref_error + win.rank_error,
            confidence=spec.confidence,
            resamples=spec.resamples,
            rng=rng,
        )
    quality, alarm = _quality(ref.name, share, spec)
    share_out = win.out_of_range / n_cur if n_cur else 0.0
    if win.out_of_range:
        quality += (
            f"{win.out_of_range} values ({share_out:.2%}) outside the reference range "
            f"[{num.minimum:.6g}, {num.maximum:.6g}]",
        )
    if win.inf and not ref.inf:
        quality += (f"{win.inf} infinite values (the reference has none)",)
    stat, margin = spec.rule(ref.name, "numeric")
    return ColumnDrift(
        ref.name,
        "numeric",
        "inconclusive",
        stat,
        margin,
        "",
        stats.measures,
        stats.test,
        n_reference=num.count,
        n_current=n_cur,
        missing=share,
        out_of_range=win.out_of_range,
        out_of_range_share=share_out,
        quality=quality,
        quality_alarm=alarm,
        notes=stats.notes
        + win.notes
        + (() if num.exact_bins else ("reference bins estimated from its sketch",)),
    )


def judge_categorical(
    ref: ColumnProfile, win: CategoricalWindow, spec: DriftSpec, rng: np.random.Generator
) -> ColumnDrift:
    """Distances, chi-squared test and quality of a categorical column."""
    cat = ref.categorical
    assert cat is not None
    share = missing_share(ref, win.rows, win.missing, spec.confidence)
    n_ref = sum(cat.counts) + cat.other
    n_cur = int(win.counts.sum()) + win.other
    if min(n_ref, n_cur) < spec.min_values:
        return inconclusive(
            ref.name,
            "categorical",
            f"too few values to judge: {n_ref} in the reference, {n_cur} in the window "
            f"(at least {spec.min_values} each)",
            spec,
            share=share,
        )
    slot = {c: i for i, c in enumerate(cat.categories)}
    k = len(cat.categories)
    # Slots: the reference's categories, its "other", then one slot for values new to it.
    ref_vec = np.concatenate([np.asarray(cat.counts, np.float64), [cat.other, 0.0]])
    cur_vec = np.zeros(k + 2)
    idx = np.fromiter((slot.get(v, -1) for v in win.values), dtype=np.int64, count=len(win.values))
    known = idx >= 0
    np.add.at(cur_vec, idx[known], win.counts[known])
    unseen_counts = win.counts[~known]
    unseen = [v for v, ok in zip(win.values, known.tolist(), strict=True) if not ok]
    new: list[str] = []
    if cat.other:
        cur_vec[k] += float(unseen_counts.sum()) + win.other
    else:
        cur_vec[k + 1] += float(unseen_counts.sum())
        cur_vec[k] += win.other
        new = [unseen[i] for i in np.argsort(-unseen_counts, kind="stable")]
    stats = categorical_drift(
        ref_vec, cur_vec, confidence=spec.confidence, resamples=spec.resamples, rng=rng
    )
    quality, alarm = _quality(ref.name, share, spec)
    n_new = int(cur_vec[k + 1])
    if new:
        listed = ", ".join(repr(v[:40]) for v in new[:5])
        quality += (
            f"{len(new)} new categories ({n_new} values): {listed}{' ...' if len(new) > 5 else ''}",
        )
    stat, margin = spec.rule(ref.name, "categorical")
    return ColumnDrift(
        ref.name,
        "categorical",
        "inconclusive",
        stat,
        margin,
        "",
        stats.measures,
        stats.test,
        n_reference=n_ref,
        n_current=n_cur,
        missing=share,
        new_categories=tuple(v[:200] for v in new[:MAX_NEW_LISTED]),
        n_new_categories=n_new,
        quality=quality,
        quality_alarm=alarm,
    )


def with_verdict(row: ColumnDrift, adjusted_p: float, alpha: float) -> ColumnDrift:
    """The row with its verdict against the margin, judged on the interval and the adjusted p."""
    m = row.measure
    if m is None or row.test is None:
        return row
    verdict = drift_verdict(m.low, m.high, row.margin, adjusted_p, alpha)
    span = f"{m.name} {m.estimate:.3g} [{m.low:.3g}, {m.high:.3g}]"
    test = f"{row.test.name} adjusted p = {adjusted_p:.2g}"
    if verdict == "drifted":
        reason = f"{span}: lower bound above the margin {row.margin:g}; {test} <= {alpha:g}"
    elif verdict == "not drifted":
        reason = f"{span}: upper bound below the margin {row.margin:g}"
    elif m.low > row.margin:
        reason = f"{span} above the margin {row.margin:g} but {test} > {alpha:g}"
    else:
        reason = f"{span} straddles the margin {row.margin:g}; more data would settle it"
    return replace(row, verdict=verdict, reason=reason, adjusted_p=adjusted_p)
