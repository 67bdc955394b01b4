"""Confidence-based performance estimation (CBPE): a classifier's accuracy without labels.

With calibrated scores, P(prediction correct | score) is the predicted class's probability, so
the expected accuracy of a window is the mean of those probabilities (NannyML's CBPE, for
accuracy). It rests on assumptions that are stated with every estimate (:data:`ASSUMPTIONS`),
and calibration is never taken on trust: a labelled hold-out measures, per score bin, how far
the observed accuracy may be from the scores (a Wilson interval per bin, Bonferroni across
bins), and that error, weighted by the window's own score distribution, widens the interval.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
from pydantic import BaseModel, ConfigDict
from scipy import stats as sps

from assay.errors import DataError

__all__ = [
    "ASSUMPTIONS",
    "CalibrationProfile",
    "CbpeEstimate",
    "calibration_error",
    "calibration_profile",
    "cbpe_accuracy",
    "expected_correctness",
]

ASSUMPTIONS = (
    "scores are calibrated: P(prediction correct | score) equals the predicted class's "
    "probability, up to the calibration error measured on the labelled hold-out",
    "no concept drift: P(label | features) is the same in the window as in the hold-out "
    "(covariate shift is allowed, a change in what a score means is not)",
    "the prediction is the most probable class (threshold 0.5 for a binary score)",
    "examples are independent",
)
"""What a CBPE estimate assumes; printed with every estimate."""

_FloatArray = npt.NDArray[np.float64]


def expected_correctness(probabilities: Any) -> _FloatArray:
    """P(correct) of each prediction: max(p, 1 − p) for a binary score p (probability of the
    positive class), the largest probability of each row for a matrix of class probabilities."""
    p = np.asarray(probabilities, dtype=np.float64)
    if p.size == 0:
        raise DataError("cbpe: no predictions", expected="at least 1 probability", found="0")
    if not np.all(np.isfinite(p)) or np.any((p < 0) | (p > 1)):
        i = int(np.argmax(~np.isfinite(p).ravel() | (p.ravel() < 0) | (p.ravel() > 1)))
        raise DataError("cbpe: a probability is outside [0, 1]", row=i, found=str(p.ravel()[i]))
    if p.ndim == 1:
        return np.maximum(p, 1.0 - p)
    if p.ndim == 2:
        return np.asarray(p.max(axis=1), dtype=np.float64)
    raise DataError("cbpe: probabilities", expected="a vector or a matrix", found=f"{p.ndim}-d")


class CalibrationProfile(BaseModel):
    """How far a model's scores are from calibrated, per bin of P(correct), from a hold-out."""

    model_config = ConfigDict(frozen=True, extra="forbid", use_attribute_docstrings=True)

    edges: tuple[float, ...]
    """Bin edges over expected correctness, from 0.5 (binary) or 0 to 1."""
    counts: tuple[int, ...]
    """Hold-out predictions per bin."""
    deviation: tuple[float, ...]
    """Per bin, the largest |observed accuracy − mean score| over the bin's Wilson interval
    (1 for a bin with no hold-out data: nothing is known there)."""
    confidence: float
    """Joint confidence of the per-bin intervals (Bonferroni across bins)."""

    def bin_of(self, correctness: _FloatArray) -> npt.NDArray[np.int64]:
        """The bin of each expected correctness."""
        inner = np.asarray(self.edges[1:-1], dtype=np.float64)
        return np.searchsorted(inner, correctness, side="right").astype(np.int64)

    def term(self, bin_counts: Any) -> float:
        """The calibration error added to an interval: the bins' deviations weighted by the
        window's share of predictions in each bin."""
        c = np.asarray(bin_counts, dtype=np.float64)
        total = c.sum()
        return 0.0 if total == 0 else float(np.dot(c / total, self.deviation))


def _wilson(k: int, n: int, z: float) -> tuple[float, float]:
    phat = k / n
    centre = (phat + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(phat * (1 - phat) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return centre - half, centre + half


def calibration_profile(
    probabilities: Any, labels: Any, *, bins: int = 10, confidence: float = 0.95
) -> CalibrationProfile:
    """Measure calibration on a labelled hold-out: per bin of expected correctness, the Wilson
    interval of the observed accuracy (at ``1 − (1 − confidence)/bins`` each) and its largest
    distance from the bin's mean score."""
    p = np.asarray(probabilities, dtype=np.float64)
    y = np.asarray(labels)
    c = expected_correctness(p)
    predicted = (p >= 0.5).astype(np.int64) if p.ndim == 1 else p.argmax(axis=1)
    if y.shape[0] != c.shape[0]:
        raise DataError(
            "cbpe hold-out: labels", expected=f"{c.shape[0]} labels", found=str(y.shape[0])
        )
    correct = predicted == y.astype(np.int64)
    low = 0.5 if p.ndim == 1 else 0.0
    edges = tuple(float(e) for e in np.linspace(low, 1.0, bins + 1))
    z = float(sps.norm.ppf(1 - (1 - confidence) / bins / 2))
    profile = CalibrationProfile(
        edges=edges, counts=(0,) * bins, deviation=(1.0,) * bins, confidence=confidence
    )
    which = profile.bin_of(c)
    counts, deviation = [], []
    for b in range(bins):
        mask = which == b
        n = int(mask.sum())
        counts.append(n)
        if n == 0:
            deviation.append(1.0)
            continue
        lo, hi = _wilson(int(correct[mask].sum()), n, z)
        mean = float(c[mask].mean())
        deviation.append(max(abs(lo - mean), abs(hi - mean)))
    return profile.model_copy(update={"counts": tuple(counts), "deviation": tuple(deviation)})


def calibration_error(probabilities: Any, labels: Any, *, bins: int = 10) -> float:
    """Expected calibration error of P(correct) on labelled data (equal-width bins, weighted
    by bin size): Σ_b n_b/n · |accuracy_b − mean score_b|."""
    p = np.asarray(probabilities, dtype=np.float64)
    c = expected_correctness(p)
    predicted = (p >= 0.5).astype(np.int64) if p.ndim == 1 else p.argmax(axis=1)
    correct = (predicted == np.asarray(labels).astype(np.int64)).astype(np.float64)
    low = 0.5 if p.ndim == 1 else 0.0
    which = np.clip(((c - low) / (1 - low) * bins).astype(np.int64), 0, bins - 1)
    total = 0.0
    for b in range(bins):
        m = which == b
        if m.any():
            total += m.sum() / c.size * abs(correct[m].mean() - c[m].mean())
    return float(total)


@dataclass(frozen=True)
class CbpeEstimate:
    """The expected accuracy of one window, with its interval and what it assumes."""

    estimate: float
    """Mean P(correct) over the window's predictions."""
    low: float
    """Lower bound: estimate − z·sd − calibration term (clipped to [0, 1])."""
    high: float
    """Upper bound."""
    sampling_sd: float
    """sd of the window's realised accuracy given calibrated scores: sqrt(Σ c(1 − c)) / n."""
    calibration_term: float
    """The hold-out's calibration error weighted by this window's scores (0 without one)."""
    n: int
    """Predictions in the window."""
    confidence: float
    """Confidence of the sampling part of the interval."""
    assumptions: tuple[str, ...] = ASSUMPTIONS
    """What the estimate assumes."""
    method: str = "CBPE (expected accuracy from calibrated probabilities)"
    """How it was computed."""


def cbpe_accuracy(
    probabilities: Any,
    *,
    calibration: CalibrationProfile | None = None,
    confidence: float = 0.95,
) -> CbpeEstimate:
    """Expected accuracy of a window from its predicted probabilities (no labels).

    The interval covers the window's realised accuracy: the sampling part is the normal
    approximation of the Poisson-binomial number of correct predictions; the calibration part
    (from ``calibration``, measured on a labelled hold-out) is added to both sides. Without a
    hold-out the interval assumes perfect calibration, and says so in ``assumptions``.
    """
    c = expected_correctness(probabilities)
    n = int(c.size)
    estimate = float(c.mean())
    sd = float(math.sqrt(float(np.sum(c * (1 - c))))) / n
    z = float(sps.norm.ppf(0.5 + confidence / 2))
    term = 0.0
    assumptions: tuple[str, ...] = ASSUMPTIONS
    if calibration is None:
        assumptions += ("no hold-out given: calibration is assumed perfect (error term 0)",)
    else:
        counts = np.bincount(calibration.bin_of(c), minlength=len(calibration.counts))
        term = calibration.term(counts)
    return CbpeEstimate(
        estimate=estimate,
        low=max(0.0, estimate - z * sd - term),
        high=min(1.0, estimate + z * sd + term),
        sampling_sd=sd,
        calibration_term=term,
        n=n,
        confidence=confidence,
        assumptions=assumptions,
    )
