"""Sample-ratio mismatch: are the arms the size the randomisation promised?"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from assay._util import check_probability
from assay.errors import DataError, ParameterError
from assay.stats._special import special
from assay.stats.experiments._types import SampleRatioResult

__all__ = ["sample_ratio_test"]


def sample_ratio_test(
    counts: Sequence[int],
    planned: Sequence[float] | None = None,
    *,
    arms: Sequence[str] | None = None,
    threshold: float = 0.001,
) -> SampleRatioResult:
    """Pearson χ² goodness-of-fit of the observed arm sizes against the planned split.

    A p-value below ``threshold`` (default 0.001, strict because the check runs on every
    experiment and a mismatch voids the readout) means units were lost or added unevenly: the
    arms are no longer comparable and the readout must not be trusted. ``planned`` holds
    the planned shares (any positive weights, normalised; default an equal split).
    """
    fn = "sample_ratio_test"
    thr = check_probability(threshold, "threshold", fn)
    obs = np.asarray(counts, dtype=np.float64)
    if obs.ndim != 1 or obs.size < 2:
        raise ParameterError("counts", fn, "a sequence of at least 2 arm sizes", counts)
    names = tuple(arms) if arms is not None else tuple(f"arm {i}" for i in range(obs.size))
    if len(names) != obs.size:
        raise ParameterError("arms", fn, f"{obs.size} names, one per count", arms)
    bad = np.flatnonzero(~np.isfinite(obs) | (obs < 0) | (obs != np.round(obs)))
    if bad.size:
        i = int(bad[0])
        raise DataError(
            f"{fn}: the size of arm {names[i]!r} is not a non-negative integer",
            row=i,
            column="n",
            expected="an integer >= 0",
            found=repr(counts[i]),
        )
    if obs.sum() == 0:
        raise DataError(f"{fn}: every arm is empty", column="n", expected="units", found="0")
    if planned is None:
        shares = np.full(obs.size, 1.0 / obs.size)
    else:
        w = np.asarray(planned, dtype=np.float64)
        if w.shape != obs.shape or not np.all(np.isfinite(w)) or np.any(w <= 0):
            raise ParameterError("planned", fn, f"{obs.size} positive shares", planned)
        shares = w / w.sum()
    expected = shares * obs.sum()
    statistic = float(np.sum((obs - expected) ** 2 / expected))
    df = obs.size - 1
    # scipy.stats.chi2.sf(statistic, df) is this function: the same bits, without importing
    # scipy.stats (about 0.6 s of an A/B readout's start)
    p = float(special.chdtrc(df, statistic))
    return SampleRatioResult(
        arms=names,
        observed=tuple(int(v) for v in obs),
        expected=tuple(float(v) for v in expected),
        planned=tuple(float(v) for v in shares),
        statistic=statistic,
        df=df,
        p_value=p,
        threshold=thr,
        mismatch=p < thr,
    )
