"""A/B readout from per-arm sufficient statistics: lift, delta method, CUPED, sequential.

Per-unit (co)variances come from the sums (:mod:`assay.stats.experiments._sums`), so the readout
costs nothing beyond the sums.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np
import numpy.typing as npt

from assay._util import check_choice, check_number, check_probability
from assay.errors import DataError, ParameterError
from assay.stats._results import Alternative, Estimate
from assay.stats._scipy import special
from assay.stats.experiments._sums import ArmMoments, arm_moments, validate_sums
from assay.stats.experiments._types import LiftResult, MeanSums, MetricKind, RatioSums
from assay.stats.sequential._msprt import msprt_interval, msprt_p_value

FloatArray = npt.NDArray[np.float64]
_ALTERNATIVES = ("two-sided", "greater", "less")
_KINDS = ("mean", "proportion", "count", "ratio")


def _nan_estimate(confidence: float, method: str, n: int) -> Estimate:
    return Estimate(math.nan, math.nan, math.nan, confidence, method, n)


def inconclusive_lift(
    metric: str,
    kind: MetricKind,
    control: str,
    treatment: str,
    reason: str,
    *,
    confidence: float,
    alternative: Alternative,
    method: str,
    n_control: int,
    n_treatment: int,
) -> LiftResult:
    """A result that states why no test was possible (every number NaN)."""
    return LiftResult(
        metric=metric,
        kind=kind,
        control=control,
        treatment=treatment,
        status="inconclusive",
        control_value=_nan_estimate(confidence, method, n_control),
        treatment_value=_nan_estimate(confidence, method, n_treatment),
        absolute=_nan_estimate(confidence, method, n_control + n_treatment),
        relative=_nan_estimate(confidence, method, n_control + n_treatment),
        p_value=math.nan,
        p_value_relative=math.nan,
        alternative=alternative,
        confidence=confidence,
        method=method,
        reason=reason,
    )


def _z_interval(
    est: float, se: float, confidence: float, alternative: Alternative
) -> tuple[float, float, float]:
    """Normal interval bounds and the p-value of est = 0."""
    z = est / se
    if alternative == "two-sided":
        q = float(special.ndtri(0.5 + confidence / 2.0))
        return est - q * se, est + q * se, float(2.0 * special.ndtr(-abs(z)))
    q = float(special.ndtri(confidence))
    if alternative == "greater":
        return est - q * se, math.inf, float(special.ndtr(-z))
    return -math.inf, est + q * se, float(special.ndtr(z))


def finish_lift(
    *,
    metric: str,
    kind: MetricKind,
    control: str,
    treatment: str,
    values: tuple[float, float, float, float],
    n: tuple[int, int],
    confidence: float,
    alternative: Alternative,
    method: str,
    arm_method: str,
    tau_absolute: float | None = None,
    notes: tuple[str, ...] = (),
) -> LiftResult:
    """Build the result from each arm's value and standard error: ``(a_c, se_c, a_t, se_t)``."""
    a_c, se_c, a_t, se_t = values
    n_c, n_t = n
    se_d = math.hypot(se_c, se_t)
    if not se_d > 0:
        return inconclusive_lift(
            metric,
            kind,
            control,
            treatment,
            "zero variance in both arms: no test is possible",
            confidence=confidence,
            alternative=alternative,
            method=method,
            n_control=n_c,
            n_treatment=n_t,
        )
    q_arm = float(special.ndtri(0.5 + confidence / 2.0))
    arms = [
        Estimate(a, a - q_arm * s, a + q_arm * s, confidence, arm_method, k, se=s)
        for a, s, k in ((a_c, se_c, n_c), (a_t, se_t, n_t))
    ]
    diff = a_t - a_c
    notes_out = list(notes)
    if a_c != 0.0:
        rel = a_t / a_c - 1.0
        se_rel = math.sqrt(se_t**2 / a_c**2 + a_t**2 * se_c**2 / a_c**4)
    else:
        rel, se_rel = math.nan, math.nan
        notes_out.append("relative lift undefined: the control value is 0")
    if tau_absolute is None:
        lo, hi, p = _z_interval(diff, se_d, confidence, alternative)
        if math.isnan(rel) or not se_rel > 0:
            rlo, rhi, rp = math.nan, math.nan, math.nan
        else:
            rlo, rhi, rp = _z_interval(rel, se_rel, confidence, alternative)
    else:
        lo_a, hi_a = msprt_interval(diff, se_d, tau_absolute, confidence, alternative)
        lo, hi = float(lo_a), float(hi_a)
        p = float(msprt_p_value(diff, se_d, tau_absolute, alternative))
        if math.isnan(rel) or not se_rel > 0:
            rlo, rhi, rp = math.nan, math.nan, math.nan
        else:
            tau_rel = tau_absolute / abs(a_c)
            rlo_a, rhi_a = msprt_interval(rel, se_rel, tau_rel, confidence, alternative)
            rlo, rhi = float(rlo_a), float(rhi_a)
            rp = float(msprt_p_value(rel, se_rel, tau_rel, alternative))
    return LiftResult(
        metric=metric,
        kind=kind,
        control=control,
        treatment=treatment,
        status="ok",
        control_value=arms[0],
        treatment_value=arms[1],
        absolute=Estimate(diff, lo, hi, confidence, method, n_c + n_t, se=se_d),
        relative=Estimate(rel, rlo, rhi, confidence, method, n_c + n_t, se=se_rel),
        p_value=p,
        p_value_relative=rp,
        alternative=alternative,
        confidence=confidence,
        method=method,
        notes=tuple(notes_out),
    )


def ab_lift(
    control: MeanSums | RatioSums,
    treatment: MeanSums | RatioSums,
    *,
    kind: MetricKind = "mean",
    confidence: float = 0.95,
    alternative: Alternative = "two-sided",
    cuped: bool = False,
    tau: float | None = None,
    metric: str = "metric",
    control_name: str = "control",
    treatment_name: str = "treatment",
) -> LiftResult:
    """Absolute and relative lift of treatment over control from per-arm sufficient statistics.

    Means and counts per unit use the unbiased per-unit variance; proportions the Wald variance
    p(1 − p); ratio metrics (Σ num / Σ den, randomised by the unit counted in ``n``) the delta
    method. The relative lift is ``treatment / control − 1`` with a delta-method standard error
    (arms independent). Tests and intervals are normal approximations: use them when each arm
    has enough units for its mean to be near normal (hundreds or more for skewed metrics).

    With ``cuped=True``, each arm's value is adjusted by ``θ (h − h̄)`` where h is the same
    metric on the pre-period covariate, h̄ its pooled value, and θ the covariance of metric and
    covariate over the variance of the covariate, pooled within the two arms compared (for
    means this is the slope of ANCOVA). With ``tau`` set, intervals and p-values are the
    always-valid normal-mixture SPRT with mixture standard deviation ``tau`` times the metric's
    pooled per-unit standard deviation, so the test can be read at every look.

    Bad sums (negative or zero counts, a sum of squares below sum²/n, a proportion outside
    [0, n]) raise :class:`~assay.errors.DataError` naming the arm and column. Degenerate data
    (fewer than 2 units, zero variance in both arms, a ratio whose denominators sum to zero)
    give an ``"inconclusive"`` result stating why.
    """
    fn = "ab_lift"
    conf = check_probability(confidence, "confidence", fn)
    check_choice(alternative, "alternative", fn, _ALTERNATIVES)
    check_choice(kind, "kind", fn, _KINDS)
    is_ratio = kind == "ratio"
    _check_sums(control, treatment, kind, tau, cuped, (control_name, treatment_name))
    method = _method(kind, conf, cuped, tau)
    arm_method = "wald" if kind == "proportion" else "normal"
    n_c, n_t = int(control.n), int(treatment.n)
    common = {"confidence": conf, "alternative": alternative, "method": method}

    def stop(reason: str) -> LiftResult:
        return inconclusive_lift(
            metric,
            kind,
            control_name,
            treatment_name,
            reason,
            n_control=n_c,
            n_treatment=n_t,
            **common,  # type: ignore[arg-type]
        )

    for k, name in ((n_c, control_name), (n_t, treatment_name)):
        if k < 2:
            return stop(f"arm {name!r} has fewer than 2 units: no variance can be estimated")
    if is_ratio:
        for s, name in ((control, control_name), (treatment, treatment_name)):
            if s.sum_den == 0:  # type: ignore[union-attr]
                return stop(f"the denominator sums to zero in arm {name!r}: the ratio is undefined")
    notes: list[str] = []
    use_pre = cuped
    if cuped and is_ratio and (control.sum_den_pre == 0 or treatment.sum_den_pre == 0):  # type: ignore[union-attr]
        notes.append("CUPED not applied: the pre-period denominator sums to zero in an arm")
        use_pre = False
    ddof = 0 if kind == "proportion" else 1
    c = arm_moments(control, ddof, use_pre)
    t = arm_moments(treatment, ddof, use_pre)
    a_c, a_t, va_c, va_t = c.g, t.g, c.v_g, t.v_g
    theta: float | None = None
    reduction: float | None = None
    if use_pre:
        adjusted = _cuped(control, treatment, c, t, ddof)
        a_c, a_t, va_c, va_t = adjusted.values
        theta, reduction = adjusted.theta, adjusted.reduction
        notes.extend(adjusted.notes)
    tau_abs = None
    if tau is not None:
        sd_unit = math.sqrt((n_c * c.v_g + n_t * t.v_g) / (n_c + n_t))
        if sd_unit > 0:
            tau_abs = tau * sd_unit
        else:
            return stop("zero variance in both arms: no test is possible")
    result = finish_lift(
        metric=metric,
        kind=kind,
        control=control_name,
        treatment=treatment_name,
        values=(a_c, math.sqrt(va_c / n_c), a_t, math.sqrt(va_t / n_t)),
        n=(n_c, n_t),
        arm_method=arm_method,
        tau_absolute=tau_abs,
        notes=tuple(notes),
        **common,  # type: ignore[arg-type]
    )
    if result.status != "ok":
        return result
    return replace(result, theta=theta, variance_reduction=reduction, tau=tau, tau_absolute=tau_abs)


def _check_sums(
    control: MeanSums | RatioSums,
    treatment: MeanSums | RatioSums,
    kind: str,
    tau: float | None,
    cuped: bool,
    names: tuple[str, str],
) -> None:
    """The sums fit ``kind`` and come from real data, with pre-period sums for CUPED."""
    fn = "ab_lift"
    is_ratio = kind == "ratio"
    for s, label in ((control, "control"), (treatment, "treatment")):
        if isinstance(s, RatioSums) != is_ratio:
            want = "RatioSums" if is_ratio else "MeanSums"
            raise ParameterError(label, fn, f"a {want} for kind={kind!r}", type(s).__name__)
    if tau is not None:
        check_number(tau, "tau", fn, low=0, low_open=True)
    validate_sums(control, names[0], kind)
    validate_sums(treatment, names[1], kind)
    if cuped:
        for s, name in zip((control, treatment), names, strict=True):
            if not s.has_pre:
                col = "sum_cross" if isinstance(s, MeanSums) else "sum_num_pre"
                raise DataError(
                    f"arm {name!r}: CUPED needs the pre-period sums",
                    column=col,
                    expected="pre-period sums for every arm",
                    found="missing",
                )


@dataclass(frozen=True)
class _Cuped:
    """Both arms' values and per-unit variances after the CUPED adjustment."""

    values: tuple[float, float, float, float]
    """``(a_c, a_t, va_c, va_t)``: adjusted value and per-unit variance of each arm."""
    theta: float
    """The slope pooled within the two arms."""
    reduction: float
    """Share of the difference's variance removed."""
    notes: tuple[str, ...]
    """Why the adjustment changed nothing, when it did not."""


def _cuped(
    control: MeanSums | RatioSums,
    treatment: MeanSums | RatioSums,
    c: ArmMoments,
    t: ArmMoments,
    ddof: int,
) -> _Cuped:
    """``g − θ (h − h̄)`` per arm, θ pooled within the two arms, h̄ the pooled covariate."""
    n_c, n_t = int(control.n), int(treatment.n)
    w_c, w_t = n_c - ddof, n_t - ddof
    denom = w_c * c.v_h + w_t * t.v_h
    theta = (w_c * c.c_gh + w_t * t.c_gh) / denom if denom > 0 else 0.0
    notes: tuple[str, ...] = ()
    if denom <= 0:
        notes = ("the pre-period covariate has zero variance: CUPED changes nothing",)
    h_bar = _pooled_covariate(control, treatment)
    a_c = c.g - theta * (c.h - h_bar)
    a_t = t.g - theta * (t.h - h_bar)
    va_c = max(c.v_g - 2.0 * theta * c.c_gh + theta**2 * c.v_h, 0.0)
    va_t = max(t.v_g - 2.0 * theta * t.c_gh + theta**2 * t.v_h, 0.0)
    raw_var = c.v_g / n_c + t.v_g / n_t
    reduction = 1.0 - (va_c / n_c + va_t / n_t) / raw_var if raw_var > 0 else 0.0
    return _Cuped((a_c, a_t, va_c, va_t), theta, reduction, notes)


def _pooled_covariate(control: MeanSums | RatioSums, treatment: MeanSums | RatioSums) -> float:
    if isinstance(control, MeanSums) and isinstance(treatment, MeanSums):
        return (float(control.sum_pre) + float(treatment.sum_pre)) / (control.n + treatment.n)  # type: ignore[arg-type]
    assert isinstance(control, RatioSums) and isinstance(treatment, RatioSums)
    num = float(control.sum_num_pre) + float(treatment.sum_num_pre)  # type: ignore[arg-type]
    return num / (float(control.sum_den_pre) + float(treatment.sum_den_pre))  # type: ignore[arg-type]


def _method(kind: str, confidence: float, cuped: bool, tau: float | None) -> str:
    base = {
        "mean": "difference in means, normal approximation (unequal variances)",
        "count": "difference in mean counts per unit, normal approximation (unequal variances)",
        "proportion": "difference in proportions, Wald normal approximation (unpooled)",
        "ratio": "difference in ratio metrics (sum num / sum den), delta method",
    }[kind]
    parts = [base, "relative lift by the delta method"]
    if cuped:
        parts.append("CUPED with theta pooled within the two arms compared")
    if tau is not None:
        parts.append(
            f"always-valid normal-mixture SPRT (tau={tau:g} per-unit sd, confidence={confidence:g})"
        )
    else:
        parts.append(f"fixed horizon, confidence={confidence:g}")
    return "; ".join(parts)
