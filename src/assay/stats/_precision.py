"""Sample size for precision: how many examples make an estimate's interval narrow enough.

Power (:mod:`assay.stats._power`) asks how many examples a test needs to detect an effect;
precision asks how many an interval needs to be at most ``half_width`` either side of the
estimate, whatever the effect. For a mean with standard deviation sigma (a proportion p has
sigma = sqrt(p(1 - p))) the interval is estimate ± q * sigma * sqrt(design_effect / n):

* ``method="normal"``: q = z_(1 - alpha/2), so n = z^2 sigma^2 design_effect / h^2 in closed
  form (for a proportion, ``statsmodels.stats.proportion.samplesize_confint_proportion``);
* ``method="t"`` (default): q = t_(n - 1) quantile, the interval assay computes for a mean or a
  proportion of 30 or more examples; the smallest such n, found by search (a few more than the
  normal n when n is small).
"""

from __future__ import annotations

import math
from typing import Any, Literal

from assay._util import check_choice, check_int, check_number
from assay.errors import ParameterError
from assay.stats._checks import check_confidence
from assay.stats._clustered import t_quantile, z_quantile

__all__ = ["interval_half_width", "interval_sample_size"]

PrecisionMethod = Literal["t", "normal"]


def _sigma(proportion: Any, sd: Any, function: str) -> float:
    if proportion is not None and sd is not None:
        raise ParameterError("sd", function, "None when 'proportion' is given", sd)
    if sd is not None:
        return check_number(sd, "sd", function, low=0.0, low_open=True)
    p = 0.5 if proportion is None else check_number(proportion, "proportion", function)
    if not 0.0 < p < 1.0:
        raise ParameterError("proportion", function, "a float in (0, 1)", proportion)
    return math.sqrt(p * (1.0 - p))


def interval_sample_size(
    half_width: float,
    *,
    proportion: float | None = None,
    sd: float | None = None,
    confidence: float = 0.95,
    design_effect: float | None = None,
    method: PrecisionMethod = "t",
) -> int:
    """Smallest number of examples whose interval is at most ± ``half_width``.

    Give the planning ``proportion`` of a 0/1 metric (default 0.5, the widest interval, so the
    answer holds whatever the proportion turns out to be) or the ``sd`` of a metric's
    per-example scores; ``half_width`` is in the metric's units (0.05 = 5 points of a
    proportion). ``design_effect`` (1 + (m - 1) * ICC for clusters of m) multiplies the size.
    See the module docstring for the two methods.
    """
    function = "interval_sample_size"
    h = check_number(half_width, "half_width", function, low=0.0, low_open=True)
    sigma = _sigma(proportion, sd, function)
    conf = check_confidence(confidence, function)
    chosen = check_choice(method, "method", function, ("t", "normal"))
    deff = 1.0
    if design_effect is not None:
        deff = check_number(design_effect, "design_effect", function, low=1.0)
    tail = 1.0 - (1.0 - conf) / 2.0
    z = z_quantile(tail)
    normal = deff * (z * sigma / h) ** 2
    if normal > 1e12:
        raise ParameterError(
            "half_width", function, "a width reachable with at most 10^12 examples", half_width
        )
    # Guard against a size that is an integer up to rounding being pushed one up.
    n = max(1, math.ceil(normal * (1.0 - 1e-12)))
    if chosen == "normal":
        return n

    def narrow(size: int) -> bool:
        return size >= 2 and t_quantile(tail, size - 1) * sigma * math.sqrt(deff / size) <= h

    # t quantiles exceed z, so the t size is at least the normal one: step up by doubling,
    # then bisect between a size that is too wide and one that is narrow enough.
    low, high = max(n - 1, 1), max(n, 2)
    while not narrow(high):
        low, high = high, high * 2
    while high - low > 1:
        mid = (low + high) // 2
        if narrow(mid):
            high = mid
        else:
            low = mid
    return high


def interval_half_width(
    n: int,
    *,
    proportion: float | None = None,
    sd: float | None = None,
    confidence: float = 0.95,
    design_effect: float | None = None,
    method: PrecisionMethod = "t",
) -> float:
    """Half-width of the interval n examples give (the inverse of
    :func:`interval_sample_size`, same arguments); ``inf`` below two examples for ``"t"``
    and for n = 0."""
    function = "interval_half_width"
    units = check_int(n, "n", function, minimum=0)
    sigma = _sigma(proportion, sd, function)
    conf = check_confidence(confidence, function)
    chosen = check_choice(method, "method", function, ("t", "normal"))
    deff = 1.0
    if design_effect is not None:
        deff = check_number(design_effect, "design_effect", function, low=1.0)
    tail = 1.0 - (1.0 - conf) / 2.0
    if units == 0 or (chosen == "t" and units < 2):
        return math.inf
    q = z_quantile(tail) if chosen == "normal" else t_quantile(tail, units - 1)
    return q * sigma * math.sqrt(deff / units)
