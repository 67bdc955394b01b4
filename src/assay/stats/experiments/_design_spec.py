"""The power function behind every A/B design, and Dunnett's many-to-one critical value.

A :class:`DesignSpec` holds the checked arguments of a design; its ``power`` is the one power
function that :func:`assay.stats.ab_sample_size` and :func:`assay.stats.ab_mde_by_week` invert.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

import numpy as np

from assay._util import check_choice, check_int, check_number, check_probability
from assay.errors import ParameterError
from assay.stats._results import Alternative
from assay.stats._scipy import optimize, special, stats
from assay.stats.sequential._msprt import boundary_z

__all__ = [
    "Adjustment",
    "DesignSpec",
    "design_method",
    "design_spec",
    "dunnett_critical_value",
    "solve_n",
]

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
    k = check_int(comparisons, "comparisons", fn)
    a = check_probability(alpha, "alpha", fn)
    rho = check_probability(correlation, "correlation", fn)
    check_choice(alternative, "alternative", fn, _ALTERNATIVES)
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
class DesignSpec:
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


def design_spec(
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
) -> DesignSpec:
    _check_arguments(
        fn,
        kind,
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
    a = float(alpha)
    k = int(arms) - 1
    two = alternative == "two-sided"
    if kind == "proportion":
        if baseline is None or not 0.0 < baseline < 1.0:
            raise ParameterError("baseline", fn, "a rate in (0, 1) for proportions", baseline)
        p1, sd_v = float(baseline), math.sqrt(baseline * (1 - baseline))
    else:
        if sd is None:
            raise ParameterError("sd", fn, "a positive per-unit standard deviation", sd)
        check_number(sd, "sd", fn, low=0, low_open=True)
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
    return DesignSpec(
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


def _check_arguments(
    fn: str,
    kind: str,
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
) -> None:
    """The arguments every design function shares, checked in the order of its signature."""
    check_probability(alpha, "alpha", fn)
    check_probability(power, "power", fn)
    check_int(arms, "arms", fn, minimum=2)
    check_choice(kind, "kind", fn, ("mean", "proportion"))
    check_choice(adjustment, "adjustment", fn, ("none", "bonferroni", "dunnett"))
    check_choice(alternative, "alternative", fn, _ALTERNATIVES)
    check_number(
        cuped_correlation, "cuped_correlation", fn, low=-1, high=1, low_open=True, high_open=True
    )
    check_number(ratio, "ratio", fn, low=0, low_open=True)
    if distribution not in ("normal", "t") or (distribution == "t" and kind != "mean"):
        raise ParameterError("distribution", fn, "'normal', or 't' for means", distribution)
    check_choice(proportion_method, "proportion_method", fn, ("wald", "arcsine"))
    if sequential and (adjustment == "dunnett" or distribution == "t"):
        raise ParameterError(
            "sequential", fn, "used with the normal distribution and no Dunnett adjustment", True
        )
    if sequential and kind == "proportion" and proportion_method == "arcsine":
        raise ParameterError("proportion_method", fn, "'wald' when sequential", proportion_method)
    if tau is not None:
        check_number(tau, "tau", fn, low=0, low_open=True)


def solve_n(spec: DesignSpec, delta: float, power: float) -> float:
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


def design_method(spec: DesignSpec, adjustment: str, arms: int, sequential: bool) -> str:
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
