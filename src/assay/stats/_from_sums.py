"""The closed-form paired methods, from sums and counts instead of arrays.

:func:`~assay.stats.paired_mean_difference`, :func:`~assay.stats.paired_binary_difference`,
:func:`~assay.stats.binary_mean_interval` and :func:`~assay.stats.mcnemar_test` take per-unit
arrays. When the same comparison is made on many groups at once (every slice of a comparison
of a million examples), the sums of every group come from one pass of ``np.bincount``; these
functions finish the job from those sums with exactly the formulas (and the same degenerate
cases, notes and method names) of the array functions, which are built on them:

* :func:`mean_summary_from_moments`: a :class:`MeanSummary` (mean, standard error, degrees of
  freedom) from a group's mean and (cluster-robust) standard error;
* :func:`mean_interval_from_summary`: its t interval, as :func:`~assay.stats.mean_interval`;
* :func:`paired_t_from_summary`: the paired t test of a summary of differences, as
  :func:`~assay.stats.paired_mean_difference`;
* :func:`binary_interval_from_counts`: the interval of a proportion, as
  :func:`~assay.stats.binary_mean_interval` (the automatic Wilson / t choice);
* :func:`paired_binary_difference_from_counts`: the paired interval of a difference of
  proportions from the 2x2 table (exact conditional or Newcombe's), as
  :func:`~assay.stats.paired_binary_difference`;
* :func:`mcnemar_from_counts`: McNemar's test from the discordant counts, as
  :func:`~assay.stats.mcnemar_test`.
"""

from __future__ import annotations

from typing import Any

from assay._util import check_choice, check_instance, check_int, check_number
from assay.errors import ParameterError
from assay.stats._checks import ALTERNATIVES, check_confidence
from assay.stats._clustered import MeanSummary, build_summary, summary_estimate
from assay.stats._estimates import BinaryMethod, binary_interval
from assay.stats._paired import (
    McNemarMethod,
    McNemarResult,
    PairedTestResult,
    _mcnemar,
    _t_test,
    paired_difference,
)
from assay.stats._results import Alternative, Estimate

__all__ = [
    "binary_interval_from_counts",
    "mcnemar_from_counts",
    "mean_interval_from_summary",
    "mean_summary_from_moments",
    "paired_binary_difference_from_counts",
    "paired_t_from_summary",
]

_MCNEMAR_METHODS: tuple[McNemarMethod, ...] = ("auto", "exact", "asymptotic")
_ALTERNATIVES: tuple[Alternative, ...] = ALTERNATIVES


def _alternative(value: Any, function: str) -> Alternative:
    a: Alternative = check_choice(value, "alternative", function, _ALTERNATIVES)
    return a


def _summary(value: Any, function: str) -> MeanSummary:
    s: MeanSummary = check_instance(
        value, "summary", function, MeanSummary, "a MeanSummary (see mean_summary_from_moments)"
    )
    return s


def mean_summary_from_moments(
    mean: float,
    se: float,
    n: int,
    *,
    n_clusters: int | None = None,
    constant: bool = False,
) -> MeanSummary:
    """The summary of ``n`` values from their mean and standard error.

    ``se`` is the standard error of the mean: ``s / sqrt(n)`` for independent values, the CR1
    cluster-robust one (residuals summed per cluster, scaled by G/(G-1)) when ``n_clusters``
    (the clusters with at least one value) is given. The t reference then has units - 1
    degrees of freedom (G - 1 with clusters). ``constant`` says that all values are identical.

    Degenerate cases, as in :func:`~assay.stats.mean_interval`: fewer than two units (or
    clusters) leave the spread unknown (``se = inf``, 0 degrees of freedom, a note; ``se`` is
    then not read and may be NaN); identical values have none (``se = 0``, a note).
    """
    fn = "mean_summary_from_moments"
    count = check_int(n, "n", fn, minimum=1)
    g = None if n_clusters is None else check_int(n_clusters, "n_clusters", fn, minimum=1)
    if g is not None and g > count:
        raise ParameterError("n_clusters", fn, f"an integer in [1, n = {count}]", n_clusters)
    m = check_number(mean, "mean", fn)
    is_constant = bool(check_instance(constant, "constant", fn, (bool,), "True or False"))
    units = count if g is None else g
    value = 0.0
    if units >= 2 and not is_constant:
        value = check_number(se, "se", fn, low=0.0)
    return build_summary(m, value, count, g, is_constant)


def mean_interval_from_summary(
    summary: MeanSummary,
    *,
    confidence: float = 0.95,
    alternative: Alternative = "two-sided",
) -> Estimate:
    """The t interval of a summary: ``mean ± t(df)·se`` (clustered t (CR1) with clusters).

    One-sided alternatives give an interval open on the other side. An unknown spread gives an
    unbounded interval, no spread an interval collapsed to the point (with the summary's
    notes).
    """
    fn = "mean_interval_from_summary"
    s = _summary(summary, fn)
    conf = check_confidence(confidence, fn)
    return summary_estimate(s, conf, _alternative(alternative, fn))


def paired_t_from_summary(
    summary: MeanSummary, *, alternative: Alternative = "two-sided"
) -> PairedTestResult:
    """Paired t test of a zero mean from the summary of the per-unit differences.

    Clustered (CR1, G-1 degrees of freedom) when the summary is. An unknown spread gives
    p = 1 with a note; no spread gives p = 1 for a zero mean and p = 0 otherwise.
    """
    fn = "paired_t_from_summary"
    s = _summary(summary, fn)
    return _t_test(s, _alternative(alternative, fn))


def binary_interval_from_counts(
    successes: int,
    summary: MeanSummary,
    *,
    confidence: float = 0.95,
    method: BinaryMethod = "auto",
) -> Estimate:
    """Interval of a proportion from its successes and the summary of the 0/1 values.

    ``summary`` is :func:`mean_summary_from_moments` of the 0/1 values (its ``n`` the number
    of values, clustered when the values come in clusters). ``method="auto"`` chooses as
    :func:`~assay.stats.binary_mean_interval` does and says why: Wilson (on the effective
    sample size n / design effect with clusters) with fewer than 30 units or fewer than 10 of
    either outcome, otherwise the t interval.
    """
    fn = "binary_interval_from_counts"
    s = _summary(summary, fn)
    k = check_int(successes, "successes", fn, minimum=0)
    if k > s.n:
        raise ParameterError("successes", fn, f"an integer in [0, {s.n}]", successes)
    conf = check_confidence(confidence, fn)
    chosen: BinaryMethod = check_choice(method, "method", fn, ("auto", "wilson", "normal"))
    return binary_interval(k, s, conf, chosen)


def paired_binary_difference_from_counts(
    both: int,
    baseline_only: int,
    candidate_only: int,
    neither: int,
    *,
    confidence: float = 0.95,
    alternative: Alternative = "two-sided",
    method: McNemarMethod = "auto",
) -> Estimate:
    """Candidate minus baseline proportion from the paired 2x2 table, with its interval.

    The counts are the units both runs got right, only the baseline, only the candidate and
    neither. The interval is that of :func:`~assay.stats.paired_binary_difference` without
    clusters: the exact conditional interval where McNemar's test of the same ``method`` is
    exact (below 25 discordant pairs with ``"auto"``), so the two agree, else Newcombe's (1998)
    hybrid score interval for paired proportions (method 10); one-sided alternatives use the
    matching bound of the (2·confidence - 1) interval.
    """
    fn = "paired_binary_difference_from_counts"
    cells = [
        check_int(v, name, fn, minimum=0)
        for v, name in (
            (both, "both"),
            (baseline_only, "baseline_only"),
            (candidate_only, "candidate_only"),
            (neither, "neither"),
        )
    ]
    if sum(cells) == 0:
        raise ParameterError("neither", fn, "counts of at least one unit in all", neither)
    conf = check_confidence(confidence, fn)
    chosen: McNemarMethod = check_choice(method, "method", fn, _MCNEMAR_METHODS)
    both_, b_only, c_only, neither_ = cells
    alt = _alternative(alternative, fn)
    return paired_difference(both_, b_only, c_only, neither_, conf, alt, chosen)


def mcnemar_from_counts(
    baseline_only: int,
    candidate_only: int,
    n: int,
    *,
    method: McNemarMethod = "auto",
    correction: bool = False,
    alternative: Alternative = "two-sided",
) -> McNemarResult:
    """McNemar's test from the discordant counts of ``n`` pairs.

    ``baseline_only`` (b): pairs only the baseline got right; ``candidate_only`` (c): only
    the candidate. ``method``, ``correction`` and the result are those of
    :func:`~assay.stats.mcnemar_test`: exact binomial below 25 discordant pairs with
    ``"auto"``, else the (uncorrected unless ``correction``) asymptotic z.
    """
    fn = "mcnemar_from_counts"
    b = check_int(baseline_only, "baseline_only", fn, minimum=0)
    c = check_int(candidate_only, "candidate_only", fn, minimum=0)
    total = check_int(n, "n", fn, minimum=max(b + c, 1))
    chosen: McNemarMethod = check_choice(method, "method", fn, _MCNEMAR_METHODS)
    corrected = bool(check_instance(correction, "correction", fn, (bool,), "True or False"))
    return _mcnemar(b, c, total, chosen, corrected, _alternative(alternative, fn))
