"""Paired comparisons: candidate minus baseline on the same units.

Every function takes the baseline's and the candidate's per-unit scores in the same order
(unit i of one is unit i of the other) and reports candidate minus baseline, so a positive
difference means the candidate scored higher. ``alternative="greater"`` asks whether the
candidate is higher. Comparing a run with itself gives a zero difference and p = 1.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from assay._util import check_int
from assay.errors import DataError, ParameterError
from assay.stats._checks import (
    as_float_array,
    check_alternative,
    check_confidence,
    check_rng,
)
from assay.stats._clustered import (
    ClusterCodes,
    MeanSummary,
    encode_clusters,
    summarise_mean,
    summary_estimate,
    z_quantile,
)
from assay.stats._estimates import as_binary_array, binary_estimate, require_units, wilson_bounds
from assay.stats._paired_exact import exact_conditional_difference
from assay.stats._results import Alternative, Estimate, PairedResult, TestResult
from assay.stats._scipy import special, stats

__all__ = [
    "McNemarResult",
    "PairedTestResult",
    "mcnemar_test",
    "paired_binary_difference",
    "paired_mean_difference",
    "paired_permutation_test",
    "wilcoxon_signed_rank",
]

McNemarMethod = Literal["auto", "exact", "asymptotic"]
ExactOrSampled = Literal["auto", "exact", "monte-carlo"]

MCNEMAR_EXACT_BELOW = 25
"""``mcnemar_test(method="auto")`` uses the exact binomial test below this many discordant pairs."""
PERMUTATION_EXACT_UP_TO = 20
"""``paired_permutation_test(method="auto")`` enumerates all 2^n sign flips up to this many units."""
PERMUTATION_EXACT_MAX = 22
WILCOXON_EXACT_UP_TO = 50
"""``wilcoxon_signed_rank(method="auto")`` is exact up to this many non-zero differences."""
WILCOXON_TIED_EXACT_UP_TO = 20
WILCOXON_EXACT_MAX = 400
NO_TEST = "fewer than two units: no test is possible, p = 1 is reported"


@dataclass(frozen=True)
class PairedTestResult(TestResult):
    """A paired test that may have been run at the level of clusters."""

    n_clusters: int | None = None
    """Number of clusters when the test treated clusters as the units, else ``None``."""


@dataclass(frozen=True)
class McNemarResult(TestResult):
    """McNemar's test, with the discordant counts it was computed from."""

    baseline_only: int = 0
    """Units where only the baseline succeeded (the candidate broke them)."""
    candidate_only: int = 0
    """Units where only the candidate succeeded (the candidate fixed them)."""


def _check_alternative(alternative: Any, function: str) -> Alternative:
    a: Alternative = check_alternative(alternative, function)
    return a


def _paired_arrays(
    baseline: Any, candidate: Any, function: str, *, binary: bool = False
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    convert = as_binary_array if binary else as_float_array
    b = convert(baseline, "baseline", function)
    c = convert(candidate, "candidate", function)
    if b.shape != c.shape:
        raise DataError(
            f"{function}: baseline and candidate must hold the same units in the same order",
            expected=f"{b.shape[0]} candidate values",
            found=str(c.shape[0]),
        )
    require_units(b, "baseline", function)
    return b, c


def _encode(clusters: Any, n: int, function: str) -> ClusterCodes | None:
    return None if clusters is None else encode_clusters(clusters, n, function)


def _p_from_t(t: float, df: int, alternative: Alternative) -> float:
    # scipy.special's t cdf: the distribution objects cost ~100x more per call.
    if alternative == "greater":
        return float(special.stdtr(df, -t))
    if alternative == "less":
        return float(special.stdtr(df, t))
    return float(min(1.0, 2.0 * special.stdtr(df, -abs(t))))


def _t_test(s: MeanSummary, alternative: Alternative) -> PairedTestResult:
    """One-sample t test of a zero mean difference (clustered when the summary is)."""
    method = "paired t" if s.n_clusters is None else "clustered paired t (CR1)"
    if math.isinf(s.se):
        return PairedTestResult(
            math.nan,
            1.0,
            method,
            s.n,
            alternative,
            None,
            n_clusters=s.n_clusters,
            notes=(*s.notes, NO_TEST),
        )
    if s.se == 0.0:
        t = 0.0 if s.mean == 0.0 else math.copysign(math.inf, s.mean)
    else:
        t = s.mean / s.se
    p = 1.0 if t == 0.0 and alternative == "two-sided" else _p_from_t(t, s.df, alternative)
    return PairedTestResult(
        t, p, method, s.n, alternative, float(s.df), n_clusters=s.n_clusters, notes=s.notes
    )


def paired_mean_difference(
    baseline: Any,
    candidate: Any,
    *,
    clusters: Any = None,
    confidence: float = 0.95,
    alternative: Alternative = "two-sided",
) -> PairedResult:
    """Mean of candidate minus baseline over shared units, with its t interval and paired t test.

    Assumes the units (examples, or clusters when ``clusters`` is given) are independent and
    the mean difference is close to normal. With ``clusters`` the differences' standard error
    is cluster-robust (CR1 on the per-cluster sums of residuals) and the t reference has G-1
    degrees of freedom. The difference's interval follows ``alternative`` (one-sided intervals
    are open on one side); the two runs' own intervals are always two-sided.

    Degenerate cases: one unit or one cluster gives an unbounded interval, p = 1 and a note;
    differences that are all equal give an interval collapsed to the point and p = 1 when they
    are zero (p = 0 when they are not).
    """
    function = "paired_mean_difference"
    conf = check_confidence(confidence, function)
    alt = _check_alternative(alternative, function)
    b, c = _paired_arrays(baseline, candidate, function)
    codes = _encode(clusters, b.shape[0], function)
    summary = summarise_mean(c - b, codes)
    difference = summary_estimate(summary, conf, alt)
    return PairedResult(
        baseline=summary_estimate(summarise_mean(b, codes), conf),
        candidate=summary_estimate(summarise_mean(c, codes), conf),
        difference=difference,
        test=_t_test(summary, alt),
    )


def _discordant(b: npt.NDArray[np.float64], c: npt.NDArray[np.float64]) -> tuple[int, int]:
    d = c - b
    return int(np.count_nonzero(d < 0)), int(np.count_nonzero(d > 0))


def _is_exact(method: McNemarMethod, discordant: int) -> bool:
    """Whether McNemar's test (and the interval beside it) is exact for this many pairs."""
    return method == "exact" or (method == "auto" and discordant < MCNEMAR_EXACT_BELOW)


def _mcnemar(
    baseline_only: int,
    candidate_only: int,
    n: int,
    method: McNemarMethod,
    correction: bool,
    alternative: Alternative,
) -> McNemarResult:
    m = baseline_only + candidate_only
    if m == 0:
        return McNemarResult(
            0.0,
            1.0,
            "mcnemar",
            n,
            alternative,
            baseline_only=0,
            candidate_only=0,
            notes=("no discordant pairs: the runs agree on every unit",),
        )
    if _is_exact(method, m):
        if alternative == "greater":
            p = float(special.bdtrc(candidate_only - 1, m, 0.5))
        elif alternative == "less":
            p = float(special.bdtr(candidate_only, m, 0.5))
        else:
            p = float(min(1.0, 2.0 * special.bdtr(min(baseline_only, candidate_only), m, 0.5)))
        return McNemarResult(
            float(candidate_only),
            p,
            "mcnemar exact",
            n,
            alternative,
            baseline_only=baseline_only,
            candidate_only=candidate_only,
            notes=(f"exact binomial test on {m} discordant pairs",),
        )
    diff = candidate_only - baseline_only
    shift = 1.0 if correction else 0.0
    if alternative == "two-sided":
        z = math.copysign(max(abs(diff) - shift, 0.0), diff) / math.sqrt(m)
        p = float(special.chdtrc(1, z * z))
    else:
        z = (diff - shift if alternative == "greater" else diff + shift) / math.sqrt(m)
        p = float(special.ndtr(-z) if alternative == "greater" else special.ndtr(z))
    label = "mcnemar asymptotic" + (" (continuity corrected)" if correction else "")
    return McNemarResult(
        z,
        p,
        label,
        n,
        alternative,
        baseline_only=baseline_only,
        candidate_only=candidate_only,
    )


def mcnemar_test(
    baseline: Any,
    candidate: Any,
    *,
    method: McNemarMethod = "auto",
    correction: bool = False,
    alternative: Alternative = "two-sided",
) -> McNemarResult:
    """McNemar's test for paired 0/1 outcomes (was each example right under each model?).

    Only discordant pairs carry information: ``baseline_only`` (b) and ``candidate_only`` (c).
    Assumes independent pairs (for clustered data use :func:`paired_binary_difference` with
    ``clusters``).

    * ``"exact"``: the binomial test of c out of b + c at 1/2 (two-sided p doubles the
      smaller tail, capped at 1); statistic = c. Conservative.
    * ``"asymptotic"``: z = (c - b) / sqrt(b + c), whose square is McNemar's chi-square; with
      ``correction`` the continuity correction |c - b| - 1 is applied (more conservative).
      The uncorrected form keeps the false-positive rate closest to alpha.
    * ``"auto"`` (default): exact when b + c < 25, asymptotic otherwise.

    No discordant pairs (including all pairs tied) gives statistic 0 and p = 1.
    """
    function = "mcnemar_test"
    if method not in ("auto", "exact", "asymptotic"):
        raise ParameterError("method", function, "one of 'auto', 'exact', 'asymptotic'", method)
    alt = _check_alternative(alternative, function)
    b, c = _paired_arrays(baseline, candidate, function, binary=True)
    baseline_only, candidate_only = _discordant(b, c)
    return _mcnemar(baseline_only, candidate_only, b.shape[0], method, bool(correction), alt)


def newcombe_paired_bounds(
    both: int, baseline_only: int, candidate_only: int, neither: int, z: float
) -> tuple[float, float]:
    """Newcombe's (1998) method 10 interval for p_candidate - p_baseline on paired 0/1 data.

    Square-and-add of the two Wilson intervals with the correlation term phi corrected as in
    Newcombe (1998) and Fagerland, Lydersen & Laake (2017, chapter 8).
    """
    n = both + baseline_only + candidate_only + neither
    p_b = (both + baseline_only) / n
    p_c = (both + candidate_only) / n
    l_b, u_b = wilson_bounds(p_b, n, z)
    l_c, u_c = wilson_bounds(p_c, n, z)
    margins = [
        both + baseline_only,
        candidate_only + neither,
        both + candidate_only,
        baseline_only + neither,
    ]
    phi = 0.0
    if min(margins) > 0:
        a = both * neither - baseline_only * candidate_only
        root = math.sqrt(math.prod(float(v) for v in margins))
        if a > n / 2.0:
            phi = (a - n / 2.0) / root
        elif a < 0:
            phi = a / root
    est = p_c - p_b
    dl, du = p_c - l_c, u_b - p_b
    eu, el = u_c - p_c, p_b - l_b
    low = est - math.sqrt(max(dl * dl + du * du - 2.0 * phi * dl * du, 0.0))
    high = est + math.sqrt(max(eu * eu + el * el - 2.0 * phi * eu * el, 0.0))
    return max(low, -1.0), min(high, 1.0)


def paired_difference(
    both: int,
    baseline_only: int,
    candidate_only: int,
    neither: int,
    conf: float,
    alt: Alternative,
    method: McNemarMethod = "auto",
) -> Estimate:
    """The difference of :func:`paired_binary_difference` (no clusters) from the 2x2 counts.

    The interval follows McNemar's test of the same ``method``: where that test is exact
    (``"exact"``, or ``"auto"`` below :data:`MCNEMAR_EXACT_BELOW` discordant pairs), the exact
    conditional interval (:mod:`assay.stats._paired_exact`), which excludes 0 exactly when the
    exact test rejects; otherwise Newcombe's interval. Either at ``conf`` (two-sided) or the
    matching bound of the (2·conf - 1) interval (one-sided), with the standard error of the
    difference.
    """
    n = both + baseline_only + candidate_only + neither
    discordant = baseline_only + candidate_only
    if discordant > 0 and _is_exact(method, discordant):
        return exact_conditional_difference(baseline_only, candidate_only, n, conf, alt)
    level = conf if alt == "two-sided" else 2.0 * conf - 1.0
    low, high = newcombe_paired_bounds(
        both, baseline_only, candidate_only, neither, z_quantile((1.0 + level) / 2.0)
    )
    if alt == "greater":
        high = 1.0
    elif alt == "less":
        low = -1.0
    est = (candidate_only - baseline_only) / n
    m = baseline_only + candidate_only
    return Estimate(
        estimate=est,
        low=low,
        high=high,
        confidence=conf,
        method="newcombe paired score",
        n=n,
        se=math.sqrt(max(m / n - est * est, 0.0) / n),
    )


def paired_binary_difference(
    baseline: Any,
    candidate: Any,
    *,
    clusters: Any = None,
    confidence: float = 0.95,
    alternative: Alternative = "two-sided",
    method: McNemarMethod = "auto",
) -> PairedResult:
    """Difference of two paired proportions (candidate minus baseline) with interval and test.

    Without clusters: the test is McNemar's (``method`` as in :func:`mcnemar_test`,
    uncorrected when asymptotic) and the interval agrees with it. Where the test is exact
    (fewer than 25 discordant pairs with ``"auto"``) the interval is the exact conditional one
    (Clopper–Pearson on the discordant pairs, scaled by the discordant share's Clopper–Pearson
    interval; method ``"exact conditional (Clopper-Pearson on the discordant pairs)"``): it
    excludes 0 exactly when p < 1 - confidence, and is conservative. Otherwise it is
    Newcombe's hybrid score interval for paired data (Newcombe 1998, method 10: Wilson
    intervals of both proportions combined with their estimated correlation; method
    ``"newcombe paired score"``). One-sided alternatives use the matching bound of the
    (2·confidence - 1) two-sided interval.

    With clusters: McNemar's test assumes independent pairs, so both the interval and the test
    are the clustered paired t (CR1, G-1 degrees of freedom) on the per-unit differences
    (-1, 0, 1), and the runs' own intervals follow :func:`binary_mean_interval`.
    """
    function = "paired_binary_difference"
    conf = check_confidence(confidence, function)
    alt = _check_alternative(alternative, function)
    if method not in ("auto", "exact", "asymptotic"):
        raise ParameterError("method", function, "one of 'auto', 'exact', 'asymptotic'", method)
    b, c = _paired_arrays(baseline, candidate, function, binary=True)
    n = b.shape[0]
    codes = _encode(clusters, n, function)
    ones = int(b.sum())
    base_est = binary_estimate(b, codes, conf, "auto", ones)
    cand_est = binary_estimate(c, codes, conf, "auto")
    if codes is not None:
        summary = summarise_mean(c - b, codes)
        return PairedResult(
            base_est, cand_est, summary_estimate(summary, conf, alt), _t_test(summary, alt)
        )
    baseline_only, candidate_only = _discordant(b, c)
    both = ones - baseline_only  # the baseline's ones less those the candidate lost
    neither = n - both - baseline_only - candidate_only
    difference = paired_difference(both, baseline_only, candidate_only, neither, conf, alt, method)
    test = _mcnemar(baseline_only, candidate_only, n, method, False, alt)
    return PairedResult(base_est, cand_est, difference, test)


@lru_cache(maxsize=64)
def _signed_rank_counts(m: int) -> npt.NDArray[np.float64]:
    """Number of sign patterns of ranks 1..m giving each W+ = 0..m(m+1)/2 (no ties)."""
    counts = np.zeros(m * (m + 1) // 2 + 1)
    counts[0] = 1.0
    for k in range(1, m + 1):
        counts[k:] += counts[:-k].copy()
    counts.setflags(write=False)
    return counts


def _all_sign_sums(values: npt.NDArray[Any]) -> npt.NDArray[Any]:
    """Sum of ``values`` under each of the 2^len(values) sign patterns (+v or -v for each)."""
    sums = np.zeros(1, dtype=values.dtype)
    for v in values:
        sums = np.concatenate((sums + v, sums - v))
    return sums


def _tail_p(p_less: float, p_greater: float, alternative: Alternative) -> float:
    if alternative == "greater":
        return p_greater
    if alternative == "less":
        return p_less
    return min(1.0, 2.0 * min(p_less, p_greater))


def wilcoxon_signed_rank(
    baseline: Any,
    candidate: Any,
    *,
    alternative: Alternative = "two-sided",
    method: Literal["auto", "exact", "asymptotic"] = "auto",
) -> TestResult:
    """Wilcoxon signed-rank test of candidate minus baseline (zero differences dropped).

    Assumes independent pairs whose differences are symmetric about their median under the
    null; a robust alternative to the paired t test for skewed or heavy-tailed scores. The
    statistic is W+, the sum of the ranks of |difference| over pairs where the candidate is
    higher (ties get average ranks).

    ``method="auto"``: exact null distribution up to 50 non-zero differences without ties
    (up to 20 with ties, by enumerating all sign patterns of the tied ranks), otherwise the
    normal approximation with the tie correction and no continuity correction (as
    ``scipy.stats.wilcoxon``). All pairs tied gives W+ = 0 and p = 1.
    """
    function = "wilcoxon_signed_rank"
    alt = _check_alternative(alternative, function)
    if method not in ("auto", "exact", "asymptotic"):
        raise ParameterError("method", function, "one of 'auto', 'exact', 'asymptotic'", method)
    b, c = _paired_arrays(baseline, candidate, function)
    d = c - b
    d = d[d != 0.0]
    m = d.shape[0]
    zeros = b.shape[0] - m
    notes = [f"{zeros} zero differences dropped"] if zeros else []
    if m == 0:
        notes.append("all pairs tied: no evidence of a difference")
        return TestResult(0.0, 1.0, "wilcoxon signed-rank", 0, alt, notes=tuple(notes))
    ranks = stats.rankdata(np.abs(d))
    w_plus = float(ranks[d > 0].sum())
    tied = bool(np.unique(ranks).shape[0] < m)
    if method == "exact" and m > (WILCOXON_TIED_EXACT_UP_TO if tied else WILCOXON_EXACT_MAX):
        limit = WILCOXON_TIED_EXACT_UP_TO if tied else WILCOXON_EXACT_MAX
        kind = "with ties " if tied else ""
        raise ParameterError(
            "method",
            function,
            f"'auto' or 'asymptotic' with more than {limit} non-zero differences {kind}".strip(),
            method,
        )
    exact = method == "exact" or (
        method == "auto" and m <= (WILCOXON_TIED_EXACT_UP_TO if tied else WILCOXON_EXACT_UP_TO)
    )
    if exact and not tied:
        cum = np.cumsum(_signed_rank_counts(m)) / 2.0**m
        w = round(w_plus)
        p_less = float(cum[w])
        p_greater = float(1.0 - cum[w - 1]) if w > 0 else 1.0
        label = "wilcoxon signed-rank exact"
    elif exact:
        doubled = np.rint(2.0 * ranks).astype(np.int64)
        sums = (_all_sign_sums(doubled) + doubled.sum()) // 2
        target = round(2.0 * w_plus)
        p_less = float(np.mean(sums <= target))
        p_greater = float(np.mean(sums >= target))
        label = "wilcoxon signed-rank exact (tied ranks, enumerated)"
    else:
        _, tie_counts = np.unique(ranks, return_counts=True)
        var = m * (m + 1) * (2 * m + 1) / 24.0 - float(np.sum(tie_counts**3 - tie_counts)) / 48.0
        z = (w_plus - m * (m + 1) / 4.0) / math.sqrt(var)
        p_less, p_greater = float(special.ndtr(z)), float(special.ndtr(-z))
        label = "wilcoxon signed-rank asymptotic"
    p = _tail_p(p_less, p_greater, alt)
    return TestResult(w_plus, p, label, m, alt, notes=tuple(notes))


def paired_permutation_test(
    baseline: Any,
    candidate: Any,
    *,
    rng: int | np.random.Generator = 0,
    clusters: Any = None,
    resamples: int = 9999,
    alternative: Alternative = "two-sided",
    method: ExactOrSampled = "auto",
) -> PairedTestResult:
    """Sign-flip permutation test of a zero mean difference (candidate minus baseline).

    Assumes only that, under the null, each unit's difference is as likely to be negative as
    positive (exchangeability of the two runs within a unit); no normality. With ``clusters``
    the signs are flipped per cluster (on cluster sums), keeping within-cluster dependence.

    ``method="auto"`` enumerates all 2^n sign patterns when there are at most 20 units (exact
    p-value, ``resamples`` = 2^n); otherwise it draws ``resamples`` random sign patterns from
    ``rng`` and reports p = (c + 1) / (B + 1), c counting patterns at least as extreme. The
    statistic is the observed mean difference.
    """
    function = "paired_permutation_test"
    alt = _check_alternative(alternative, function)
    if method not in ("auto", "exact", "monte-carlo"):
        raise ParameterError("method", function, "one of 'auto', 'exact', 'monte-carlo'", method)
    n_resamples = check_int(resamples, "resamples", function)
    generator, seed = check_rng(rng, function)
    b, c = _paired_arrays(baseline, candidate, function)
    d = c - b
    n = d.shape[0]
    codes = _encode(clusters, n, function)
    units = d
    if codes is not None:
        units = np.bincount(codes.codes, weights=d, minlength=codes.n_clusters).astype(np.float64)
    g = None if codes is None else codes.n_clusters
    n_units = units.shape[0]
    if method == "exact" and n_units > PERMUTATION_EXACT_MAX:
        raise ParameterError(
            "method",
            function,
            f"'auto' or 'monte-carlo' above {PERMUTATION_EXACT_MAX} units",
            method,
        )
    observed = float(units.sum())
    # Sums of the same numbers in another order differ in the last bits; this absorbs that.
    tol = 1e-9 * max(1.0, float(np.abs(units).sum()))
    exact = method == "exact" or (method == "auto" and n_units <= PERMUTATION_EXACT_UP_TO)
    if exact:
        sums = _all_sign_sums(units)
        counts = _extreme_counts(sums, observed, tol)
        total = float(sums.shape[0])
        p_less, p_greater, p_two = (k / total for k in counts)
        used, used_seed, label = int(total), None, "sign-flip permutation exact"
    else:
        counts = np.zeros(3)
        chunk = max(1, (1 << 22) // n_units)
        for start in range(0, n_resamples, chunk):
            rows = min(chunk, n_resamples - start)
            flips = generator.random((rows, n_units)) < 0.5
            sums = observed - 2.0 * (flips @ units)
            counts += _extreme_counts(sums, observed, tol)
        p_less, p_greater, p_two = ((k + 1.0) / (n_resamples + 1.0) for k in counts)
        used, used_seed, label = n_resamples, seed, "sign-flip permutation monte-carlo"
    p = float({"less": p_less, "greater": p_greater, "two-sided": p_two}[alt])
    notes = () if g is None else (f"signs flipped per cluster ({g} clusters)",)
    return PairedTestResult(
        observed / n, min(p, 1.0), label, n, alt, None, used, used_seed, notes, n_clusters=g
    )


def _extreme_counts(
    sums: npt.NDArray[np.float64], observed: float, tol: float
) -> npt.NDArray[np.float64]:
    """How many sign-flipped sums are at least as extreme as observed: (less, greater, |two|)."""
    return np.array(
        [
            np.count_nonzero(sums <= observed + tol),
            np.count_nonzero(sums >= observed - tol),
            np.count_nonzero(np.abs(sums) >= abs(observed) - tol),
        ],
        dtype=np.float64,
    )
