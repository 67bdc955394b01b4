"""Calibrating a judge against human labels: agreement, and the human mean the judge implies.

A judge model scores every example cheaply; humans label a random subset. On the labelled
subset, :func:`calibrate_judge` measures how well judge and humans agree (Cohen's κ and
Krippendorff's α, each with an interval). It then estimates the mean human score three ways,
so the reader sees what trusting the judge would cost:

* judge only (naive): the mean judge score over every example. Precise, but it estimates the
  *judge's* mean; any bias of the judge goes straight into it.
* human labels only (classical): the mean of the labelled subset, unbiased but as wide as the
  few labels make it.
* PPI++ (judge-corrected): prediction-powered inference with power tuning
  (:func:`assay.stats.ppi_mean`): the judge's mean over the unlabelled examples, corrected by
  the human-minus-judge gap on the labelled ones. Unbiased whatever the judge's bias, and
  narrower than the labels alone when the judge tracks them.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal, TypeVar

import numpy as np
import numpy.typing as npt

from assay._util import check_int, check_number, check_probability, check_rng, warn_renamed
from assay.errors import DataError, ParameterError
from assay.stats import (
    AgreementResult,
    Estimate,
    binary_mean_interval,
    cohens_kappa,
    krippendorff_alpha,
    mean_interval,
    ppi_mean,
)

__all__ = ["JudgeCalibration", "calibrate_judge"]

_FUNCTION = "calibrate_judge"
_FEW_LABELS = 30
_BoolArray = npt.NDArray[np.bool_]
_FloatArray = npt.NDArray[np.float64]
_F = TypeVar("_F", bound=Callable[..., Any])


@dataclass(frozen=True)
class JudgeCalibration:
    """Judge–human agreement and the mean human score estimated with and without the judge."""

    kappa: AgreementResult
    """Cohen's κ between judge and human on the labelled subset (see :attr:`kappa_input`)."""
    kappa_input: str
    """What κ compared: the binary labels as they are, or scores binarised at a threshold."""
    krippendorff: AgreementResult
    """Krippendorff's α on the labelled subset: nominal for binary labels, interval otherwise."""
    judge_only: Estimate
    """Naive: the mean judge score over all examples (estimates the judge's mean, not the human's)."""
    human_only: Estimate
    """Classical: the mean human score of the labelled subset alone."""
    ppi: Estimate
    """PPI++: the mean human score from judge scores on all examples and the labelled subset."""
    lam: float
    """PPI++ power-tuning weight given to the judge (0 ignores it, 1 is classical PPI)."""
    n: int
    """Number of examples the judge scored."""
    n_labelled: int
    """Number of examples with a human label used for calibration."""
    effective_n: float
    """Human labels alone that would give the PPI++ standard error (``nan`` when undefined)."""
    labelled: _BoolArray = field(repr=False, compare=False)
    """Which examples were used as labelled (a boolean mask over the ``n`` examples)."""
    notes: tuple[str, ...] = ()
    """How the labelled subset was chosen, and caveats."""

    @property
    def n_unlabelled(self) -> int:
        """Examples with a judge score only."""
        return self.n - self.n_labelled

    @property
    def ess_gain(self) -> float:
        """Effective sample size gain: :attr:`effective_n` / :attr:`n_labelled`."""
        return self.effective_n / self.n_labelled if self.n_labelled else math.nan

    def methods(self) -> dict[str, str]:
        """The method behind every number, by name."""
        return {
            "kappa": f"{self.kappa.estimate.method} ({self.kappa_input})",
            "krippendorff": f"{self.krippendorff.metric} {self.krippendorff.estimate.method}, "
            f"{self.krippendorff.estimate.resamples} resamples",
            "judge_only": f"{self.judge_only.method}, over judge scores of all examples",
            "human_only": self.human_only.method,
            "ppi": f"{self.ppi.method}, lambda={self.lam:.3g} (tuned)",
            "effective_n": "n_labelled x (SE human only / SE ppi)^2",
        }

    def summary(self) -> str:
        """A plain-text report: agreement, the three estimates and the effective sample size."""
        conf = f"{self.ppi.confidence:.0%}"
        methods = self.methods()
        lines = [
            f"Judge calibration: {self.n} examples judged, {self.n_labelled} with human labels, "
            f"{self.n_unlabelled} judge-only; {conf} intervals",
            "agreement on the labelled subset:",
            f"  Cohen's kappa          {_fmt(self.kappa.estimate)}  {methods['kappa']}",
            f"  Krippendorff's alpha   {_fmt(self.krippendorff.estimate)}  "
            f"{methods['krippendorff']}",
            "mean human score:",
            f"  judge only (naive)     {_fmt(self.judge_only)}  {methods['judge_only']}",
            f"  human labels only      {_fmt(self.human_only)}  {methods['human_only']}",
            f"  PPI++ judge-corrected  {_fmt(self.ppi)}  {methods['ppi']}",
            f"effective sample size: {self.effective_n:.1f} human labels "
            f"({self.ess_gain:.2f}x the {self.n_labelled} labelled; {methods['effective_n']})",
        ]
        lines.extend(f"note: {note}" for note in self.notes)
        return "\n".join(lines)


def _scores_by_keyword(func: _F) -> _F:
    """Accept the scores by position in their old order (judge, then human), with a warning.

    The scores were positional with the judge first, the opposite of
    :func:`assay.stats.ppi_mean`; they are keyword-only now so the order cannot be mixed up.
    """

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if args:
            if len(args) > 2:
                raise TypeError(
                    f"{_FUNCTION}() takes at most 2 positional arguments ({len(args)} given)"
                )
            warn_renamed(
                f"Passing the scores to {_FUNCTION} by position",
                f"keywords: {_FUNCTION}(human_scores=..., judge_scores=...)",
            )
            for name, value in zip(("judge_scores", "human_scores"), args, strict=False):
                if name in kwargs:
                    raise TypeError(f"{_FUNCTION}() got multiple values for argument {name!r}")
                kwargs[name] = value
        return func(**kwargs)

    return wrapper  # type: ignore[return-value]


@_scores_by_keyword
def calibrate_judge(
    *,
    human_scores: Any,
    judge_scores: Any,
    labelled: Any = None,
    rng: np.random.Generator | int = 0,
    alpha: float = 0.05,
    threshold: float = 0.5,
    resamples: int = 2000,
) -> JudgeCalibration:
    """Agreement of a judge with human labels, and the mean human score corrected by PPI++.

    Use it when a judge model scored every example and humans labelled a uniformly random
    subset: it says how far the judge can be trusted, and estimates the mean human score with
    an interval that stays valid however biased the judge is. Both score arrays are passed by
    keyword, human first as in :func:`assay.stats.ppi_mean`; passing them by position (in the
    old order, judge first) still works but warns.

    Args:
        human_scores: the human score of each of ``n`` examples, NaN where there is none.
        judge_scores: the judge's score of each example (finite numbers).
        labelled: which human scores to use. ``None``: every example with a human score (the
            others are unlabelled). A boolean mask of length ``n``: those examples (their
            human scores must exist); the others count as unlabelled even when a human score
            is known, which is how a known ground truth is held out. An integer ``k``: a
            uniformly random draw (by ``rng``) of ``k`` of the examples that have a human score.
        rng: a numpy Generator or an integer seed (default 0): draws the labelled subset when
            ``labelled`` is an integer, and drives Krippendorff's α bootstrap.
        alpha: 1 − the confidence level of every interval.
        threshold: where scores that are not 0/1 are cut for Cohen's κ (a score ≥ threshold
            is 1). When judge and human scores are both 0/1, κ uses them as they are.
        resamples: bootstrap resamples for Krippendorff's α.

    Methods: κ with the Fleiss–Cohen–Everitt large-sample interval; α nominal when both
    raters give 0/1 labels and interval (squared difference) otherwise, BCa bootstrap over
    units; the judge-only mean with a t interval over all ``n`` judge scores; the human-only
    mean over the labelled subset (Wilson for few or extreme 0/1 labels, else normal); PPI++ with power-tuned λ and a
    normal interval (:func:`assay.stats.ppi_mean`). PPI++ assumes the labelled examples are
    a uniformly random subset and the examples independent.

    Raises:
        DataError: lengths differ, a judge score is not finite, a labelled example has no
            human score, or fewer than 2 labelled or 2 unlabelled examples remain.
        ParameterError: bad ``labelled``, ``rng``, ``alpha``, ``threshold`` or ``resamples``.
    """
    alpha = check_probability(alpha, "alpha", _FUNCTION)
    threshold = check_number(threshold, "threshold", _FUNCTION)
    resamples = check_int(resamples, "resamples", _FUNCTION)
    gen, _ = check_rng(rng, _FUNCTION)
    judge, human = _scores(judge_scores, human_scores)
    mask, how = _labelled_mask(labelled, human, gen)
    n_lab, n_unlab = int(mask.sum()), int((~mask).sum())
    for count, what in ((n_lab, "labelled"), (n_unlab, "unlabelled")):
        if count < 2:
            raise DataError(
                f"{_FUNCTION}: PPI++ needs 2 or more {what} examples",
                expected=f">= 2 {what} examples",
                found=str(count),
            )
    confidence = 1.0 - float(alpha)
    y, f, fu = human[mask], judge[mask], judge[~mask]
    binary = _is_binary(y) and _is_binary(f)
    if binary:
        kappa_input = "binary labels as they are"
        kappa = cohens_kappa(f, y, confidence=confidence)
    else:
        kappa_input = f"scores binarised: a score >= {threshold:g} is 1"
        cut = float(threshold)
        kappa = cohens_kappa(
            (f >= cut).astype(np.int64),
            (y >= cut).astype(np.int64),
            confidence=confidence,
            categories=[0, 1],
        )
    level: Literal["nominal", "interval"] = "nominal" if binary else "interval"
    krippendorff = krippendorff_alpha(
        np.column_stack([f, y]),
        level=level,
        confidence=confidence,
        resamples=resamples,
        rng=gen,
    )
    judge_only = mean_interval(judge, confidence=confidence)
    result = ppi_mean(y, f, fu, confidence=confidence, lam="auto")
    human_only, notes = result.human_only, [how, *result.notes]
    if _is_binary(y):
        # 0/1 labels: a normal interval on few labels is too narrow (zero width when they
        # agree); the binary rule picks Wilson for small or extreme samples
        human_only = binary_mean_interval(y, confidence=confidence)
    if n_lab < _FEW_LABELS:
        notes.append(
            f"only {n_lab} labelled examples: the normal PPI++ interval may undercover; "
            "compare it with the human-only interval"
        )
    return JudgeCalibration(
        kappa=kappa,
        kappa_input=kappa_input,
        krippendorff=krippendorff,
        judge_only=judge_only,
        human_only=human_only,
        ppi=result.estimate,
        lam=result.lam,
        n=judge.size,
        n_labelled=n_lab,
        effective_n=result.effective_n,
        labelled=mask,
        notes=tuple(notes),
    )


def _fmt(est: Estimate) -> str:
    return f"{est.estimate:7.4f} [{est.low:7.4f}, {est.high:7.4f}]"


def _is_binary(values: _FloatArray) -> bool:
    return bool(np.all((values == 0.0) | (values == 1.0)))


def _vector(values: Any, name: str) -> _FloatArray:
    try:
        arr = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise DataError(
            f"{_FUNCTION}: {name} must be numbers", expected="numbers", found=str(exc)
        ) from exc
    if arr.ndim != 1:
        raise DataError(
            f"{_FUNCTION}: {name} must be one score per example",
            expected="a 1-D array",
            found=f"shape {arr.shape}",
        )
    return arr


def _scores(judge_scores: Any, human_scores: Any) -> tuple[_FloatArray, _FloatArray]:
    judge = _vector(judge_scores, "judge_scores")
    human = _vector(human_scores, "human_scores")
    if judge.size != human.size:
        raise DataError(
            f"{_FUNCTION}: judge and human scores must be of the same examples",
            expected=f"{judge.size} human scores (NaN where unlabelled)",
            found=str(human.size),
        )
    bad = np.flatnonzero(~np.isfinite(judge))
    if bad.size:
        raise DataError(
            f"{_FUNCTION}: every example needs a finite judge score",
            row=int(bad[0]),
            column="judge_scores",
            expected="a finite number",
            found=str(judge[bad[0]]),
        )
    inf = np.flatnonzero(np.isinf(human))
    if inf.size:
        raise DataError(
            f"{_FUNCTION}: a human score is infinite",
            row=int(inf[0]),
            column="human_scores",
            expected="a finite number or NaN (unlabelled)",
            found=str(human[inf[0]]),
        )
    return judge, human


def _labelled_mask(
    labelled: Any, human: _FloatArray, gen: np.random.Generator
) -> tuple[_BoolArray, str]:
    known = ~np.isnan(human)
    if labelled is None:
        return known, "labelled subset: every example with a human score"
    if isinstance(labelled, int | np.integer) and not isinstance(labelled, bool):
        k, pool = int(labelled), np.flatnonzero(known)
        if not 2 <= k <= pool.size:
            raise ParameterError(
                "labelled", _FUNCTION, f"an integer in [2, {pool.size}] (examples with a label)", k
            )
        mask = np.zeros(human.size, dtype=bool)
        mask[gen.choice(pool, size=k, replace=False)] = True
        return mask, f"labelled subset: {k} drawn uniformly at random from {pool.size} labelled"
    mask = np.asarray(labelled)
    if mask.dtype != np.bool_ or mask.shape != human.shape:
        raise ParameterError(
            "labelled",
            _FUNCTION,
            f"None, an integer or a boolean mask of length {human.size}",
            f"array of {mask.dtype} with shape {mask.shape}",
        )
    missing = np.flatnonzero(mask & ~known)
    if missing.size:
        raise DataError(
            f"{_FUNCTION}: a labelled example has no human score",
            row=int(missing[0]),
            column="human_scores",
            expected="a human score where labelled is True",
            found="NaN",
        )
    return mask.copy(), "labelled subset: the mask given (assumed a uniformly random subset)"
