"""The exact conditional interval of a difference of paired proportions.

With few discordant pairs McNemar's exact test conditions on them: given m = b + c pairs
where the runs disagree, the candidate's share c ~ Binomial(m, theta), and the difference
of the two proportions is ``psi * (2 * theta - 1)``, psi being the share of discordant
pairs. A Wald or score interval of the difference does not condition the same way, so it
can cover 0 while the exact test rejects (or the reverse).

This interval is built from the same conditional binomial: the Clopper–Pearson interval
[t_lo, t_hi] of theta at the requested confidence gives the sign of each bound, so it
excludes 0 exactly when the exact two-sided test (doubled smaller tail) has p < alpha; the
Clopper–Pearson interval [s_lo, s_hi] of psi (m out of n) scales it:

    low  = (2 t_lo - 1) * (s_hi if t_lo < 1/2 else s_lo)
    high = (2 t_hi - 1) * (s_hi if t_hi > 1/2 else s_lo)

Scaling by the observed m/n alone would ignore the uncertainty of psi and under-cover badly
when theta is far from 1/2 (about 50 % coverage at theta = 1); taking the widest scale on
each side keeps the coverage at or above the nominal level (checked by simulation in the
tests), at the price of some width. Used only below
:data:`~assay.stats.MCNEMAR_EXACT_BELOW` discordant pairs, where the exact test is.
"""

from __future__ import annotations

import math

from assay.stats._results import Alternative, Estimate
from assay.stats._scipy import special

__all__ = ["EXACT_CONDITIONAL", "clopper_pearson", "exact_conditional_difference"]

EXACT_CONDITIONAL = "exact conditional (Clopper-Pearson on the discordant pairs)"
"""The ``method`` of a paired difference whose interval agrees with McNemar's exact test."""


def clopper_pearson(successes: int, trials: int, level: float) -> tuple[float, float]:
    """Clopper–Pearson (exact binomial) two-sided interval at ``level`` for k of n."""
    tail = (1.0 - level) / 2.0
    k, n = successes, trials
    low = 0.0 if k == 0 else float(special.betaincinv(k, n - k + 1, tail))
    high = 1.0 if k == n else float(special.betaincinv(k + 1, n - k, 1.0 - tail))
    return low, high


def exact_conditional_difference(
    baseline_only: int, candidate_only: int, n: int, conf: float, alt: Alternative
) -> Estimate:
    """Candidate minus baseline proportion with the exact conditional interval (module doc).

    One-sided alternatives use the matching bound of the (2·conf - 1) two-sided interval, as
    the one-sided exact test uses one tail. Needs at least one discordant pair.
    """
    m = baseline_only + candidate_only
    level = conf if alt == "two-sided" else 2.0 * conf - 1.0
    t_lo, t_hi = clopper_pearson(candidate_only, m, level)
    s_lo, s_hi = clopper_pearson(m, n, level)
    low = (2.0 * t_lo - 1.0) * (s_hi if t_lo < 0.5 else s_lo)
    high = (2.0 * t_hi - 1.0) * (s_hi if t_hi > 0.5 else s_lo)
    if alt == "greater":
        high = 1.0
    elif alt == "less":
        low = -1.0
    est = (candidate_only - baseline_only) / n
    return Estimate(
        estimate=est,
        low=max(low, -1.0),
        high=min(high, 1.0),
        confidence=conf,
        method=EXACT_CONDITIONAL,
        n=n,
        se=math.sqrt(max(m / n - est * est, 0.0) / n),
    )
