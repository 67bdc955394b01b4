"""A/B test design: sample size and duration, and the effect reachable week by week.

One power function covers every variant (means or proportions, fixed horizon or sequential,
normal or t, one or several treatment arms); sample size and minimum detectable effect are its
two inverses, found by root finding, so the two directions always agree.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

import numpy as np

from assay.errors import ParameterError
from assay.stats._checks import check_positive_int, check_probability
from assay.stats._results import Alternative
from assay.stats._scipy import optimize, special, stats
from assay.stats.experiments._types import MDERow, SampleSizePlan
from assay.stats.sequential._msprt import boundary_z

__all__ = ["ab_mde_by_week", "ab_sample_size", "dunnett_critical_value"]

Adjustment = Literal["none", "bonferroni", "dunnett"]
_ALTERNATIVES = ("two-sided", "greater", "less")


def dunnett_critical_value(
    comparisons: int,
    alpha: float = 0.05,
    alternative: Alternative = "two-sided",
    correlation: float = 0.5,
) -> float:
    """Critical z of Dunnett's many-to-one comparisons with known variance (infinite df).

    ``comparisons`` treatment arms are each compared with one shared control, so their z
    statistics are equicorrelated (0.5 with equal arm sizes; ``r / (1 + r)`` when each
    treatment arm has ``r`` units per control unit). Returns c with P(max |Z_i| ≤ c) = 1 − α
    (two-sided) or P(max Z_i ≤ c) = 1 − α (one-sided), by one-dimensional integration over
    the shared control term; it lies between the unadjusted and the Bonferroni critical values.
    """
    fn = "dunnett_critical_value"
    k = check_positive_int(comparisons, "comparisons", fn)
    a = check_probability(alpha, "alpha", fn)
    rho = check_probability(correlation, "correlation", fn)
    if alternative not in _ALTERNATIVES:
        raise ParameterError("alternative", fn, "'two-sided', 'greater' or 'less'", alternative)
    two = alternative == "two-sided"
    lo = float(stats.norm.isf(a / 2 if two else a))
    hi = float(stats.norm.isf(a / (2 * k) if two else a / k))
    if k == 1:
        return lo
    sr, sq = math.sqrt(rho), math.sqrt(1.0 - rho)
    # Simpson's rule over the shared control term: the integrand is smooth and negligible
    # beyond ±9 standard deviations, so a fixed grid is exact to ~1e-12.
    grid = np.linspace(-9.0, 9.0, 4001)
    weights = np.full(grid.size, 2.0)
    weights[1::2] = 4.0
    weights[[0, -1]] = 1.0
    density = weights * (grid[1] - grid[0]) / 3.0 * np.exp(-0.5 * grid**2) / math.sqrt(2 * math.pi)

    def excess(c: float) -> float:
        upper = special.ndtr((c - sr * grid) / sq)
        lower = special.ndtr((-c - sr * grid) / sq) if two else 0.0
        return float(np.sum(density * (upper - lower) ** k)) - (1.0 - a)

    return float(optimize.brentq(excess, lo - 1e-9, hi + 1e-6, xtol=1e-12))


@dataclass(frozen=True)
class _Spec:
    kind: str
    p1: float
    sd: float
    factor: float
    ratio: float
    two_sided: bool
    alpha_c: float
    crit: float
    distribution: str
    proportion_method: str
    tau: float | None  # standardised; None: the effect being powered

    def sigmas(self, delta: float) -> tuple[float, float]:
        if self.kind == "mean":
            v = self.sd**2 * self.factor
            return v, v
        p2 = self.p1 + delta
        return self.p1 * (1 - self.p1) * self.factor, p2 * (1 - p2) * self.factor

    def power(self, delta: float, n: float) -> float:
        if self.kind == "proportion" and self.proportion_method == "arcsine":
            h = 2 * math.asin(math.sqrt(self.p1 + delta)) - 2 * math.asin(math.sqrt(self.p1))
            x = abs(h) * math.sqrt(n / ((1 + 1 / self.ratio) * self.factor))
            var_diff = math.nan
        else:
            s_c, s_t = self.sigmas(delta)
            var_diff = (s_c + s_t / self.ratio) / n
            x = abs(delta) / math.sqrt(var_diff)
        if self.distribution == "t":
            df = n * (1 + self.ratio) - 2
            q = self.alpha_c / 2 if self.two_sided else self.alpha_c
            crit = float(stats.t.isf(q, df))
            other = float(stats.nct.cdf(-crit, df, x)) if self.two_sided else 0.0
            power = float(stats.nct.sf(crit, df, x)) + other
            if math.isnan(power):  # scipy's noncentral t fails far in the tail, where power ~ 1
                power = float(stats.norm.cdf(x - crit))
            return power
        crit = self.crit
        if self.tau is not None or math.isnan(self.crit):
            tau_abs = (self.tau if self.tau is not None else abs(delta) / self.sd) * self.sd
            alt: Alternative = "two-sided" if self.two_sided else "greater"
            crit = float(boundary_z(tau_abs**2 / var_diff, self.alpha_c, alt))
        other = float(stats.norm.cdf(-x - crit)) if self.two_sided else 0.0
        return float(stats.norm.cdf(x - crit)) + other


def _spec(
    fn: str,
    kind: str,
    baseline: float | None,
    sd: float | None,
    alpha: float,
    power: float,
    arms: int,
    adjustment: str,
    alternative: str,
    cuped_correlation: float,
    ratio: float,
    distribution: str,
    proportion_method: str,
    sequential: bool,
    tau: float | None,
) -> _Spec:
    a = check_probability(alpha, "alpha", fn)
    check_probability(power, "power", fn)
    k = check_positive_int(arms, "arms", fn, minimum=2) - 1
    if kind not in ("mean", "proportion"):
        raise ParameterError("kind", fn, "'mean' or 'proportion'", kind)
    if adjustment not in ("none", "bonferroni", "dunnett"):
        raise ParameterError("adjustment", fn, "'none', 'bonferroni' or 'dunnett'", adjustment)
    if alternative not in _ALTERNATIVES:
        raise ParameterError("alternative", fn, "'two-sided', 'greater' or 'less'", alternative)
    if isinstance(cuped_correlation, bool) or not -1.0 < cuped_correlation < 1.0:
        raise ParameterError("cuped_correlation", fn, "a float in (-1, 1)", cuped_correlation)
    if isinstance(ratio, bool) or not ratio > 0 or not math.isfinite(ratio):
        raise ParameterError("ratio", fn, "a positive float", ratio)
    if distribution not in ("normal", "t") or (distribution == "t" and kind != "mean"):
        raise ParameterError("distribution", fn, "'normal', or 't' for means", distribution)
    if proportion_method not in ("wald", "arcsine"):
        raise ParameterError("proportion_method", fn, "'wald' or 'arcsine'", proportion_method)
    if sequential and (adjustment == "dunnett" or distribution == "t"):
        raise ParameterError(
            "sequential", fn, "used with the normal distribution and no Dunnett adjustment", True
        )
    if sequential and kind == "proportion" and proportion_method == "arcsine":
        raise ParameterError("proportion_method", fn, "'wald' when sequential", proportion_method)
    if tau is not None and (isinstance(tau, bool) or not tau > 0 or not math.isfinite(tau)):
        raise ParameterError("tau", fn, "a positive float or None", tau)
    two = alternative == "two-sided"
    if kind == "proportion":
        if baseline is None or not 0.0 < baseline < 1.0:
            raise ParameterError("baseline", fn, "a rate in (0, 1) for proportions", baseline)
        p1, sd_v = float(baseline), math.sqrt(baseline * (1 - baseline))
    else:
        if sd is None or isinstance(sd, bool) or not sd > 0 or not math.isfinite(sd):
            raise ParameterError("sd", fn, "a positive per-unit standard deviation", sd)
        p1, sd_v = math.nan, float(sd)
    if adjustment == "dunnett":
        crit = (
            dunnett_critical_value(k, a, alternative, ratio / (1 + ratio))  # type: ignore[arg-type]
            if k > 1
            else math.nan
        )
        if k == 1:
            crit = float(stats.norm.isf(a / 2 if two else a))
        alpha_c = float(2 * stats.norm.sf(crit) if two else stats.norm.sf(crit))
    else:
        alpha_c = a / k if adjustment == "bonferroni" else a
        crit = float(stats.norm.isf(alpha_c / 2 if two else alpha_c))
    if power <= alpha_c:
        raise ParameterError(
            "power", fn, f"greater than the per-comparison alpha {alpha_c:g}", power
        )
    return _Spec(
        kind,
        p1,
        sd_v,
        1.0 - cuped_correlation**2,
        float(ratio),
        two,
        alpha_c,
        math.nan if sequential else crit,
        distribution,
        proportion_method,
        tau if sequential else None,
    )


def _solve_n(spec: _Spec, delta: float, power: float) -> float:
    lo = 3.0 / (1 + spec.ratio) if spec.distribution == "t" else 1e-6
    hi = 16.0
    while spec.power(delta, hi) < power:
        hi *= 16.0
        if hi > 1e15:
            raise ParameterError(
                "mde", "ab_sample_size", "an effect reachable with < 1e15 units", delta
            )

    def f(log_n: float) -> float:
        return spec.power(delta, math.exp(log_n)) - power

    if f(math.log(lo)) >= 0:
        return lo
    return math.exp(optimize.brentq(f, math.log(lo), math.log(hi), xtol=1e-13, rtol=1e-14))


def _method(spec: _Spec, adjustment: str, arms: int, sequential: bool) -> str:
    if spec.kind == "proportion" and spec.proportion_method == "arcsine":
        core = "two proportions, arcsine (Cohen's h) normal approximation"
    elif spec.kind == "proportion":
        core = "two proportions, Wald normal approximation with unpooled variances"
    elif spec.distribution == "t":
        core = "two means, noncentral t"
    else:
        core = "two means, normal approximation"
    parts = [core, f"arms={arms} (each treatment vs control), adjustment={adjustment}"]
    parts.append(f"variance factor 1-rho^2={spec.factor:g}")
    if sequential:
        parts.append(
            "always-valid normal-mixture SPRT: horizon at which P(mixture likelihood ratio >= "
            "1/alpha at that look) equals the power (conservative under continuous monitoring), "
            + (f"tau={spec.tau:g} sd" if spec.tau is not None else "tau=MDE")
        )
    else:
        parts.append("fixed horizon")
    return "; ".join(parts)


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
    spec = _spec(
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
    delta = _absolute_mde(fn, mde, relative, baseline, spec)
    n_raw = _solve_n(spec, delta, power)
    fixed = n_raw
    if sequential:
        fixed_spec = _spec(
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
            False,
            None,
        )
        fixed = _solve_n(fixed_spec, delta, power)
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
        method=_method(spec, adjustment, arms, sequential),
        notes=tuple(notes),
    )


def _absolute_mde(
    fn: str, mde: float, relative: bool, baseline: float | None, spec: _Spec
) -> float:
    if isinstance(mde, bool) or not math.isfinite(mde) or mde == 0:
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
    if isinstance(fraction, bool) or not 0 < fraction <= 1:
        raise ParameterError("traffic_fraction", fn, "a float in (0, 1]", fraction)
    if daily is None:
        return None
    if isinstance(daily, bool) or not daily > 0 or not math.isfinite(daily):
        raise ParameterError("daily_traffic", fn, "a positive number of units per day", daily)
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
    spec = _spec(
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
    w = check_positive_int(weeks, "weeks", fn)
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
