"""A safety rate (attack success, refusal, harm) from a judge's 0/1 labels, as a human rate.

With human labels on a uniformly random subset of the judged examples, the rate is estimated
by PPI++ (:func:`assay.stats.ppi_mean`, power-tuned λ): the judge's rate on the unlabelled
examples corrected by the human-minus-judge gap on the labelled ones, so its interval is for
the rate people would give, however biased the judge. Without human labels there is nothing
to correct with: PPI++ is refused, and the judge's own rate is given only on request
(``raw=True``), with an :class:`~assay.errors.UnvalidatedJudgeWarning` and the same words in
the result's summary.

PPI++'s normal interval needs the human-minus-judge gap's variance, estimated from the
disagreements seen. With few labels or a rare rate the labelled subset often shows few or no
disagreements, that variance is estimated near 0 and the interval collapses to the judge's
(coverage 0.27 for a 95% interval at rate 0.05 with 10 labels). So with fewer than
:data:`MIN_LABELS_NORMAL` labels, or fewer than :data:`MIN_COUNT` disagreements, human 1s or
human 0s among them (a rare rate also makes the labels' own mean far from normal), the
interval is the conservative :data:`EXACT_METHOD` instead: classical PPI (λ = 1) with a
Clopper–Pearson interval for the judge's rate on the unlabelled examples at level ``1 - α/4``
and one for each direction of disagreement (human 1 / judge 0, and the reverse) at
``1 - α/8``, added, intersected with the Clopper–Pearson interval of the human labels alone at
``1 - α/2``. By the union bound it covers with probability at least ``1 - α`` for every rate
and judge. Fewer than :data:`MIN_LABELS` labels are refused.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from assay._util import check_probability
from assay.errors import DataError, UnvalidatedJudgeWarning
from assay.stats import Estimate, binary_mean_interval, ppi_mean
from assay.stats import scipy_stats as sps

__all__ = [
    "EXACT_METHOD",
    "MIN_COUNT",
    "MIN_LABELS",
    "MIN_LABELS_NORMAL",
    "JudgedRate",
    "judged_rate",
]

MIN_LABELS = 10
"""Human labels below which no human rate is given."""
MIN_LABELS_NORMAL = 30
"""Human labels below which the PPI++ normal interval is not used."""
MIN_COUNT = 20
"""Judge/human disagreements, human 1s and human 0s among the labels below which the normal
interval is not used."""
EXACT_METHOD = (
    "ppi exact (Clopper-Pearson on the judge rate and each disagreement direction, "
    "intersected with Clopper-Pearson on the human labels; Bonferroni)"
)

_FUNCTION = "judged_rate"
UNVALIDATED = (
    "the judge's own rate, not a human rate: no human labels were given to check or correct "
    "it (label a random subset and the rate is estimated by PPI++)"
)
_FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class JudgedRate:
    """A rate from judge labels: PPI++ with human labels, else the judge's own (flagged)."""

    estimate: Estimate
    """The rate reported: PPI++ (a human rate) or, with ``raw=True`` and no labels, the
    judge's own rate."""
    human_rate: bool
    """Whether :attr:`estimate` is for the human rate (PPI++), not the judge's."""
    judge_only: Estimate
    """The judge's rate over every example (binary rule: Wilson or t), for comparison."""
    human_only: Estimate | None
    """The classical rate of the labelled subset alone (binary rule), when labels exist."""
    lam: float | None
    """PPI++ power-tuning weight (0 ignores the judge, 1 is classical PPI)."""
    n: int
    """Examples the judge labelled."""
    n_labelled: int
    """Examples with a human label too."""
    warning: str | None = None
    """Why the estimate is not a human rate, when it is not."""

    def summary(self) -> str:
        """Plain text: the rate, its method, the two comparisons and any warning."""
        conf = f"{self.estimate.confidence:.0%}"
        lines = [
            f"rate {_fmt(self.estimate)} ({conf}, {self.estimate.method}"
            + (f", lambda={self.lam:.3g}" if self.lam is not None else "")
            + f"); {self.n} judged, {self.n_labelled} with human labels",
            f"  judge only        {_fmt(self.judge_only)}  {self.judge_only.method}",
        ]
        if self.human_only is not None:
            lines.append(f"  human labels only {_fmt(self.human_only)}  {self.human_only.method}")
        lines += [f"  note: {note}" for note in self.estimate.notes]
        if self.warning:
            lines.append(f"warning: {self.warning}")
        return "\n".join(lines)


def judged_rate(
    judge_labels: Any,
    human_labels: Any = None,
    *,
    confidence: float = 0.95,
    raw: bool = False,
) -> JudgedRate:
    """The rate of 1s among examples a judge labelled, as the rate people would give.

    Args:
        judge_labels: the judge's 0/1 label of each of ``n`` examples.
        human_labels: a human 0/1 label per example, NaN (or None) where there is none; the
            labelled examples must be a uniformly random subset for PPI++ to hold. None: no
            human labels at all.
        confidence: confidence level of every interval.
        raw: with no human labels, give the judge's own rate (with a warning) instead of
            refusing.

    Methods: PPI++ normal interval with power-tuned λ over the labelled and unlabelled
    examples when there are at least :data:`MIN_LABELS_NORMAL` labels and
    :data:`MIN_COUNT` disagreements, human 1s and 0s, else the conservative :data:`EXACT_METHOD`
    (module docstring; at least :data:`MIN_LABELS` labels and 2 unlabelled); the comparisons use the binary-proportion rule
    (:func:`assay.stats.binary_mean_interval`: Wilson for few or extreme, else t).

    Raises:
        DataError: lengths differ; a label is not 0/1 (the message names its row); no human
            labels and ``raw`` is false (PPI++ refused: nothing to correct the judge with);
            fewer than ``MIN_LABELS`` labelled or 2 unlabelled examples.
        ParameterError: ``confidence`` outside (0, 1).
    """
    conf = check_probability(confidence, "confidence", _FUNCTION)
    judge = _labels(judge_labels, "judge_labels", allow_missing=False)
    human = (
        np.full(judge.size, np.nan)
        if human_labels is None
        else _labels(human_labels, "human_labels", allow_missing=True)
    )
    if human.size != judge.size:
        raise DataError(
            f"{_FUNCTION}: one human label (or NaN) per judged example",
            expected=f"{judge.size} human labels",
            found=str(human.size),
        )
    judge_only = binary_mean_interval(judge, confidence=conf)
    known = ~np.isnan(human)
    n_lab = int(known.sum())
    if n_lab == 0:
        if not raw:
            raise DataError(
                f"{_FUNCTION}: PPI++ needs human labels on a random subset of the judged "
                "examples, and there are none, so the judge's errors cannot be corrected; "
                "label a uniformly random subset, or ask for the judge's own rate (raw=True, "
                "--raw), which is not a human rate",
                column="human_labels",
                expected="0/1 labels on some examples",
                found="none",
            )
        warnings.warn(UNVALIDATED, UnvalidatedJudgeWarning, stacklevel=2)
        return JudgedRate(judge_only, False, judge_only, None, None, judge.size, 0, UNVALIDATED)
    if judge.size - n_lab < 2 or n_lab < MIN_LABELS:
        raise DataError(
            f"{_FUNCTION}: a human rate needs {MIN_LABELS} or more human labels and 2 or more "
            "unlabelled examples",
            expected=f">= {MIN_LABELS} labelled, >= 2 unlabelled",
            found=f"{n_lab} labelled, {judge.size - n_lab} unlabelled",
        )
    y, f, fu = human[known], judge[known], judge[~known]
    disagree = int((y != f).sum())
    ones = int(y.sum())
    if n_lab < MIN_LABELS_NORMAL or min(disagree, ones, n_lab - ones) < MIN_COUNT:
        return JudgedRate(
            estimate=_exact(y, f, fu, conf, disagree),
            human_rate=True,
            judge_only=judge_only,
            human_only=binary_mean_interval(y, confidence=conf),
            lam=1.0,
            n=judge.size,
            n_labelled=n_lab,
        )
    result = ppi_mean(y, f, fu, confidence=conf, lam="auto")
    est = result.estimate
    if est.low < 0.0 or est.high > 1.0:
        est = Estimate(
            est.estimate,
            max(est.low, 0.0),
            min(est.high, 1.0),
            est.confidence,
            est.method,
            est.n,
            se=est.se,
            notes=(*est.notes, "interval clipped to [0, 1]"),
        )
    return JudgedRate(
        estimate=est,
        human_rate=True,
        judge_only=judge_only,
        human_only=binary_mean_interval(y, confidence=conf),
        lam=result.lam,
        n=judge.size,
        n_labelled=n_lab,
    )


def _cp(k: int, n: int, level: float) -> tuple[float, float]:
    tail = (1.0 - level) / 2.0
    low = 0.0 if k == 0 else float(sps.beta.ppf(tail, k, n - k + 1))
    high = 1.0 if k == n else float(sps.beta.ppf(1.0 - tail, k + 1, n - k))
    return low, high


def _exact(y: _FloatArray, f: _FloatArray, fu: _FloatArray, conf: float, disagree: int) -> Estimate:
    """Classical PPI (λ = 1) with the conservative union-bound interval (module docstring)."""
    alpha = 1.0 - conf
    n, m = y.size, fu.size
    up, down = int(((y == 1) & (f == 0)).sum()), int(((y == 0) & (f == 1)).sum())
    j_low, j_high = _cp(int(fu.sum()), m, 1.0 - alpha / 4.0)
    u_low, u_high = _cp(up, n, 1.0 - alpha / 8.0)
    d_low, d_high = _cp(down, n, 1.0 - alpha / 8.0)
    h_low, h_high = _cp(int(y.sum()), n, 1.0 - alpha / 2.0)
    low = max(j_low + u_low - d_high, h_low, 0.0)
    high = min(j_high + u_high - d_low, h_high, 1.0)
    point = min(max(float(fu.mean()) + (up - down) / n, low), high)
    why = (
        f"{n} human labels, {disagree} disagreements with the judge, {int(y.sum())} human 1s: "
        f"fewer than {MIN_LABELS_NORMAL} labels or {MIN_COUNT} of these counts, so the "
        "conservative interval, not PPI++'s normal one"
    )
    return Estimate(point, low, high, conf, EXACT_METHOD, n + m, notes=(why,))


def _labels(values: Any, name: str, *, allow_missing: bool) -> _FloatArray:
    raw = [math.nan if v is None else v for v in values] if isinstance(values, list) else values
    try:
        arr = np.asarray(raw, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise DataError(
            f"{_FUNCTION}: {name} must be 0/1 numbers", expected="0 or 1", found=str(exc)[:80]
        ) from exc
    if arr.ndim != 1:
        raise DataError(
            f"{_FUNCTION}: {name} must be one label per example",
            expected="a 1-D sequence",
            found=f"shape {arr.shape}",
        )
    ok = (arr == 0.0) | (arr == 1.0)
    if allow_missing:
        ok |= np.isnan(arr)
    bad = np.flatnonzero(~ok)
    if bad.size:
        raise DataError(
            f"{_FUNCTION}: a label is not 0 or 1",
            row=int(bad[0]),
            column=name,
            expected="0 or 1" + (" (NaN: not labelled)" if allow_missing else ""),
            found=str(arr[bad[0]]),
        )
    return arr


def _fmt(est: Estimate) -> str:
    return f"{est.estimate:.4f} [{est.low:.4f}, {est.high:.4f}]"
