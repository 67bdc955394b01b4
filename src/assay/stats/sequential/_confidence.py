"""Anytime-valid confidence sequences: intervals that may be looked at after every example.

A fixed-n interval checked after every new example and used to stop "as soon as it excludes
zero" misses the truth far more often than its nominal α. A confidence sequence holds for all n
at once: P(the true mean is outside the interval at *any* n) ≤ α, so an evaluation or an A/B test
may stop the moment the interval excludes zero or crosses a margin.

Two families are provided:

* the two-sided normal-mixture boundary (Robbins 1970; Howard, Ramdas, McAuliffe & Sekhon 2021,
  *Annals of Statistics* 49): valid for Gaussian or σ-sub-Gaussian scores with σ known, and
  asymptotically valid with σ estimated (Waudby-Smith, Arbour, Sinha, Kennedy &
  Ramdas 2024, "Time-uniform central limit theory and asymptotic confidence sequences");
* the predictable plug-in empirical-Bernstein sequence for bounded scores (Waudby-Smith &
  Ramdas 2023, "Estimating means of bounded random variables by betting", *JRSS-B* 86;
  their PrPl-EB sequence): valid at every n without asymptotics.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from assay._util import check_int, check_number
from assay.errors import DataError, ParameterError
from assay.stats._checks import (
    as_float_array,
    check_confidence,
    check_probability,
)
from assay.stats._results import Estimate
from assay.stats.sequential._running import BernsteinState, bernstein_step

__all__ = [
    "ConfidenceSequence",
    "empirical_bernstein_confidence_sequence",
    "normal_mixture_confidence_sequence",
    "normal_mixture_rho",
    "paired_empirical_bernstein_confidence_sequence",
    "paired_normal_mixture_confidence_sequence",
]

_FloatArray = npt.NDArray[np.float64]

_DEFAULT_TUNED_FOR_N = 1000
_DEFAULT_BURN_IN = 30


@dataclass(frozen=True, eq=False)
class ConfidenceSequence:
    """The running estimate and interval after each of the first ``n`` observations.

    Element ``i`` of every array describes the data seen after observation ``i + 1``. The
    guarantee is time-uniform: with probability at least ``confidence`` every interval of the
    sequence contains the true mean, so any stopping rule may be applied to it.
    """

    n: npt.NDArray[np.int64]
    """Number of observations seen: 1, 2, …, n."""
    estimate: _FloatArray
    """Running mean (of the differences, for a paired sequence)."""
    low: _FloatArray
    """Lower bound of the interval at each n (``-inf`` where nothing can be said yet)."""
    high: _FloatArray
    """Upper bound of the interval at each n."""
    confidence: float
    """Time-uniform confidence level, e.g. 0.95."""
    method: str
    """The boundary, in words."""
    rho: float | None = None
    """Normal mixture: the mixture's precision ρ, in observations (larger → tighter late)."""
    tuned_for_n: int | None = None
    """Normal mixture: the n at which ρ makes the boundary narrowest, when ρ was derived."""
    sigma: float | None = None
    """Normal mixture: the known standard deviation, or ``None`` when it is estimated."""
    truncation: float | None = None
    """Empirical Bernstein: the largest bet λ allowed (c in Waudby-Smith & Ramdas)."""
    bounds: tuple[float, float] | None = None
    """Empirical Bernstein: the range the observations are known to lie in."""
    notes: tuple[str, ...] = field(default_factory=tuple)
    """Caveats (estimated σ, zero running variance, ...)."""

    def __len__(self) -> int:
        return int(self.n.size)

    def at(self, n: int) -> Estimate:
        """The estimate and interval after the first ``n`` observations."""
        check_int(n, "n", "ConfidenceSequence.at")
        if n > self.n.size:
            raise ParameterError("n", "ConfidenceSequence.at", f"at most {self.n.size}", n)
        i = n - 1
        return Estimate(
            estimate=float(self.estimate[i]),
            low=float(self.low[i]),
            high=float(self.high[i]),
            confidence=self.confidence,
            method=self.method,
            n=int(n),
            notes=self.notes,
        )

    @property
    def final(self) -> Estimate:
        """The estimate and interval after all observations."""
        return self.at(int(self.n.size))

    def first_time_above(self, value: float) -> int | None:
        """The first n whose whole interval is above ``value`` (e.g. ``-margin`` or 0), or None."""
        return _first(self.low > value)

    def first_time_below(self, value: float) -> int | None:
        """The first n whose whole interval is below ``value``, or None."""
        return _first(self.high < value)

    def first_time_excluding(self, value: float) -> int | None:
        """The first n whose interval excludes ``value`` (on either side), or None."""
        return _first((self.low > value) | (self.high < value))


def normal_mixture_rho(tuned_for_n: int, confidence: float = 0.95) -> float:
    """The mixture precision ρ that makes the two-sided boundary (nearly) narrowest at ``n``.

    Minimising (n + ρ)·log((n + ρ)/(ρ α²)) over ρ gives n/ρ = x with x = 2 log(1/α) + log(1 + x);
    one step of that fixed point from x = 2 log(1/α) gives Howard et al.'s (2021) closed form
    ρ = n / (2 log(1/α) + log(1 + 2 log(1/α))).
    """
    function = "normal_mixture_rho"
    n = check_int(tuned_for_n, "tuned_for_n", function)
    alpha = 1.0 - check_confidence(confidence, function)
    two_log = 2.0 * math.log(1.0 / alpha)
    return n / (two_log + math.log1p(two_log))


def normal_mixture_confidence_sequence(
    values: Any,
    *,
    confidence: float = 0.95,
    sigma: float | None = None,
    rho: float | None = None,
    tuned_for_n: int | None = None,
    burn_in: int = _DEFAULT_BURN_IN,
) -> ConfidenceSequence:
    """Running mean with the two-sided normal-mixture confidence sequence at every n.

    At n observations the interval is mean ± σ·sqrt((n + ρ)·log((n + ρ)/(ρ α²))) / n. This is the
    boundary crossed when the Gaussian-mixture martingale reaches 1/α (mixing over the drift with
    a N(0, 1/(ρσ²)) prior), so by Ville's inequality the true mean is outside it at *some* n with
    probability at most α.

    Use it for unbounded scores (latency, a continuous metric) or in online experiments. Choose
    the tuning before looking at the data: either ``rho`` directly or ``tuned_for_n``, the
    sample size at which the interval should be narrowest (default 1000; see
    :func:`normal_mixture_rho`). Any choice is valid; it only moves where the sequence is tight.

    Args:
        values: the observations, in the order they arrived.
        confidence: time-uniform confidence level.
        sigma: the known standard deviation (or sub-Gaussian scale) of one observation. With
            ``None``, σ is the running sample standard deviation (ddof = 1) and the guarantee
            is asymptotic (Waudby-Smith et al. 2024): the sd is too noisy to trust at small n,
            so intervals before ``burn_in`` observations are unbounded, and a run of identical
            values still gives a zero-width interval. For bounded scores prefer
            :func:`empirical_bernstein_confidence_sequence`, which needs neither.
        rho: the mixture precision ρ in observations (> 0).
        tuned_for_n: the n at which to make the boundary narrowest (giving both this and
            ``rho`` is an error).
        burn_in: with σ estimated, the first n at which an interval is reported (≥ 2; in
            simulations of Gaussian data 30 keeps the crossing rate below α, skewed data need
            more). Ignored when ``sigma`` is given.

    Raises:
        DataError: empty input or a value that is not finite (the message names its index).
        ParameterError: bad ``confidence``, ``sigma``, ``rho`` or ``tuned_for_n``.
    """
    function = "normal_mixture_confidence_sequence"
    x = _values(values, "values", function)
    return _normal_mixture(x, confidence, sigma, rho, tuned_for_n, burn_in, function)


def paired_normal_mixture_confidence_sequence(
    baseline: Any,
    candidate: Any,
    *,
    confidence: float = 0.95,
    sigma: float | None = None,
    rho: float | None = None,
    tuned_for_n: int | None = None,
    burn_in: int = _DEFAULT_BURN_IN,
) -> ConfidenceSequence:
    """Normal-mixture confidence sequence for the mean of ``candidate − baseline``, pair by pair.

    The pairs must arrive in the same order in both arrays. ``sigma`` is the standard deviation
    of one *difference*. Stop when :meth:`ConfidenceSequence.first_time_excluding` (0) or
    :meth:`ConfidenceSequence.first_time_above` (−margin) returns an n. See
    :func:`normal_mixture_confidence_sequence` for the assumptions.
    """
    function = "paired_normal_mixture_confidence_sequence"
    d = _differences(baseline, candidate, function)
    return _normal_mixture(d, confidence, sigma, rho, tuned_for_n, burn_in, function)


def empirical_bernstein_confidence_sequence(
    values: Any,
    *,
    confidence: float = 0.95,
    bounds: tuple[float, float] = (0.0, 1.0),
    truncation: float = 0.5,
) -> ConfidenceSequence:
    """Running mean of bounded scores with an empirical-Bernstein confidence sequence.

    Use it for accuracy, pass rates or any score with known bounds: it is valid at every n
    without asymptotics or a variance guess, and it adapts to the observed variance, so a
    low-variance score narrows quickly. Scores are rescaled to [0, 1] by ``bounds``; the interval
    is the predictable plug-in empirical-Bernstein (PrPl-EB) sequence of Waudby-Smith & Ramdas
    (2023):

        Σ λ_i X_i / Σ λ_i  ±  (log(2/α) + Σ v_i ψ_E(λ_i)) / Σ λ_i,

    with v_i = 4(X_i − μ̂_{i−1})², ψ_E(λ) = (−log(1 − λ) − λ)/4 and the bets
    λ_i = min(sqrt(2 log(2/α) / (σ̂²_{i−1} · i · log(1 + i))), c), where μ̂ and σ̂² are running
    mean and variance shrunk towards 1/2 and 1/4. The running intersection is reported (still
    valid), clipped to ``bounds``. It assumes independent observations with a common mean.

    Args:
        values: the observations, in the order they arrived, each within ``bounds``.
        confidence: time-uniform confidence level.
        bounds: (low, high) known range of one observation.
        truncation: the largest bet c, in (0, 1); the paper uses 1/2 or 3/4.

    Raises:
        DataError: empty input, a value that is not finite or is outside ``bounds`` (the message
            names its index).
        ParameterError: bad ``confidence``, ``bounds`` or ``truncation``.
    """
    function = "empirical_bernstein_confidence_sequence"
    x = _values(values, "values", function)
    return _bernstein(x, confidence, bounds, truncation, function)


def paired_empirical_bernstein_confidence_sequence(
    baseline: Any,
    candidate: Any,
    *,
    confidence: float = 0.95,
    bounds: tuple[float, float] = (0.0, 1.0),
    truncation: float = 0.5,
) -> ConfidenceSequence:
    """Empirical-Bernstein confidence sequence for the mean of ``candidate − baseline``.

    ``bounds`` is the range of one *score*: for scores in [lo, hi] the difference lies in
    [−(hi − lo), hi − lo] and is rescaled to [0, 1] for the bets. Stop when
    :meth:`ConfidenceSequence.first_time_excluding` (0) or
    :meth:`ConfidenceSequence.first_time_above` (−margin) returns an n. See
    :func:`empirical_bernstein_confidence_sequence`.
    """
    function = "paired_empirical_bernstein_confidence_sequence"
    lo, hi = _check_bounds(bounds, function)
    base = _values(baseline, "baseline", function)
    cand = _values(candidate, "candidate", function)
    _check_within(base, lo, hi, "baseline", function)
    _check_within(cand, lo, hi, "candidate", function)
    d = _differences(base, cand, function)
    span = hi - lo
    return _bernstein(d, confidence, (-span, span), truncation, function)


def _normal_mixture(
    x: _FloatArray,
    confidence: float,
    sigma: float | None,
    rho: float | None,
    tuned_for_n: int | None,
    burn_in: int,
    function: str,
) -> ConfidenceSequence:
    conf = check_confidence(confidence, function)
    first = check_int(burn_in, "burn_in", function, minimum=2)
    alpha = 1.0 - conf
    if rho is not None and tuned_for_n is not None:
        raise ParameterError("rho", function, "None when tuned_for_n is given", rho)
    if rho is None:
        tuned = _DEFAULT_TUNED_FOR_N if tuned_for_n is None else tuned_for_n
        tuned = check_int(tuned, "tuned_for_n", function)
        rho_ = normal_mixture_rho(tuned, conf)
    else:
        rho_ = _positive_float(rho, "rho", function)
        tuned = None
    t = np.arange(1, x.size + 1, dtype=np.float64)
    mean = np.cumsum(x) / t
    notes: list[str] = []
    if sigma is None:
        # Shift by the first value: the variance is unchanged and the cumulative sums stay small.
        y = x - x[0]
        s1, s2 = np.cumsum(y), np.cumsum(y**2)
        with np.errstate(divide="ignore", invalid="ignore"):
            var = np.where(t >= first, (s2 - s1**2 / t) / (t - 1.0), np.inf)
        scale = np.sqrt(np.maximum(var, 0.0))
        notes.append(
            f"sigma estimated (running sample sd): asymptotically valid; unbounded before n={first}"
        )
        if np.any(scale == 0.0):
            notes.append("running sd was 0 at some n: those intervals have no width")
        sigma_ = None
        method = "normal mixture (estimated sigma)"
    else:
        sigma_ = _positive_float(sigma, "sigma", function)
        scale = np.full(x.size, sigma_)
        method = "normal mixture (known sigma)"
    radius = scale * np.sqrt((t + rho_) * np.log((t + rho_) / (rho_ * alpha**2))) / t
    with np.errstate(invalid="ignore"):
        low, high = mean - radius, mean + radius
    return ConfidenceSequence(
        n=np.arange(1, x.size + 1, dtype=np.int64),
        estimate=mean,
        low=low,
        high=high,
        confidence=conf,
        method=method,
        rho=rho_,
        tuned_for_n=tuned,
        sigma=sigma_,
        notes=tuple(notes),
    )


def _bernstein(
    x: _FloatArray,
    confidence: float,
    bounds: tuple[float, float],
    truncation: float,
    function: str,
) -> ConfidenceSequence:
    conf = check_confidence(confidence, function)
    c = _truncation(truncation, function)
    lo, hi = _check_bounds(bounds, function)
    _check_within(x, lo, hi, "values", function)
    span = hi - lo
    mean, low01, high01, _ = bernstein_step(
        x,
        BernsteinState(),
        lo=lo,
        span=span,
        log_term=math.log(2.0 / (1.0 - conf)),
        truncation=c,
    )
    notes: list[str] = []
    if np.any(low01 > high01):
        notes.append("the running intersection became empty: the observations contradict bounds")
    return ConfidenceSequence(
        n=np.arange(1, x.size + 1, dtype=np.int64),
        estimate=mean,
        low=lo + span * low01,
        high=lo + span * high01,
        confidence=conf,
        method="predictable plug-in empirical bernstein",
        truncation=c,
        bounds=(lo, hi),
        notes=tuple(notes),
    )


def _first(hit: npt.NDArray[np.bool_]) -> int | None:
    if not hit.any():
        return None
    return int(np.argmax(hit)) + 1


def _values(values: Any, name: str, function: str) -> _FloatArray:
    x = as_float_array(values, name, function)
    if x.size == 0:
        raise DataError(
            f"{function}: {name} is empty", expected="at least 1 observation", found="0"
        )
    return x


def _differences(baseline: Any, candidate: Any, function: str) -> _FloatArray:
    base = _values(baseline, "baseline", function)
    cand = _values(candidate, "candidate", function)
    if base.size != cand.size:
        raise DataError(
            f"{function}: baseline and candidate must be paired one-to-one",
            expected=f"{base.size} candidate values",
            found=str(cand.size),
        )
    return cand - base


def _positive_float(value: Any, parameter: str, function: str) -> float:
    return check_number(value, parameter, function, low=0.0, low_open=True)


def _truncation(value: Any, function: str) -> float:
    return check_probability(value, "truncation", function)


def _check_bounds(bounds: Any, function: str) -> tuple[float, float]:
    expected = "a pair (low, high) of finite floats with low < high"
    try:
        lo, hi = (float(v) for v in bounds)
    except (TypeError, ValueError) as exc:
        raise ParameterError("bounds", function, expected, bounds) from exc
    if not (math.isfinite(lo) and math.isfinite(hi) and lo < hi):
        raise ParameterError("bounds", function, expected, bounds)
    return lo, hi


def _check_within(x: _FloatArray, lo: float, hi: float, name: str, function: str) -> None:
    bad = (x < lo) | (x > hi)
    if bad.any():
        i = int(np.argmax(bad))
        raise DataError(
            f"{function}: {name}[{i}] is outside the bounds",
            row=i,
            expected=f"a value in [{lo:g}, {hi:g}]",
            found=str(x[i]),
        )
