"""A/B test design: sample size and duration, and the effect reachable week by week.

One power function covers every variant (means or proportions, fixed horizon or sequential,
normal or t, one or several treatment arms); sample size and minimum detectable effect are its
two inverses, found by root finding, so the two directions always agree.
"""

from __future__ import annotations

import functools
import math
from typing import Literal

from assay._util import check_int, check_number
from assay.errors import ParameterError
from assay.stats._results import Alternative
from assay.stats._scipy import optimize, stats
from assay.stats.experiments._design_spec import (
    Adjustment,
    DesignSpec,
    design_method,
    design_spec,
    dunnett_critical_value,
    solve_n,
)
from assay.stats.experiments._types import MDERow, SampleSizePlan

__all__ = ["ab_mde_by_week", "ab_sample_size", "dunnett_critical_value"]


def ab_sample_size(
    *,
    mde: float,
    kind: Literal["mean", "proportion"] = "mean",
    baseline: float | None = None,
    sd: float | None = None,
    relative: bool = False,
    alpha: float = 0.05,
    power: float = 0.8,
    arms: int = 2,
    adjustment: Adjustment = "bonferroni",
    alternative: Alternative = "two-sided",
    cuped_correlation: float = 0.0,
    ratio: float = 1.0,
    distribution: Literal["normal", "t"] = "normal",
    proportion_method: Literal["wald", "arcsine"] = "wald",
    sequential: bool = False,
    tau: float | None = None,
    daily_traffic: float | None = None,
    traffic_fraction: float = 1.0,
) -> SampleSizePlan:
    """Units per arm (and days) an A/B test needs to detect ``mde`` with the stated power.

    Assumes independent units, a normal (or noncentral t) test statistic and, for proportions,
    the Wald test the readout uses (``proportion_method="arcsine"`` gives Cohen's h instead).
    ``mde`` is absolute (metric units; for proportions the rate moves from ``baseline`` to
    ``baseline + mde``) or, with ``relative=True``, a fraction of ``baseline``. With more than
    two arms each treatment arm is compared with control; ``adjustment`` is Bonferroni
    (α / comparisons) or Dunnett's many-to-one critical value, and ``power`` is the power of each
    comparison. CUPED is planned as the variance factor 1 − ρ² for the expected pre-period
    correlation ``cuped_correlation``. ``ratio`` is the units in each treatment arm per
    control unit. With ``sequential=True`` the horizon is for the always-valid normal-mixture
    SPRT whose mixture sd is ``tau`` per-unit standard deviations (default: the MDE itself),
    with Bonferroni across arms. ``days`` assumes ``daily_traffic × traffic_fraction`` new
    eligible units a day, which overstates accrual when users return.
    """
    fn = "ab_sample_size"
    # The sequential horizon is reported against the fixed-horizon one of the same design.
    spec_for = functools.partial(
        design_spec,
        fn,
        kind=kind,
        baseline=baseline,
        sd=sd,
        alpha=alpha,
        power=power,
        arms=arms,
        adjustment=adjustment,
        alternative=alternative,
        cuped_correlation=cuped_correlation,
        ratio=ratio,
        distribution=distribution,
        proportion_method=proportion_method,
    )
    spec = spec_for(sequential=sequential, tau=tau)
    delta = _absolute_mde(fn, mde, relative, baseline, spec)
    n_raw = solve_n(spec, delta, power)
    fixed = solve_n(spec_for(sequential=False, tau=None), delta, power) if sequential else n_raw
    n_c = math.ceil(n_raw - 1e-9)
    n_t = math.ceil(n_raw * ratio - 1e-9)
    total = n_c + (arms - 1) * n_t
    days = _days(fn, total, daily_traffic, traffic_fraction)
    notes = ["power is per treatment-vs-control comparison"]
    if days is not None:
        notes.append("days assume a constant inflow of new eligible units; returning users slow it")
    tau_used = spec.tau if spec.tau is not None else (abs(delta) / spec.sd if sequential else None)
    n_fixed = math.ceil(fixed - 1e-9)
    return SampleSizePlan(
        kind=kind,
        n_per_arm=n_c,
        n_treatment_per_arm=n_t,
        n_total=total,
        n_per_arm_unrounded=n_raw,
        days=days,
        mde_absolute=delta,
        mde_relative=delta / baseline if baseline else None,
        baseline=baseline,
        sd=spec.sd,
        alpha=float(alpha),
        alpha_per_comparison=spec.alpha_c,
        critical_value=float(stats.norm.isf(spec.alpha_c / 2 if spec.two_sided else spec.alpha_c)),
        power=float(power),
        arms=arms,
        ratio=float(ratio),
        adjustment=adjustment,
        alternative=alternative,
        cuped_correlation=float(cuped_correlation),
        variance_factor=spec.factor,
        sequential=sequential,
        tau=tau_used,
        n_fixed_horizon=n_fixed,
        inflation=n_raw / fixed,
        method=design_method(spec, adjustment, arms, sequential),
        notes=tuple(notes),
    )


def _absolute_mde(
    fn: str, mde: float, relative: bool, baseline: float | None, spec: DesignSpec
) -> float:
    if check_number(mde, "mde", fn) == 0:
        raise ParameterError("mde", fn, "a non-zero finite effect", mde)
    if relative:
        if not baseline:
            raise ParameterError("baseline", fn, "a non-zero baseline for a relative MDE", baseline)
        delta = mde * baseline
    else:
        delta = float(mde)
    if spec.kind == "proportion" and not 0.0 < spec.p1 + delta < 1.0:
        raise ParameterError("mde", fn, "an effect keeping the rate inside (0, 1)", mde)
    return delta if spec.kind == "proportion" else abs(delta)


def _days(fn: str, total: float, daily: float | None, fraction: float) -> int | None:
    check_number(fraction, "traffic_fraction", fn, low=0, high=1, low_open=True)
    if daily is None:
        return None
    check_number(daily, "daily_traffic", fn, low=0, low_open=True)
    return math.ceil(total / (daily * fraction) - 1e-9)


def ab_mde_by_week(
    *,
    daily_traffic: float,
    weeks: int = 8,
    kind: Literal["mean", "proportion"] = "mean",
    baseline: float | None = None,
    sd: float | None = None,
    alpha: float = 0.05,
    power: float = 0.8,
    arms: int = 2,
    adjustment: Adjustment = "bonferroni",
    alternative: Alternative = "two-sided",
    cuped_correlation: float = 0.0,
    ratio: float = 1.0,
    distribution: Literal["normal", "t"] = "normal",
    proportion_method: Literal["wald", "arcsine"] = "wald",
    sequential: bool = False,
    tau: float | None = None,
    traffic_fraction: float = 1.0,
) -> tuple[MDERow, ...]:
    """Smallest effect detectable after 1, 2, …, ``weeks`` weeks: the inverse of the sample size.

    Same assumptions and parameters as :func:`ab_sample_size`; each week's units are split over
    the arms by ``ratio``. Effects are increases (for proportions, the rate rising from
    ``baseline``); an effect that cannot be reached inside (0, 1) is reported as NaN.
    """
    fn = "ab_mde_by_week"
    spec = design_spec(
        fn,
        kind,
        baseline,
        sd,
        alpha,
        power,
        arms,
        adjustment,
        alternative,
        cuped_correlation,
        ratio,
        distribution,
        proportion_method,
        sequential,
        tau,
    )
    w = check_int(weeks, "weeks", fn)
    _days(fn, 1.0, daily_traffic, traffic_fraction)
    upper = 1.0 - spec.p1 - 1e-12 if kind == "proportion" else spec.sd * 1e6
    rows = []
    for week in range(1, w + 1):
        units = daily_traffic * traffic_fraction * 7 * week
        n_c = units / (1 + (arms - 1) * ratio)

        def f(d: float, n: float = n_c) -> float:
            return spec.power(d, n) - power

        lo = upper * 1e-12
        if n_c < 1 or f(upper) < 0:
            delta = math.nan
        elif f(lo) >= 0:
            delta = lo
        else:
            delta = float(optimize.brentq(f, lo, upper, xtol=1e-15, rtol=1e-12))
        rows.append(
            MDERow(
                weeks=week,
                days=7 * week,
                n_per_arm=math.floor(n_c),
                mde_absolute=delta,
                mde_relative=delta / baseline if baseline else None,
            )
        )
    return tuple(rows)
