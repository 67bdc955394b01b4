"""Inputs and results of online-experiment statistics (A/B readout, design, interleaving).

Per-arm sufficient statistics are plain sums, so shards and days add up exactly. Column names of
the sufficient-statistics table used by :mod:`assay.online` are the field names here.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Literal

from assay.stats._results import Alternative, Estimate

__all__ = [
    "BayesianLift",
    "LiftResult",
    "MDERow",
    "MeanSums",
    "MetricKind",
    "RatioSums",
    "SampleRatioResult",
    "SampleSizePlan",
]

MetricKind = Literal["mean", "proportion", "count", "ratio", "quantile"]


@dataclass(frozen=True)
class MeanSums:
    """Sufficient statistics of one arm for a mean, proportion or count metric.

    ``y`` is the unit's metric value, ``x`` its pre-period covariate (for CUPED).
    """

    n: int
    """Number of units in the arm."""
    sum: float
    """Σ y."""
    sum_squares: float
    """Σ y²."""
    sum_pre: float | None = None
    """Σ x, the pre-period covariate (CUPED only)."""
    sum_squares_pre: float | None = None
    """Σ x² (CUPED only)."""
    sum_cross: float | None = None
    """Σ y·x (CUPED only)."""

    @property
    def has_pre(self) -> bool:
        """Whether the pre-period sums needed for CUPED are all present."""
        return None not in (self.sum_pre, self.sum_squares_pre, self.sum_cross)

    def __add__(self, other: MeanSums) -> MeanSums:
        pre = self.has_pre and other.has_pre
        return MeanSums(
            n=self.n + other.n,
            sum=self.sum + other.sum,
            sum_squares=self.sum_squares + other.sum_squares,
            sum_pre=_add(self.sum_pre, other.sum_pre) if pre else None,
            sum_squares_pre=_add(self.sum_squares_pre, other.sum_squares_pre) if pre else None,
            sum_cross=_add(self.sum_cross, other.sum_cross) if pre else None,
        )


@dataclass(frozen=True)
class RatioSums:
    """Sufficient statistics of one arm for a ratio metric Σ num / Σ den (e.g. clicks/views).

    The ``*_pre`` fields are the same sums over the pre-period numerator and denominator;
    ``sum_cross_a_b`` is Σ a·b_pre for a, b in {num, den} (CUPED only).
    """

    n: int
    """Number of units (the randomisation unit, e.g. users) in the arm."""
    sum_num: float
    """Σ numerator."""
    sum_den: float
    """Σ denominator."""
    sum_squares_num: float
    """Σ numerator²."""
    sum_squares_den: float
    """Σ denominator²."""
    sum_num_den: float
    """Σ numerator·denominator."""
    sum_num_pre: float | None = None
    """Σ pre-period numerator (CUPED only)."""
    sum_den_pre: float | None = None
    """Σ pre-period denominator (CUPED only)."""
    sum_squares_num_pre: float | None = None
    """Σ pre-period numerator² (CUPED only)."""
    sum_squares_den_pre: float | None = None
    """Σ pre-period denominator² (CUPED only)."""
    sum_num_den_pre: float | None = None
    """Σ pre-period numerator·pre-period denominator (CUPED only)."""
    sum_cross_num_num: float | None = None
    """Σ numerator·pre-period numerator (CUPED only)."""
    sum_cross_num_den: float | None = None
    """Σ numerator·pre-period denominator (CUPED only)."""
    sum_cross_den_num: float | None = None
    """Σ denominator·pre-period numerator (CUPED only)."""
    sum_cross_den_den: float | None = None
    """Σ denominator·pre-period denominator (CUPED only)."""

    @property
    def has_pre(self) -> bool:
        """Whether every pre-period sum needed for CUPED is present."""
        return None not in (
            self.sum_num_pre,
            self.sum_den_pre,
            self.sum_squares_num_pre,
            self.sum_squares_den_pre,
            self.sum_num_den_pre,
            self.sum_cross_num_num,
            self.sum_cross_num_den,
            self.sum_cross_den_num,
            self.sum_cross_den_den,
        )


def _add(a: float | None, b: float | None) -> float | None:
    return None if a is None or b is None else a + b


@dataclass(frozen=True)
class LiftResult:
    """One treatment arm against control on one metric: absolute and relative lift."""

    metric: str
    """Name of the metric."""
    kind: MetricKind
    """How the metric aggregates: mean, proportion, count, ratio or quantile."""
    control: str
    """Name of the control arm."""
    treatment: str
    """Name of the treatment arm."""
    status: Literal["ok", "inconclusive"]
    """``"inconclusive"`` when the data cannot give a test (the reason says why)."""
    control_value: Estimate
    """Control's metric value (CUPED-adjusted when CUPED is on), fixed-horizon interval."""
    treatment_value: Estimate
    """Treatment's metric value (CUPED-adjusted when CUPED is on), fixed-horizon interval."""
    absolute: Estimate
    """Treatment minus control, with its interval (always-valid when sequential)."""
    relative: Estimate
    """Treatment / control − 1 by the delta method, with its interval."""
    p_value: float
    """p-value of no difference for the absolute lift, under ``alternative``."""
    p_value_relative: float
    """p-value of no difference for the relative lift, under ``alternative``."""
    alternative: Alternative
    """Direction of the alternative hypothesis."""
    confidence: float
    """Confidence level of every interval."""
    method: str
    """The method, in words, with its parameters."""
    reason: str | None = None
    """Why the result is inconclusive, else ``None``."""
    theta: float | None = None
    """CUPED coefficient, pooled within the two arms compared; ``None`` without CUPED."""
    variance_reduction: float | None = None
    """1 − Var(adjusted lift) / Var(unadjusted lift); ``None`` without CUPED."""
    tau: float | None = None
    """Sequential mixture standard deviation, in units of the metric's per-unit standard
    deviation; ``None`` for a fixed-horizon test."""
    tau_absolute: float | None = None
    """The same mixture standard deviation in the metric's own units."""
    p_value_adjusted: float | None = None
    """Multiplicity-adjusted p-value when the metric belongs to a declared family."""
    adjustment: str | None = None
    """The multiplicity adjustment applied (``"holm"``, ``"bh"``), else ``None``."""
    notes: tuple[str, ...] = field(default_factory=tuple)
    """Caveats worth showing next to the numbers."""

    @property
    def significant(self) -> bool:
        """Whether the absolute lift's interval excludes zero."""
        a = self.absolute
        return self.status == "ok" and not (a.low <= 0.0 <= a.high) and not math.isnan(a.low)


@dataclass(frozen=True)
class SampleRatioResult:
    """Sample-ratio-mismatch check: Pearson χ² of observed arm sizes against the planned split."""

    arms: tuple[str, ...]
    """Arm names, in the order of the other fields."""
    observed: tuple[int, ...]
    """Units observed per arm."""
    expected: tuple[float, ...]
    """Units expected per arm under the planned split."""
    planned: tuple[float, ...]
    """Planned share of each arm (sums to 1)."""
    statistic: float
    """Pearson χ² statistic."""
    df: int
    """Degrees of freedom (arms − 1)."""
    p_value: float
    """p-value of the χ² test."""
    threshold: float
    """p-value below which the split is declared mismatched."""
    mismatch: bool
    """Whether p < threshold: the readout is not trustworthy."""
    method: str = "pearson chi-square goodness of fit"
    """The test, in words."""


@dataclass(frozen=True)
class BayesianLift:
    """Normal-approximation Bayesian readout of a relative lift."""

    metric: str
    """Name of the metric."""
    treatment: str
    """Name of the treatment arm."""
    prior_mean: float
    """Mean of the normal prior on the relative lift."""
    prior_sd: float
    """Standard deviation of the normal prior on the relative lift (``inf``: flat prior)."""
    posterior_mean: float
    """Posterior mean of the relative lift."""
    posterior_sd: float
    """Posterior standard deviation of the relative lift."""
    credible: Estimate
    """Posterior mean with its equal-tailed credible interval."""
    chance_to_beat_control: float
    """Posterior probability that the relative lift is above zero."""
    expected_loss_treatment: float
    """E[max(0, −lift)]: relative loss expected from shipping treatment."""
    expected_loss_control: float
    """E[max(0, lift)]: relative loss expected from keeping control."""
    method: str
    """The method, in words, with the prior."""


@dataclass(frozen=True)
class SampleSizePlan:
    """Required sample size and duration of an A/B test."""

    kind: Literal["mean", "proportion"]
    """Metric type the plan is for."""
    n_per_arm: int
    """Units needed in the control arm (and in each treatment arm when ``ratio`` is 1)."""
    n_treatment_per_arm: int
    """Units needed in each treatment arm."""
    n_total: int
    """Units needed across all arms."""
    n_per_arm_unrounded: float
    """Control units before rounding up."""
    days: int | None
    """Days of traffic needed, when daily traffic was given."""
    mde_absolute: float
    """Minimum detectable effect in the metric's units."""
    mde_relative: float | None
    """Minimum detectable effect relative to the baseline (``None`` when the baseline is 0)."""
    baseline: float | None
    """Baseline mean or rate."""
    sd: float
    """Per-unit standard deviation of control before CUPED."""
    alpha: float
    """Family-wise significance level."""
    alpha_per_comparison: float
    """Level used for each treatment-versus-control comparison after the adjustment."""
    critical_value: float
    """Critical z value of each comparison (Dunnett, Bonferroni or plain)."""
    power: float
    """Power of each comparison at the MDE."""
    arms: int
    """Number of arms including control."""
    ratio: float
    """Units in each treatment arm per unit in control."""
    adjustment: str
    """Multiple-arm adjustment: ``"none"``, ``"bonferroni"`` or ``"dunnett"``."""
    alternative: Alternative
    """Direction of the test."""
    cuped_correlation: float
    """Expected correlation ρ of the metric with its pre-period covariate (0: no CUPED)."""
    variance_factor: float
    """1 − ρ²: the factor CUPED applies to the variance."""
    sequential: bool
    """Whether the plan is for the always-valid normal-mixture sequential test."""
    tau: float | None
    """Mixture standard deviation of the sequential test, standardised (effect / sd)."""
    n_fixed_horizon: int
    """Control units the fixed-horizon test would need: the base of the inflation."""
    inflation: float
    """``n_per_arm / n_fixed_horizon`` (1 for a fixed-horizon plan)."""
    method: str
    """The method, in words, with its parameters."""
    notes: tuple[str, ...] = field(default_factory=tuple)
    """Assumptions and caveats."""


@dataclass(frozen=True)
class MDERow:
    """Minimum detectable effect reachable after a given number of weeks."""

    weeks: int
    """Weeks of traffic."""
    days: int
    """Days of traffic (7 × weeks)."""
    n_per_arm: int
    """Control units reached."""
    mde_absolute: float
    """Smallest effect detectable with the stated power, in the metric's units."""
    mde_relative: float | None
    """The same relative to the baseline (``None`` when the baseline is 0)."""
