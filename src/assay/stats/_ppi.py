"""Prediction-powered inference: means estimated from judge scores, corrected by human labels.

A model-graded ("judge") score is cheap and available for every example; a human label is
expensive and available for a few. Prediction-powered inference (Angelopoulos, Bates, Fannjiang,
Jordan & Zrnic 2023, *Science* 382) estimates the mean human label as the judge's mean on all
unlabelled examples plus a *rectifier*, the mean human-minus-judge gap on the labelled ones, so
a biased judge cannot bias the estimate. PPI++ (Angelopoulos, Duchi & Zrnic 2023,
arXiv:2311.01453) scales the judge by a power-tuning weight λ:

    θ̂_λ = λ · mean(f(unlabelled)) + mean(Y − λ · f(labelled))

which is unbiased for every fixed λ; λ = 1 is classical PPI and λ = 0 ignores the judge. The
variance-minimising weight, estimated from the data and clipped to [0, 1], is

    λ̂ = Cov(Y, f) / ((1 + n/N) · Var(f)),

so an uninformative judge costs (almost) nothing and an informative one shrinks the interval.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from assay.errors import DataError, ParameterError
from assay.stats._checks import as_float_array, check_confidence
from assay.stats._results import Estimate, PairedResult, TestResult
from assay.stats._scipy import special

__all__ = ["PPIPairedResult", "PPIResult", "ppi_mean", "ppi_paired_difference"]

Lambda = float | Literal["auto"] | None

ONE_UNIT = (
    "fewer than 2 labelled or unlabelled examples: the variance is unknown, interval unbounded"
)

_FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class PPIResult:
    """A mean of human labels estimated by prediction-powered inference, with its tuning."""

    estimate: Estimate
    """The PPI (or PPI++) estimate and its normal-theory interval."""
    human_only: Estimate
    """The classical estimate from the human labels alone (normal interval), for comparison."""
    lam: float
    """The weight λ given to the judge: 1 is classical PPI, 0 ignores the judge."""
    lam_tuned: bool
    """Whether λ was estimated from the data (PPI++ power tuning) rather than fixed."""
    n_labelled: int
    """Number of examples with both a human label and a judge score."""
    n_unlabelled: int
    """Number of examples with a judge score only."""
    notes: tuple[str, ...] = field(default_factory=tuple)
    """Caveats (constant judge, zero variance, ...)."""

    @property
    def effective_n(self) -> float:
        """The number of human labels alone that would give the same standard error.

        ``n_labelled · Var(human-only) / Var(PPI)``; ``nan`` when either variance is zero.
        """
        se_h, se_p = self.human_only.se, self.estimate.se
        if se_h is None or se_p is None or se_h == 0.0 or se_p == 0.0:
            return math.nan
        return self.n_labelled * (se_h / se_p) ** 2


@dataclass(frozen=True)
class PPIPairedResult:
    """Candidate minus baseline mean human score, each estimated by PPI++ from judge scores."""

    baseline: PPIResult
    """The baseline's own PPI estimate."""
    candidate: PPIResult
    """The candidate's own PPI estimate."""
    difference: PPIResult
    """Candidate minus baseline: PPI++ applied to the per-example differences."""
    test: TestResult
    """Two-sided z-test of no difference, from the difference's PPI estimate."""

    @property
    def p_value(self) -> float:
        """The test's p-value."""
        return self.test.p_value

    @property
    def significant(self) -> bool:
        """Whether the difference's interval excludes zero."""
        return self.to_paired_result().significant

    def to_paired_result(self) -> PairedResult:
        """The same numbers as the shared :class:`PairedResult` type (λ is in the notes)."""
        return PairedResult(
            baseline=self.baseline.estimate,
            candidate=self.candidate.estimate,
            difference=self.difference.estimate,
            test=self.test,
        )


def ppi_mean(
    human_labels: Any,
    judge_on_labelled: Any,
    judge_on_unlabelled: Any,
    *,
    confidence: float = 0.95,
    lam: Lambda = "auto",
) -> PPIResult:
    """Estimate the mean human label from judge scores and a human-labelled subset (PPI / PPI++).

    Use it when a judge model scores every example and humans label a random subset: the
    estimate stays centred on the mean human label however biased the judge is (exactly
    unbiased for a fixed λ), and it is more precise than the human labels alone when the judge
    tracks them.

    Args:
        human_labels: ``n`` human labels (numbers, e.g. 0/1 or a rating).
        judge_on_labelled: the judge's scores on the same ``n`` examples, in the same order.
        judge_on_unlabelled: the judge's scores on ``N`` further examples without human labels.
        confidence: confidence level of the interval.
        lam: ``"auto"`` (PPI++: λ̂ = Cov(Y, f) / ((1 + n/N) Var(f)) with the covariance from the
            labelled pairs and Var(f) from all judge scores, clipped to [0, 1]); a float in
            [0, 1] to fix λ; ``None`` for classical PPI (λ = 1).

    Assumes the labelled examples are a uniformly random subset of all examples (so labelled and
    unlabelled examples come from one distribution) and that examples are independent. The
    interval is normal-theory, θ̂ ± z·SE with SE² = λ²·Var(f_unlabelled)/N +
    Var(Y − λ·f_labelled)/n (sample variances, ddof = 1); it needs n and N large enough for the
    central limit theorem. The estimated λ makes the interval asymptotically, not exactly,
    valid. With a single labelled or unlabelled example the variance cannot be estimated: the
    interval is unbounded (with a note) and an ``"auto"`` λ falls back to 1.

    Raises:
        DataError: no labelled or no unlabelled examples, lengths that differ, or a value that
            is not a finite number (the message names its index).
        ParameterError: ``confidence`` outside (0, 1) or ``lam`` not "auto", None or in [0, 1].
    """
    function = "ppi_mean"
    conf = check_confidence(confidence, function)
    y, f, fu = _check_inputs(human_labels, judge_on_labelled, judge_on_unlabelled, function)
    return _ppi(y, f, fu, conf, _check_lam(lam, function))


def ppi_paired_difference(
    human_baseline: Any,
    human_candidate: Any,
    judge_baseline_labelled: Any,
    judge_candidate_labelled: Any,
    judge_baseline_unlabelled: Any,
    judge_candidate_unlabelled: Any,
    *,
    confidence: float = 0.95,
    lam: Lambda = "auto",
) -> PPIPairedResult:
    """Candidate minus baseline mean human score, from judge scores and a human-labelled subset.

    Use it to compare two models when a judge scores both models' outputs on every example and
    humans score both outputs on a random subset. The per-example difference of two scores is
    itself a score, so the difference is PPI++ applied to ``human_candidate − human_baseline``
    with the judge's per-example difference as the prediction; its λ is tuned for the
    difference (Cov(ΔY, Δf) / ((1 + n/N) Var(Δf))), not taken from either model. The pairing
    cancels what the two models share, which is why this is narrower than two separate
    estimates.

    Args:
        human_baseline, human_candidate: human scores of each model's output on the ``n``
            labelled examples (same order).
        judge_baseline_labelled, judge_candidate_labelled: the judge's scores of each model's
            output on the same ``n`` examples.
        judge_baseline_unlabelled, judge_candidate_unlabelled: the judge's scores on ``N``
            further examples without human labels.
        confidence: confidence level of the intervals.
        lam: as in :func:`ppi_mean`, applied to each of the three estimates.

    Assumes what :func:`ppi_mean` assumes. The test is the two-sided z-test of the difference's
    PPI estimate (p = 1 when the estimate and its standard error are both zero, as when a model
    is compared with itself).

    Raises:
        DataError, ParameterError: as :func:`ppi_mean`.
    """
    function = "ppi_paired_difference"
    conf = check_confidence(confidence, function)
    lam_ = _check_lam(lam, function)
    yb, fb, fbu = _check_inputs(
        human_baseline,
        judge_baseline_labelled,
        judge_baseline_unlabelled,
        function,
        ("human_baseline", "judge_baseline_labelled", "judge_baseline_unlabelled"),
    )
    yc, fc, fcu = _check_inputs(
        human_candidate,
        judge_candidate_labelled,
        judge_candidate_unlabelled,
        function,
        ("human_candidate", "judge_candidate_labelled", "judge_candidate_unlabelled"),
    )
    if yc.size != yb.size or fcu.size != fbu.size:
        raise DataError(
            f"{function}: the candidate's arrays must pair one-to-one with the baseline's",
            expected=f"{yb.size} labelled and {fbu.size} unlabelled scores",
            found=f"{yc.size} labelled and {fcu.size} unlabelled",
        )
    baseline = _ppi(yb, fb, fbu, conf, lam_)
    candidate = _ppi(yc, fc, fcu, conf, lam_)
    diff = _ppi(yc - yb, fc - fb, fcu - fbu, conf, lam_)
    est = diff.estimate
    se = est.se if est.se is not None else math.inf
    if math.isinf(se):
        z, p = 0.0, 1.0
    elif se > 0.0:
        z = est.estimate / se
        p = float(2.0 * special.ndtr(-abs(z)))
    else:
        # Zero standard error: the difference is known exactly; only a zero difference is null.
        z = 0.0 if est.estimate == 0.0 else math.copysign(math.inf, est.estimate)
        p = 1.0 if est.estimate == 0.0 else 0.0
    test = TestResult(
        statistic=float(z),
        p_value=p,
        method=f"{est.method} z-test",
        n=est.n,
        notes=diff.notes,
    )
    return PPIPairedResult(baseline=baseline, candidate=candidate, difference=diff, test=test)


def _check_lam(lam: Any, function: str) -> float | None:
    """Return a fixed λ, or None for power tuning."""
    expected = "'auto', None or a float in [0, 1]"
    if isinstance(lam, str):
        if lam == "auto":
            return None
        raise ParameterError("lam", function, expected, lam)
    if lam is None:
        return 1.0
    if isinstance(lam, bool) or not isinstance(lam, (int, float, np.integer, np.floating)):
        raise ParameterError("lam", function, expected, lam)
    value = float(lam)
    if not 0.0 <= value <= 1.0:
        raise ParameterError("lam", function, expected, lam)
    return value


def _check_inputs(
    human: Any,
    judge_l: Any,
    judge_u: Any,
    function: str,
    names: tuple[str, str, str] = ("human_labels", "judge_on_labelled", "judge_on_unlabelled"),
) -> tuple[_FloatArray, _FloatArray, _FloatArray]:
    y = as_float_array(human, names[0], function)
    f = as_float_array(judge_l, names[1], function)
    fu = as_float_array(judge_u, names[2], function)
    if y.size != f.size:
        raise DataError(
            f"{function}: each human label needs the judge's score of the same example",
            expected=f"{y.size} judge scores on the labelled examples",
            found=str(f.size),
        )
    for size, what in ((y.size, "labelled"), (fu.size, "unlabelled")):
        if size == 0:
            raise DataError(
                f"{function}: there are no {what} examples",
                expected=f"1 or more {what} examples",
                found="0",
            )
    return y, f, fu


def _ppi(
    y: _FloatArray, f: _FloatArray, fu: _FloatArray, conf: float, lam: float | None
) -> PPIResult:
    n, big_n = y.size, fu.size
    z = float(special.ndtri(0.5 + conf / 2.0))
    notes: list[str] = []
    tuned = lam is None
    too_few = n < 2 or big_n < 2
    if too_few:
        notes.append(ONE_UNIT)
    if lam is None:
        var_f = float(np.var(np.concatenate([f, fu]), ddof=1))
        if too_few:
            lam = 1.0  # nothing to tune from: classical PPI
        elif var_f > 0.0:
            cov_yf = float(np.cov(y, f, ddof=1)[0, 1])
            raw = cov_yf / ((1.0 + n / big_n) * var_f)
            lam = min(max(raw, 0.0), 1.0)
        else:
            lam = 0.0
            notes.append("judge scores are constant: lambda = 0 (human labels only)")
    rectifier = y - lam * f
    theta = lam * float(fu.mean()) + float(rectifier.mean())
    if too_few:
        se = math.inf
    else:
        var = lam**2 * float(fu.var(ddof=1)) / big_n + float(rectifier.var(ddof=1)) / n
        se = math.sqrt(max(var, 0.0))
        if se == 0.0:
            notes.append("zero variance: the interval has no width")
    if tuned:
        method = "ppi++ normal"
    elif lam == 1.0:
        method = "ppi normal"
    else:
        method = "ppi normal, fixed lambda"
    estimate = _normal_estimate(
        theta, se, z, conf, method, n + big_n, (f"lambda={lam:.4g}", *notes)
    )
    se_h = float(y.std(ddof=1)) / math.sqrt(n) if n >= 2 else math.inf
    human_notes = (ONE_UNIT,) if n < 2 else ()
    human_only = _normal_estimate(
        float(y.mean()), se_h, z, conf, "normal, human labels only", n, human_notes
    )
    return PPIResult(
        estimate=estimate,
        human_only=human_only,
        lam=lam,
        lam_tuned=tuned,
        n_labelled=n,
        n_unlabelled=big_n,
        notes=tuple(notes),
    )


def _normal_estimate(
    theta: float, se: float, z: float, conf: float, method: str, n: int, notes: tuple[str, ...]
) -> Estimate:
    half = z * se if se > 0.0 else 0.0
    return Estimate(
        estimate=theta,
        low=theta - half,
        high=theta + half,
        confidence=conf,
        method=method,
        n=n,
        se=None if math.isinf(se) else se,
        notes=notes,
    )
