"""Power and planning for paired comparisons: how small an effect can n detect, how many
examples does an effect need.

Paired means (the paired t test) use the exact noncentral t distribution, counting both tails
for two-sided tests, as ``statsmodels.stats.power.TTestPower``. Paired 0/1 outcomes (McNemar's
test) use Connor's (1987) normal approximation,

    n = (z_a * sqrt(psi) + z_b * sqrt(psi - delta^2))^2 / delta^2,

with psi = p_baseline_only + p_candidate_only (the discordance) and delta their difference
(R. J. Connor, "Sample size for testing differences in proportions for the paired-sample
design", Biometrics 43:207-211, 1987). It targets the asymptotic McNemar test; the exact test
chosen for few discordant pairs is conservative and has slightly less power.

Clustered designs enter through a design effect: n examples carry the information of
n / design_effect independent ones (design_effect = 1 + (m - 1) * ICC for clusters of size m).
For the t test, ``n_clusters`` (or ``cluster_size``) also sets the degrees of freedom to G - 1,
as in the clustered test.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any, Literal

from assay._util import check_choice, check_int, check_number
from assay.errors import ParameterError
from assay.stats._checks import check_probability
from assay.stats._clustered import z_quantile
from assay.stats._scipy import special, stats

__all__ = [
    "mcnemar_mde",
    "mcnemar_power",
    "mcnemar_sample_size",
    "minimum_detectable_effect",
    "paired_t_power",
    "required_sample_size",
]

PowerAlternative = Literal["two-sided", "one-sided"]


def _positive(value: Any, parameter: str, function: str) -> float:
    return check_number(value, parameter, function, low=0.0, low_open=True)


def _two_sided(alternative: Any, function: str) -> bool:
    chosen = check_choice(alternative, "alternative", function, ("two-sided", "one-sided"))
    return bool(chosen == "two-sided")


def _alpha_power(alpha: Any, power: Any, function: str) -> tuple[float, float]:
    a = check_probability(alpha, "alpha", function)
    p = check_probability(power, "power", function)
    if p <= a:
        raise ParameterError("power", function, f"a float in (alpha={a}, 1)", power)
    return a, p


def _design_effect(value: Any, function: str) -> float:
    return 1.0 if value is None else _positive(value, "design_effect", function)


def _nct_sf(x: float, df: float, nc: float) -> float:
    """``scipy.stats.nct.sf``: the same special function, without importing ``scipy.stats``."""
    try:
        sf = special._nct_sf
    except AttributeError:  # a SciPy that moved it: the public (slower to import) route
        return float(stats.nct.sf(x, df, nc))
    return float(min(max(float(sf(x, df, nc)), 0.0), 1.0))


def _t_power(effect: float, sd: float, n_eff: float, df: float, alpha: float, two: bool) -> float:
    # the special functions behind scipy.stats.t.ppf and nct.sf: importing
    # scipy.stats for them would cost more than a whole comparison
    nc = effect * math.sqrt(n_eff) / sd
    if two:
        crit = float(special.stdtrit(df, 1.0 - alpha / 2.0))
        # P(T < -crit) as P(-T > crit), -T being noncentral t with -nc: the same value where
        # scipy's nct.cdf is finite, and no NaN where it is not (large nc, few df)
        return _nct_sf(crit, df, nc) + _nct_sf(crit, df, -nc)
    return _nct_sf(float(special.stdtrit(df, 1.0 - alpha)), df, nc)


def paired_t_power(
    n: int,
    effect: float,
    sd_of_differences: float,
    *,
    alpha: float = 0.05,
    alternative: PowerAlternative = "two-sided",
    n_clusters: int | None = None,
    design_effect: float | None = None,
) -> float:
    """Power of the paired t test to detect a mean difference ``effect`` (a positive magnitude).

    ``sd_of_differences`` is the standard deviation of per-example differences; n examples
    count as n / ``design_effect``; degrees of freedom are ``n_clusters`` - 1 when given,
    else n - 1.
    """
    function = "paired_t_power"
    units = check_int(n, "n", function, minimum=2)
    a = check_probability(alpha, "alpha", function)
    two = _two_sided(alternative, function)
    delta = _positive(effect, "effect", function)
    sd = _positive(sd_of_differences, "sd_of_differences", function)
    deff = _design_effect(design_effect, function)
    df = units - 1
    if n_clusters is not None:
        df = check_int(n_clusters, "n_clusters", function, minimum=2) - 1
    return _t_power(delta, sd, units / deff, df, a, two)


def minimum_detectable_effect(
    n: int,
    sd_of_differences: float,
    *,
    alpha: float = 0.05,
    power: float = 0.8,
    alternative: PowerAlternative = "two-sided",
    n_clusters: int | None = None,
    design_effect: float | None = None,
) -> float:
    """Smallest mean difference the paired t test detects with the given power from n examples.

    In the units of the score (``sd_of_differences`` carries the scale). Use it after an inconclusive comparison to say what the data could and could not have
    seen. Fewer than two examples (or clusters) cannot detect anything: ``inf`` is returned.
    """
    function = "minimum_detectable_effect"
    units = check_int(n, "n", function, minimum=0)
    a, target = _alpha_power(alpha, power, function)
    two = _two_sided(alternative, function)
    sd = _positive(sd_of_differences, "sd_of_differences", function)
    deff = _design_effect(design_effect, function)
    groups = None
    if n_clusters is not None:
        groups = check_int(n_clusters, "n_clusters", function, minimum=0)
        if groups > units:
            raise ParameterError("n_clusters", function, f"at most n={units}", n_clusters)
    df = (units if groups is None else groups) - 1
    if df < 1:
        return math.inf
    n_eff = units / deff

    def shortfall(delta: float) -> float:
        return _t_power(delta, sd, n_eff, df, a, two) - target

    z_a = z_quantile(1.0 - a / 2.0 if two else 1.0 - a)
    high = 2.0 * (z_a + z_quantile(target)) * sd / math.sqrt(n_eff) + 1e-12
    while shortfall(high) < 0.0:
        high *= 2.0
    return bracketed_root(shortfall, 0.0, high, xtol=1e-14, rtol=1e-12)


def bracketed_root(
    f: Callable[[float], float], a: float, b: float, *, xtol: float, rtol: float
) -> float:
    """A root of ``f`` in ``[a, b]`` (``f(a)`` and ``f(b)`` of opposite signs), to within
    ``xtol + rtol * |root|``: secant steps damped as Anderson and Björck do, and a bisection
    whenever a step did not halve the bracket, so it always converges.

    As ``scipy.optimize.brentq`` to the same tolerance, without importing ``scipy.optimize``
    (half a second or more) for the one root a comparison needs.
    """
    fa, fb = f(a), f(b)
    if fa == 0.0:
        return a
    halve = False
    for _ in range(400):
        if fb == 0.0:
            return b
        width = abs(b - a)
        x = 0.5 * (a + b) if halve else b - fb * (b - a) / (fb - fa)
        if not min(a, b) < x < max(a, b):  # rounding left the bracket: halve it
            x = 0.5 * (a + b)
        fx = f(x)
        if math.isnan(fx):
            raise ValueError(f"the function is NaN at {x}: no root can be bracketed")
        if (fx > 0.0) == (fb > 0.0):  # same side as b: keep a, damp it (Anderson-Björck)
            m = 1.0 - fx / fb
            fa *= m if m > 0.0 else 0.5
        else:
            a, fa = b, fb
        b, fb = x, fx
        if abs(b - a) < xtol + rtol * abs(b):
            break
        halve = abs(b - a) > 0.5 * width
    return b


def required_sample_size(
    effect: float,
    sd_of_differences: float,
    *,
    alpha: float = 0.05,
    power: float = 0.8,
    alternative: PowerAlternative = "two-sided",
    design_effect: float | None = None,
    cluster_size: float | None = None,
) -> int:
    """Smallest number of examples for which the paired t test reaches ``power`` at ``effect``.

    The inverse of :func:`minimum_detectable_effect`. With ``design_effect`` the examples count
    as n / design_effect; with ``cluster_size`` the test has ceil(n / cluster_size) - 1 degrees
    of freedom (the clustered t test's), so a design of few large clusters needs more.
    """
    function = "required_sample_size"
    a, target = _alpha_power(alpha, power, function)
    two = _two_sided(alternative, function)
    delta = _positive(effect, "effect", function)
    sd = _positive(sd_of_differences, "sd_of_differences", function)
    deff = _design_effect(design_effect, function)
    size = None if cluster_size is None else _positive(cluster_size, "cluster_size", function)

    def enough(n: int) -> bool:
        df = n - 1 if size is None else math.ceil(n / size) - 1
        return df >= 1 and _t_power(delta, sd, n / deff, df, a, two) >= target

    z_a = z_quantile(1.0 - a / 2.0 if two else 1.0 - a)
    guess = max(2, math.ceil(deff * ((z_a + z_quantile(target)) * sd / delta) ** 2))
    low, high = 1, guess
    while not enough(high):
        low, high = high, high * 2
    # Power grows with n, so bisect on the integers between a failing and a passing size.
    while high - low > 1:
        mid = (low + high) // 2
        if enough(mid):
            high = mid
        else:
            low = mid
    return high


def _discordant_pair(
    p_baseline_only: Any, p_candidate_only: Any, function: str
) -> tuple[float, float]:
    values = []
    for name, v in (("p_baseline_only", p_baseline_only), ("p_candidate_only", p_candidate_only)):
        values.append(check_number(v, name, function, low=0.0, high=1.0))
    psi, delta = values[0] + values[1], values[1] - values[0]
    if psi > 1.0:
        raise ParameterError(
            "p_candidate_only",
            function,
            f"at most 1 - p_baseline_only = {1 - values[0]}",
            p_candidate_only,
        )
    if delta == 0.0:
        raise ParameterError(
            "p_candidate_only",
            function,
            "different from p_baseline_only (a non-zero effect)",
            p_candidate_only,
        )
    return psi, abs(delta)


def mcnemar_power(
    n: int,
    p_baseline_only: float,
    p_candidate_only: float,
    *,
    alpha: float = 0.05,
    alternative: PowerAlternative = "two-sided",
    design_effect: float | None = None,
) -> float:
    """Power of McNemar's test with n pairs (Connor 1987; the far tail is ignored).

    ``p_baseline_only``: probability that only the baseline succeeds on an example;
    ``p_candidate_only``: that only the candidate does.
    """
    function = "mcnemar_power"
    units = check_int(n, "n", function)
    a = check_probability(alpha, "alpha", function)
    two = _two_sided(alternative, function)
    psi, delta = _discordant_pair(p_baseline_only, p_candidate_only, function)
    n_eff = units / _design_effect(design_effect, function)
    z_a = z_quantile(1.0 - a / 2.0 if two else 1.0 - a)
    excess = delta * math.sqrt(n_eff) - z_a * math.sqrt(psi)
    spread = math.sqrt(max(psi - delta * delta, 0.0))
    if spread == 0.0:
        return 1.0 if excess > 0.0 else 0.0
    return float(special.ndtr(excess / spread))


def mcnemar_sample_size(
    p_baseline_only: float,
    p_candidate_only: float,
    *,
    alpha: float = 0.05,
    power: float = 0.8,
    alternative: PowerAlternative = "two-sided",
    design_effect: float | None = None,
) -> int:
    """Number of pairs McNemar's test needs (Connor 1987), times the design effect, rounded up.

    Example: p_baseline_only = 0.05, p_candidate_only = 0.45, two-sided alpha 0.05, power 0.8
    gives 23 pairs.
    """
    function = "mcnemar_sample_size"
    a, target = _alpha_power(alpha, power, function)
    two = _two_sided(alternative, function)
    psi, delta = _discordant_pair(p_baseline_only, p_candidate_only, function)
    deff = _design_effect(design_effect, function)
    z_a = z_quantile(1.0 - a / 2.0 if two else 1.0 - a)
    root = z_a * math.sqrt(psi) + z_quantile(target) * math.sqrt(psi - delta * delta)
    n = deff * (root / delta) ** 2
    # Guard against a size that is an integer up to rounding being pushed one up.
    return max(1, math.ceil(n * (1.0 - 1e-12)))


def mcnemar_mde(
    n: int,
    discordance: float,
    *,
    alpha: float = 0.05,
    power: float = 0.8,
    alternative: PowerAlternative = "two-sided",
    design_effect: float | None = None,
) -> float:
    """Smallest |p_candidate - p_baseline| McNemar's test detects from n pairs (Connor 1987).

    ``discordance`` is the expected share of examples on which the two runs disagree
    (p_baseline_only + p_candidate_only). Solves Connor's formula for the difference in
    closed form; returns ``inf`` when no difference within the discordance is detectable.
    """
    function = "mcnemar_mde"
    units = check_int(n, "n", function)
    a, target = _alpha_power(alpha, power, function)
    two = _two_sided(alternative, function)
    psi = float(discordance) if isinstance(discordance, (int, float)) else math.nan
    if isinstance(discordance, bool) or not 0.0 < psi <= 1.0:
        raise ParameterError("discordance", function, "a probability in (0, 1]", discordance)
    n_eff = units / _design_effect(design_effect, function)
    za = z_quantile(1.0 - a / 2.0 if two else 1.0 - a) * math.sqrt(psi)
    zb = z_quantile(target)
    # delta * sqrt(n) - za = zb * sqrt(psi - delta^2), squared and solved for delta.
    disc = psi * (n_eff + zb * zb) - za * za
    if disc < 0.0:
        return math.inf
    delta = (za * math.sqrt(n_eff) + zb * math.sqrt(disc)) / (n_eff + zb * zb)
    return math.inf if delta > psi else float(delta)
