"""Means with their (cluster-robust) standard errors and t intervals, and cluster labels.

Shared by the single-run estimates and the paired tests so that both use one definition of
"clustered": residuals summed within each cluster, the sandwich variance scaled by the
small-cluster correction G/(G-1), and a t reference with G-1 degrees of freedom. For a mean
(a regression on a constant) this is exactly Stata's ``vce(cluster)`` and statsmodels'
``cov_type="cluster"``: their extra factor (N-1)/(N-K) is 1 when K = 1.

Bootstrap intervals that resample G clusters take the same small-sample correction through
:func:`expanded_tail` (Hesterberg's expanded percentile): a plain percentile or BCa interval
over G clusters is as narrow as a z interval with the variance divided by G, not G - 1, and
covers well under its stated level when G is small.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np
import numpy.typing as npt

from assay._util import check_int
from assay.errors import DataError, ParameterError
from assay.stats._checks import check_alternative
from assay.stats._results import Alternative, Estimate
from assay.stats._scipy import special

__all__ = [
    "ClusterCodes",
    "MeanSummary",
    "binary_summary",
    "build_summary",
    "cluster_mean_se",
    "encode_clusters",
    "expanded_method",
    "expanded_p_value",
    "expanded_tail",
    "iid_mean_se",
    "plain",
    "sum_of_squares",
    "summarise_mean",
    "summary_estimate",
    "t_bounds",
    "t_quantile",
    "z_quantile",
]

ONE_UNIT = "only one unit: the spread cannot be estimated, so the interval is unbounded"
ONE_CLUSTER = (
    "only one cluster: a clustered standard error cannot be estimated, so the interval is unbounded"
)
NO_SPREAD = "all values are identical: the interval collapses to the point"


@lru_cache(maxsize=1024)
def t_quantile(p: float, df: int) -> float:
    """Quantile of Student's t (cached: simulations and slices ask for the same few).

    ``scipy.special.stdtrit`` is what ``scipy.stats.t.ppf`` evaluates, without importing
    ``scipy.stats`` (a second or more) for one number."""
    return float(special.stdtrit(df, p))


@lru_cache(maxsize=256)
def z_quantile(p: float) -> float:
    """Quantile of the standard normal (``scipy.special.ndtri``, as ``scipy.stats.norm.ppf``)."""
    return float(special.ndtri(p))


def expanded_tail(tail: float, n_units: int) -> float:
    """The share of resamples cut from one side of an expanded percentile interval over
    ``n_units`` clusters for a nominal one-sided ``tail`` (0.025 for a two-sided 95% interval):
    Φ(√(G/(G − 1)) · t⁻¹(tail; G − 1)), smaller than ``tail``.

    Hesterberg, "What teachers should know about the bootstrap" (2015); ``CI.percentile(expand
    = TRUE)`` of R's ``resample``. Where the bootstrap distribution is normal this turns the
    percentile interval into a t interval with G − 1 degrees of freedom and the variance
    divided by G − 1, as the cluster-robust (CR1) t interval of a mean. ``n_units`` >= 2."""
    g = n_units
    return float(special.ndtr(math.sqrt(g / (g - 1)) * t_quantile(tail, g - 1)))


def expanded_p_value(
    p_value: npt.ArrayLike, alternative: Alternative, n_units: int
) -> npt.NDArray[np.float64]:
    """A bootstrap p-value over ``n_units`` clusters through the inverse of
    :func:`expanded_tail`: the share of resamples beyond the null (one side, or half of the
    two-sided p-value) is read as a normal tail and turned back into a t tail with G − 1
    degrees of freedom (doubled for two sides), so the p-value is below α exactly when the
    expanded percentile interval excludes the null (up to the resamples' discreteness).
    ``n_units`` >= 2; p-values in [0, 1]."""
    fn = "expanded_p_value"
    check_alternative(alternative, fn)
    g = check_int(n_units, "n_units", fn, minimum=2)
    p = np.asarray(p_value, dtype=np.float64)
    if not ((p >= 0.0) & (p <= 1.0)).all():  # NaN fails both
        raise ParameterError("p_value", fn, "p-values in [0, 1]", p_value)
    share = p / 2.0 if alternative == "two-sided" else p
    t = special.ndtri(np.minimum(share, 1.0)) / math.sqrt(g / (g - 1))
    tail = special.stdtr(g - 1, t)
    out = np.minimum(1.0, 2.0 * tail) if alternative == "two-sided" else tail
    return np.asarray(np.where(p >= 1.0, 1.0, out), dtype=np.float64)


def expanded_method(method: str, n_units: int) -> str:
    """``method``, saying that its intervals are expanded for ``n_units`` clusters (short: it
    is shown in tables; the methods section gives the formula)."""
    return f"{method}, expanded for {n_units} clusters"


def plain(value: Any) -> Any:
    """A numpy scalar as the Python value it holds, so messages read ``'a'``, not ``np.str_``."""
    return value.item() if isinstance(value, np.generic) else value


@dataclass(frozen=True)
class ClusterCodes:
    """Cluster labels turned into integer codes 0..G-1."""

    codes: npt.NDArray[np.intp]
    """The cluster code of each unit."""
    n_clusters: int
    """Number of distinct clusters, G."""


def _missing_labels(labels: npt.NDArray[Any]) -> npt.NDArray[np.bool_]:
    if labels.dtype.kind == "f":
        return np.asarray(~np.isfinite(labels), dtype=bool)
    if labels.dtype.kind == "O":
        # None and float NaN are the usual spellings of a missing label in object arrays.
        missing: npt.NDArray[np.bool_] = np.asarray(labels == None, dtype=bool)  # noqa: E711
        missing |= np.asarray(labels != labels, dtype=bool)
        return missing
    return np.zeros(labels.shape, dtype=bool)


def encode_clusters(clusters: Any, n: int, function: str, name: str = "clusters") -> ClusterCodes:
    """Validate cluster labels (one per unit, none missing) and encode them as integers."""
    labels = np.asarray(clusters)
    if labels.ndim != 1 or labels.shape[0] != n:
        raise DataError(
            f"{function}: {name} must give one label per unit",
            expected=f"{n} labels",
            found=f"shape {labels.shape}",
        )
    missing = _missing_labels(labels)
    if missing.any():
        row = int(np.flatnonzero(missing)[0])
        raise DataError(
            f"{function}: {name}[{row}] is missing",
            row=row,
            expected="a cluster label",
            found=repr(plain(labels[row])),
        )
    try:
        _, codes = np.unique(labels, return_inverse=True)
    except TypeError as exc:
        raise DataError(
            f"{function}: {name} mixes label types that cannot be compared",
            expected="labels of one type",
            found=str(labels.dtype),
        ) from exc
    codes = codes.reshape(-1).astype(np.intp, copy=False)
    n_clusters = int(codes.max()) + 1 if n else 0
    return ClusterCodes(codes=codes, n_clusters=n_clusters)


def sum_of_squares(v: npt.NDArray[Any]) -> float:
    """``sum(v ** 2)`` by numpy's pairwise summation, not a BLAS dot product: the same bits
    on every machine (a threaded BLAS splits long vectors by its thread count, which changes
    the last bits), and no BLAS threads spinning beside the caller's own."""
    return float(np.add.reduce(v * v))


def iid_mean_se(x: npt.NDArray[np.float64], mean: float) -> float:
    """Standard error of the mean of independent values: s / sqrt(n), ``inf`` when n < 2."""
    n = x.shape[0]
    if n < 2:
        return math.inf
    # sum_of_squares's product and sum, the deviations squared where they lie (one copy less)
    deviations = x - mean
    np.multiply(deviations, deviations, out=deviations)
    return math.sqrt(float(np.add.reduce(deviations)) / (n - 1) / n)


def cluster_mean_se(x: npt.NDArray[np.float64], mean: float, clusters: ClusterCodes) -> float:
    """CR1 standard error of the mean: sqrt(G/(G-1) * sum_g (sum_{i in g} e_i)^2) / n.

    ``inf`` with a single cluster, where no between-cluster variation can be seen.
    """
    g = clusters.n_clusters
    if g < 2:
        return math.inf
    sums = np.bincount(clusters.codes, weights=x - mean, minlength=g)
    n = x.shape[0]
    return float(math.sqrt(g / (g - 1) * sum_of_squares(sums)) / n)


@dataclass(frozen=True)
class MeanSummary:
    """Mean, standard error and degrees of freedom of one sample: what a t interval and a t
    test need. Build one from sums with :func:`assay.stats.mean_summary_from_moments`."""

    mean: float
    """The sample mean."""
    se: float
    """Standard error: ``inf`` when the spread cannot be estimated, 0 when there is none."""
    df: int
    """Degrees of freedom of the t reference: units - 1 (clusters - 1 when clustered)."""
    n: int
    """Number of values."""
    n_clusters: int | None
    """Number of clusters, or ``None`` when not clustered."""
    notes: tuple[str, ...]
    """Degenerate cases met (one unit, one cluster, no spread)."""


def summarise_mean(x: npt.NDArray[np.float64], clusters: ClusterCodes | None) -> MeanSummary:
    """Mean and (clustered) standard error, with the degenerate cases named in notes."""
    n = x.shape[0]
    constant = bool(x.min() == x.max())
    # The mean of identical values is that value; summing can drift in the last bit.
    mean = float(x[0]) if constant else float(x.mean())
    units = n if clusters is None else clusters.n_clusters
    g = None if clusters is None else clusters.n_clusters
    se = math.inf
    if units >= 2 and not constant:
        se = iid_mean_se(x, mean) if clusters is None else cluster_mean_se(x, mean, clusters)
    return build_summary(mean, se, n, g, constant)


def binary_summary(x: npt.NDArray[np.float64], k: int) -> MeanSummary:
    """:func:`summarise_mean` of 0/1 values (no clusters) holding ``k`` ones, without the
    passes that ``k`` answers: they are identical exactly when ``k`` is 0 or ``n``, and their
    mean is ``k / n`` (numpy's sum of zeros and ones is exact), the same bits."""
    n = x.shape[0]
    constant = k in (0, n)
    mean = float(x[0]) if constant else k / n
    se = iid_mean_se(x, mean) if n >= 2 and not constant else math.inf
    return build_summary(mean, se, n, None, constant)


def build_summary(
    mean: float, se: float, n: int, n_clusters: int | None, constant: bool
) -> MeanSummary:
    """The summary of ``n`` values (in ``n_clusters`` clusters) with the degenerate cases named.

    The one place that decides them: fewer than two units (clusters) leave the spread unknown
    (``se = inf``, 0 degrees of freedom); identical values have none (``se = 0``).
    """
    units = n if n_clusters is None else n_clusters
    if units < 2:
        note = ONE_UNIT if n_clusters is None else ONE_CLUSTER
        return MeanSummary(mean, math.inf, 0, n, n_clusters, (note,))
    if constant:
        return MeanSummary(mean, 0.0, units - 1, n, n_clusters, (NO_SPREAD,))
    return MeanSummary(mean, se, units - 1, n, n_clusters, ())


def t_bounds(
    mean: float, se: float, df: int, confidence: float, alternative: Alternative
) -> tuple[float, float]:
    """Interval mean ± t·se; one-sided intervals are open on the other side."""
    if math.isinf(se):
        return -math.inf, math.inf
    p = (1.0 + confidence) / 2.0 if alternative == "two-sided" else confidence
    half = 0.0 if se == 0.0 else t_quantile(p, df) * se
    low = -math.inf if alternative == "less" else mean - half
    high = math.inf if alternative == "greater" else mean + half
    return low, high


def summary_estimate(
    s: MeanSummary, confidence: float, alternative: Alternative = "two-sided"
) -> Estimate:
    """The t interval of a summary as an Estimate."""
    low, high = t_bounds(s.mean, s.se, s.df, confidence, alternative)
    return Estimate(
        estimate=s.mean,
        low=low,
        high=high,
        confidence=confidence,
        method="t" if s.n_clusters is None else "clustered t (CR1)",
        n=s.n,
        se=None if math.isinf(s.se) else s.se,
        n_clusters=s.n_clusters,
        notes=s.notes,
    )
