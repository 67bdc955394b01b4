"""Quantile metrics (median, p90 latency, ...) of an A/B test from unit-level values."""

from __future__ import annotations

import math
from statistics import NormalDist
from typing import Any

import numpy as np
import numpy.typing as npt

from assay._util import check_choice, check_probability
from assay.stats._checks import as_float_array
from assay.stats._results import Alternative
from assay.stats.experiments._readout import finish_lift, inconclusive_lift
from assay.stats.experiments._types import LiftResult

__all__ = ["ab_quantile_lift", "quantile_with_se"]

_Z = NormalDist().inv_cdf(0.975)


def quantile_with_se(values: npt.NDArray[np.float64], q: float) -> tuple[float, float]:
    """Sample quantile (numpy's linear rule) and its order-statistic standard error.

    The distribution-free interval for the q-quantile runs between the order statistics of
    ranks ``n q ± z sqrt(n q (1 − q))`` (binomial counts below the quantile); half its width over
    z (z = 1.96) estimates the standard error without a density estimate.
    """
    n = values.size
    spread = _Z * math.sqrt(n * q * (1.0 - q))
    lo = min(max(math.floor(n * q - spread), 1), n)
    hi = min(max(math.ceil(n * q + spread), 1), n)
    part = np.partition(values, [lo - 1, hi - 1])
    se = float(part[hi - 1] - part[lo - 1]) / (2.0 * _Z)
    return float(np.quantile(values, q)), se


def ab_quantile_lift(
    control_values: Any,
    treatment_values: Any,
    *,
    q: float = 0.5,
    confidence: float = 0.95,
    alternative: Alternative = "two-sided",
    metric: str = "metric",
    control_name: str = "control",
    treatment_name: str = "treatment",
) -> LiftResult:
    """Difference (and relative difference) of a quantile between treatment and control.

    Needs unit-level values: a quantile has no sufficient statistics. Each arm's standard
    error comes from the order-statistic interval (Deng, Knoblich and Lu, 2018, "Applying the
    delta method in metric analytics"), the arms are independent, and the relative lift uses
    the delta method. Assumes a continuous metric near the quantile and a few hundred units per
    arm; with heavy ties at the quantile the standard error is unreliable (and zero when the
    interval is one tied value, which makes the result inconclusive). Fixed horizon only.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> res = ab_quantile_lift(rng.exponential(1.0, 2000), rng.exponential(1.1, 2000), q=0.5)
    >>> res.kind, res.status
    ('quantile', 'ok')
    """
    fn = "ab_quantile_lift"
    qq = check_probability(q, "q", fn)
    conf = check_probability(confidence, "confidence", fn)
    check_choice(alternative, "alternative", fn, ("two-sided", "greater", "less"))
    c = as_float_array(control_values, "control_values", fn)
    t = as_float_array(treatment_values, "treatment_values", fn)
    method = (
        f"difference in {qq:g}-quantiles; standard errors from the order-statistic interval "
        f"(Deng, Knoblich & Lu 2018); relative lift by the delta method; fixed horizon, "
        f"confidence={conf:g}"
    )
    for arr, name in ((c, control_name), (t, treatment_name)):
        if arr.size < 2:
            return inconclusive_lift(
                metric,
                "quantile",
                control_name,
                treatment_name,
                f"arm {name!r} has fewer than 2 units: no quantile interval is possible",
                confidence=conf,
                alternative=alternative,
                method=method,
                n_control=c.size,
                n_treatment=t.size,
            )
    qc, se_c = quantile_with_se(c, qq)
    qt, se_t = quantile_with_se(t, qq)
    notes: tuple[str, ...] = ()
    if min(c.size, t.size) < 100:
        notes = ("fewer than 100 units in an arm: the order-statistic standard error is rough",)
    return finish_lift(
        metric=metric,
        kind="quantile",
        control=control_name,
        treatment=treatment_name,
        values=(qc, se_c, qt, se_t),
        n=(c.size, t.size),
        confidence=conf,
        alternative=alternative,
        method=method,
        arm_method="order-statistic",
        notes=notes,
    )
