"""Agreement between raters (judge and human, or several humans), with intervals.

Cohen's κ compares two raters who labelled the same items; its interval uses the large-sample
standard error of Fleiss, Cohen & Everitt (1969, *Psychological Bulletin* 72), which also covers
weighted κ. Krippendorff's α takes any number of raters, tolerates missing ratings and has
nominal, ordinal and interval distance metrics (Krippendorff 2011, "Computing Krippendorff's
Alpha-Reliability"); its interval is a percentile bootstrap over units.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from assay._util import check_int
from assay.errors import DataError, ParameterError
from assay.stats._checks import check_confidence, check_rng
from assay.stats._results import Estimate
from assay.stats._scipy import special

__all__ = ["AgreementResult", "cohens_kappa", "krippendorff_alpha"]

_FloatArray = npt.NDArray[np.float64]

_KAPPA_METHOD = "fleiss-cohen-everitt large-sample normal"

# Resample weights are built in blocks of at most this many cells (resamples × units).
_BLOCK_CELLS = 1 << 21


@dataclass(frozen=True)
class AgreementResult:
    """A chance-corrected agreement coefficient, 1 − observed / expected disagreement."""

    estimate: Estimate
    """The coefficient with its interval (``nan`` when expected disagreement is zero)."""
    statistic: str
    """``"cohen's kappa"`` or ``"krippendorff's alpha"``."""
    metric: str
    """How disagreement is measured: ``"nominal"``, ``"linear"``, ``"quadratic"``,
    ``"ordinal"`` or ``"interval"``."""
    observed_disagreement: float
    """Disagreement observed between raters on the same item."""
    expected_disagreement: float
    """Disagreement expected by chance from the pooled ratings."""
    n_raters: int
    """Number of raters (columns)."""
    n_values: int
    """Number of ratings that entered the coefficient (pairable values)."""
    categories: tuple[Any, ...] | None = None
    """The ordered categories, for categorical metrics."""


def cohens_kappa(
    a: Any,
    b: Any,
    *,
    weights: Literal["linear", "quadratic"] | None = None,
    confidence: float = 0.95,
    categories: Sequence[Any] | None = None,
) -> AgreementResult:
    """Cohen's κ between two raters of the same items, with a large-sample interval.

    Use it for judge–human agreement on a categorical label (pass/fail, a 1–5 rating). Weighted
    κ credits near misses on an ordered scale: agreement weights ``1 − |i − j| / (K − 1)``
    (linear) or ``1 − (i − j)² / (K − 1)²`` (quadratic), where ``i, j`` are positions in
    ``categories`` (as scikit-learn and statsmodels do; the values themselves are not used).

    The interval is κ ± z·SE with the Fleiss–Cohen–Everitt (1969) large-sample standard error,
    clipped to [−1, 1]; no resampling. It assumes independent items and enough of them that κ is
    roughly normal (a few hundred for a 95% interval near nominal; fewer when κ is far from ±1).

    Args:
        a, b: the two raters' labels, one per item (numbers or strings, same length).
        weights: ``None`` (unweighted), ``"linear"`` or ``"quadratic"``.
        confidence: confidence level of the interval.
        categories: the ordered set of labels; by default the sorted labels seen. Needed for
            weighted κ when a category on the scale was never used.

    Returns ``nan`` (with a note) when chance agreement is 1, i.e. every label is one category;
    a single item gives the interval [−1, 1] (with a note).

    Raises:
        DataError: no items, lengths that differ, a missing label (NaN or None, the message
            names its index), or a label outside ``categories``.
        ParameterError: bad ``weights`` or ``confidence``.
    """
    function = "cohens_kappa"
    conf = check_confidence(confidence, function)
    if weights not in (None, "linear", "quadratic"):
        raise ParameterError("weights", function, "None, 'linear' or 'quadratic'", weights)
    la = _labels(a, "a", function)
    lb = _labels(b, "b", function)
    if la.size != lb.size:
        raise DataError(
            f"{function}: both raters must label the same items",
            expected=f"{la.size} labels in b",
            found=str(lb.size),
        )
    if la.size == 0:
        raise DataError(f"{function}: no rated items", expected="1 or more items", found="0")
    cats, codes = _codes(np.concatenate([la, lb]), categories, function)
    k, n = len(cats), la.size
    table = np.bincount(codes[:n] * k + codes[n:], minlength=k * k).reshape(k, k)
    p = table / n
    idx = np.arange(k, dtype=np.float64)
    span = max(k - 1, 1)
    if weights == "linear":
        w = 1.0 - np.abs(idx[:, None] - idx[None, :]) / span
    elif weights == "quadratic":
        w = 1.0 - (idx[:, None] - idx[None, :]) ** 2 / span**2
    else:
        w = np.eye(k)
    row, col = p.sum(axis=1), p.sum(axis=0)
    p_o = float((w * p).sum())
    p_e = float(row @ w @ col)
    metric = weights or "nominal"
    notes: list[str] = []
    if 1.0 - p_e <= 1e-12:
        notes.append("undefined: chance agreement is 1 (every label is one category)")
        est = Estimate(math.nan, math.nan, math.nan, conf, _KAPPA_METHOD, n, notes=tuple(notes))
        return AgreementResult(est, "cohen's kappa", metric, 1.0 - p_o, 1.0 - p_e, 2, 2 * n, cats)
    kappa = (p_o - p_e) / (1.0 - p_e)
    # Fleiss, Cohen & Everitt (1969) large-sample variance, in agreement-weight form.
    w_row = w @ col
    w_col = row @ w
    dev = w * (1.0 - p_e) - (w_row[:, None] + w_col[None, :]) * (1.0 - p_o)
    spread = float((p * dev**2).sum())
    centre = (p_o * p_e - 2.0 * p_e + p_o) ** 2
    # The two terms cancel exactly when kappa cannot vary (one rater uses one category);
    # without the tolerance the square root would turn rounding noise into a positive SE.
    var = max(spread - centre, 0.0) if spread - centre > 1e-12 * spread else 0.0
    se = math.sqrt(var / (n * (1.0 - p_e) ** 4)) if n >= 2 else math.inf
    if n < 2:
        notes.append("one item: the standard error is unknown, the interval is kappa's range")
    elif se == 0.0:
        notes.append("large-sample standard error is 0: the interval has no width")
    z = float(special.ndtri(0.5 + conf / 2.0))
    half = z * se if se > 0.0 else 0.0
    low, high = kappa - half, kappa + half
    floor = min(-1.0, kappa)
    if n >= 2 and (low < floor or high > 1.0):
        notes.append("interval clipped to the range of kappa")
    est = Estimate(
        estimate=kappa,
        low=max(low, floor),
        high=min(high, 1.0),
        confidence=conf,
        method=_KAPPA_METHOD,
        n=n,
        se=None if math.isinf(se) else se,
        notes=tuple(notes),
    )
    return AgreementResult(est, "cohen's kappa", metric, 1.0 - p_o, 1.0 - p_e, 2, 2 * n, cats)


def krippendorff_alpha(
    ratings: Any,
    *,
    level: Literal["nominal", "ordinal", "interval"] = "nominal",
    confidence: float = 0.95,
    resamples: int = 2000,
    rng: int | np.random.Generator = 0,
) -> AgreementResult:
    """Krippendorff's α for a units × raters matrix of numeric ratings, NaN meaning "not rated".

    Use it when there are more than two raters, when some items were not rated by everyone, or
    when ratings are on an interval scale. NaN is allowed here (and only here) because a
    missing rating is part of the design; infinities are refused. Units rated by fewer than two
    raters carry no information about agreement and are dropped (``n`` counts the rest).

    ``level`` chooses the squared distance between two values: ``"nominal"`` (0 if equal, else
    1), ``"ordinal"`` (Krippendorff's rank metric: the pooled ratings between the two values;
    meant for rating scales with a few dozen categories at most) or ``"interval"`` (squared
    difference of the values).

    The interval is a BCa bootstrap over units (units resampled with replacement; α recomputed
    from resampled sufficient statistics; bias correction and jackknife acceleration with
    scipy's semantics). It assumes independent units, numerous enough (some tens at least) for
    the bootstrap; raters are held fixed. Resamples in which α is undefined (a single value
    drawn) are left out and counted in the notes.

    Returns ``nan`` (with a note) when expected disagreement is zero: every rating is one value.

    Raises:
        DataError: an empty matrix, an infinite rating (the message names unit and rater), or
            no unit rated by two or more raters. One such unit gives an unbounded interval.
        ParameterError: bad ``level``, ``confidence``, ``resamples`` or ``rng``.
    """
    function = "krippendorff_alpha"
    conf = check_confidence(confidence, function)
    if level not in ("nominal", "ordinal", "interval"):
        raise ParameterError("level", function, "'nominal', 'ordinal' or 'interval'", level)
    b_total = check_int(resamples, "resamples", function)
    gen, seed = check_rng(rng, function)
    x = _ratings(ratings, function)
    n_raters = x.shape[1]
    rated = ~np.isnan(x)
    pairable = rated.sum(axis=1) >= 2
    n_units = int(pairable.sum())
    if n_units == 0:
        raise DataError(
            f"{function}: no unit was rated by two or more raters",
            expected="1 or more pairable units",
            found="0",
        )
    stats = _UnitStats.build(x[pairable], rated[pairable], level)
    total = stats.per_unit.sum(axis=0)
    alpha0, d_o, d_e = (float(v[0]) for v in stats.alpha(total[None, :]))
    n_values = int(total[0])
    cats = tuple(float(v) for v in stats.values) if stats.values is not None else None
    notes: list[str] = []
    if n_units < x.shape[0]:
        notes.append(f"{x.shape[0] - n_units} units rated by fewer than 2 raters dropped")
    method = "bca bootstrap over units"
    if not math.isfinite(alpha0):
        notes.append("undefined: expected disagreement is 0 (every rating is one value)")
        est = Estimate(math.nan, math.nan, math.nan, conf, method, n_units, notes=tuple(notes))
        return AgreementResult(
            est, "krippendorff's alpha", level, d_o, 0.0, n_raters, n_values, cats
        )
    if n_units == 1:
        notes.append("one pairable unit: nothing to resample, the interval is unbounded")
        est = Estimate(alpha0, -math.inf, math.inf, conf, method, 1, notes=tuple(notes))
        return AgreementResult(
            est, "krippendorff's alpha", level, d_o, d_e, n_raters, n_values, cats
        )
    boot = np.concatenate(
        [
            stats.alpha(w.astype(np.float64) @ stats.per_unit)[0]
            for w in _resample_weights(gen, n_units, b_total)
        ]
    )
    jack = stats.alpha(total[None, :] - stats.per_unit)[0]
    low, high, se = _bca(alpha0, boot, jack, conf, notes)
    est = Estimate(
        estimate=alpha0,
        low=low,
        high=high,
        confidence=conf,
        method=method,
        n=n_units,
        se=se,
        resamples=b_total,
        seed=seed,
        notes=tuple(notes),
    )
    return AgreementResult(est, "krippendorff's alpha", level, d_o, d_e, n_raters, n_values, cats)


def _bca(
    theta: float, boot: _FloatArray, jack: _FloatArray, conf: float, notes: list[str]
) -> tuple[float, float, float]:
    """BCa interval (Efron & Tibshirani 1993, 14.3) with scipy.stats.bootstrap's conventions."""
    undefined = int(np.isnan(boot).sum())
    if undefined:
        notes.append(f"{undefined} of {boot.size} resamples had alpha undefined and were left out")
    boot = boot[~np.isnan(boot)]
    if boot.size < 2:
        return math.nan, math.nan, math.nan
    se = float(boot.std(ddof=1))
    # Mid-rank share of resamples below the estimate ("mean" percentile of score).
    share = (np.count_nonzero(boot < theta) + np.count_nonzero(boot <= theta)) / (2.0 * boot.size)
    z0 = float(special.ndtri(share))
    jack = jack[~np.isnan(jack)]
    dev = jack.mean() - jack if jack.size else jack
    den = float((dev**2).sum())
    accel = float((dev**3).sum()) / (6.0 * den**1.5) if den > 0.0 else 0.0
    tail = (1.0 - conf) / 2.0
    if not math.isfinite(z0):
        notes.append("every resample fell on one side of the estimate: percentile interval used")
        probs = np.array([tail, 1.0 - tail])
    else:
        z = special.ndtri(np.array([tail, 1.0 - tail]))
        probs = special.ndtr(z0 + (z0 + z) / (1.0 - accel * (z0 + z)))
    low, high = (float(v) for v in np.percentile(boot, 100.0 * probs))
    return low, high, se


@dataclass(frozen=True)
class _UnitStats:
    """Per-unit statistics, one row per unit, whose weighted sums determine α.

    Everything α needs is linear in the units (counts, pair sums, coincidences), so a bootstrap
    resample is a weighted sum of rows and a jackknife replicate is the total minus one row.
    Column 0 always counts the unit's ratings.
    """

    level: str
    per_unit: _FloatArray
    values: _FloatArray | None  # the categories (nominal, ordinal)

    @classmethod
    def build(cls, x: _FloatArray, rated: npt.NDArray[np.bool_], level: str) -> _UnitStats:
        m = rated.sum(axis=1).astype(np.float64)
        pair_w = 1.0 / (m - 1.0)
        if level == "interval":
            # Distances are shift-invariant; centring keeps n·Q − S² free of cancellation.
            centred = np.where(rated, x - x[rated].mean(), 0.0)
            s, q = centred.sum(axis=1), (centred**2).sum(axis=1)
            within = pair_w * 2.0 * (m * q - s**2)
            return cls(level, np.column_stack([m, within, s, q]), None)
        values, codes = np.unique(x[rated], return_inverse=True)
        v = values.size
        unit = np.nonzero(rated)[0]
        c = np.bincount(unit * v + codes, minlength=m.size * v).reshape(m.size, v).astype(float)
        if level == "nominal":
            same = pair_w * ((c**2).sum(axis=1) - m)
            return cls(level, np.column_stack([m, same, c]), values)
        pairs = (pair_w[:, None, None] * c[:, :, None] * c[:, None, :]).reshape(m.size, v * v)
        return cls(level, np.column_stack([m, c, (pair_w * m)[:, None] * c, pairs]), values)

    def alpha(self, t: _FloatArray) -> tuple[_FloatArray, _FloatArray, _FloatArray]:
        """α, observed and expected disagreement for each row of summed unit statistics."""
        n = t[:, 0]
        if self.level == "nominal":
            nc = t[:, 2:]
            obs = n - t[:, 1]
            exp = n**2 - (nc**2).sum(axis=1)
            size = n**2
        elif self.level == "interval":
            obs = t[:, 1]
            exp = 2.0 * (n * t[:, 3] - t[:, 2] ** 2)
            size = 2.0 * n * t[:, 3]
        else:
            v = self._n_values()
            nc = t[:, 1 : 1 + v]
            own = t[:, 1 + v : 1 + 2 * v]
            pairs = t[:, 1 + 2 * v :].reshape(-1, v, v)
            # Krippendorff's ordinal distance is the squared gap between mid-ranks of the pooled
            # ratings, so the interval formulas apply to the ranks (recomputed per resample).
            r = np.cumsum(nc, axis=1) - nc / 2.0
            obs = 2.0 * ((own * r**2).sum(axis=1) - np.einsum("bi,bij,bj->b", r, pairs, r))
            big_s, big_q = (nc * r).sum(axis=1), (nc * r**2).sum(axis=1)
            exp = 2.0 * (n * big_q - big_s**2)
            size = 2.0 * n * big_q
        # Zero expected disagreement (one value only) up to rounding: alpha is undefined.
        defined = exp > 1e-12 * size
        safe = np.where(defined, exp, 1.0)
        alpha = np.where(defined, 1.0 - (n - 1.0) * obs / safe, np.nan)
        return alpha, obs / n, exp / (n * (n - 1.0))

    def _n_values(self) -> int:
        assert self.values is not None
        return int(self.values.size)


def _resample_weights(
    gen: np.random.Generator, units: int, total: int
) -> list[npt.NDArray[np.int64]]:
    """Blocks of bootstrap weights: how often each unit is drawn, one row per resample."""
    per_block = max(1, _BLOCK_CELLS // units)
    blocks: list[npt.NDArray[np.int64]] = []
    done = 0
    while done < total:
        b = min(per_block, total - done)
        # int32 indices halve the memory traffic; a block never exceeds 2**21 cells.
        idx = gen.integers(0, units, size=(b, units), dtype=np.int32)
        idx += (units * np.arange(b, dtype=np.int32))[:, None]
        blocks.append(np.bincount(idx.ravel(), minlength=b * units).reshape(b, units))
        done += b
    return blocks


def _labels(values: Any, name: str, function: str) -> npt.NDArray[Any]:
    arr = np.asarray(values)
    if arr.ndim != 1:
        raise ParameterError(name, function, "a 1-dimensional array", f"shape {arr.shape}")
    if arr.dtype.kind in "fc":
        bad = ~np.isfinite(arr)
    elif arr.dtype.kind == "O":
        bad = np.array(
            [v is None or (isinstance(v, float) and math.isnan(v)) for v in arr.tolist()], bool
        )
    elif arr.dtype.kind in "iubUS":
        bad = np.zeros(arr.size, dtype=bool)
    else:
        raise DataError(
            f"{function}: {name} must hold labels",
            expected="numbers or strings",
            found=str(arr.dtype),
        )
    if bad.any():
        i = int(np.argmax(bad))
        raise DataError(
            f"{function}: {name}[{i}] is missing", row=i, expected="a label", found=repr(arr[i])
        )
    return arr


def _codes(
    labels: npt.NDArray[Any], categories: Sequence[Any] | None, function: str
) -> tuple[tuple[Any, ...], npt.NDArray[np.intp]]:
    """Map labels to positions in the ordered categories."""
    try:
        seen, inverse = np.unique(labels, return_inverse=True)
    except TypeError as exc:
        raise DataError(
            f"{function}: labels of different kinds cannot be ordered",
            expected="labels of one kind",
            found="a mix",
        ) from exc
    if categories is None:
        return tuple(v.item() if hasattr(v, "item") else v for v in seen), inverse
    cats = tuple(categories)
    position = {c: i for i, c in enumerate(cats)}
    if len(position) != len(cats):
        raise ParameterError("categories", function, "distinct labels", categories)
    keys = [v.item() if hasattr(v, "item") else v for v in seen]
    unknown = np.array([key not in position for key in keys], dtype=bool)
    if unknown.any():
        i = int(np.argmax(unknown[inverse]))
        n = labels.size // 2
        name, row = ("a", i) if i < n else ("b", i - n)
        raise DataError(
            f"{function}: {name}[{row}] is not one of the categories",
            row=row,
            expected=f"one of {list(cats)!r}",
            found=repr(labels[i]),
        )
    where = np.array([position[key] for key in keys], dtype=np.intp)
    return cats, where[inverse]


def _ratings(ratings: Any, function: str) -> _FloatArray:
    try:
        x = np.asarray(ratings, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise DataError(
            f"{function}: ratings must be numeric (NaN for not rated)",
            expected="numbers",
            found=type(ratings).__name__,
        ) from exc
    if x.ndim != 2:
        raise ParameterError("ratings", function, "a units × raters matrix", f"shape {x.shape}")
    if x.size == 0:
        raise DataError(
            f"{function}: no ratings", expected="a non-empty matrix", found=f"shape {x.shape}"
        )
    bad = np.isinf(x)
    if bad.any():
        u, r = (int(i) for i in np.argwhere(bad)[0])
        raise DataError(
            f"{function}: ratings[{u}, {r}] is infinite",
            row=u,
            column=str(r),
            expected="a finite number or NaN (not rated)",
            found=str(x[u, r]),
        )
    return x
