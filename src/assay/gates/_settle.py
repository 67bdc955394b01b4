"""How many examples would settle an inconclusive rule.

The spread of the data is read back from the interval the comparison reported: with
``z = Φ⁻¹(1 − α/2)`` at the comparison's confidence, the standard error is
``SE = (high − low) / (2z)`` (half-width; for asymmetric intervals, their average) and the
per-example standard deviation ``SD = SE·√n``. When the units were clusters, SE already
carries the design effect, so SD is the effective one and the sizes count examples drawn in
clusters like the present ones.

* Paired 0/1 metrics tested with McNemar's test: the variance of per-example differences
  (−1, 0, 1) is ψ − δ², so the discordance is recovered as ``ψ = n·SE² + δ̂²`` (at least the
  effect, at most 1), and :func:`assay.stats.mcnemar_sample_size` (Connor 1987) gives the
  pairs needed to detect ``effect`` with ψ split as ``(ψ ∓ effect)/2``.
* Everything else: :func:`assay.stats.required_sample_size`, the t test's exact power with
  ``SD``, two-sided at ``α = 1 − confidence`` (a bound of the two-sided interval clearing a
  limit is a one-sided test at α/2; the far tail the two-sided power adds is negligible).

The effect is the distance that has to be resolved: a non-inferiority margin (assuming the
true difference is zero, as in planning), the observed improvement (superiority), or the
distance between the observed value and a limit (thresholds, budgets).

An error rate is judged on a Wilson interval of a count, which at few or no errors is far from
normal (0 of 50 needs 73 records at a 5% limit, not the 54 a normal approximation gives):
:func:`records_to_settle_error_rate` searches the record count with that interval itself.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from statistics import NormalDist

from assay._util import check_instance, check_int, check_probability
from assay.core import Interval
from assay.stats import mcnemar_sample_size, proportion_interval, required_sample_size

__all__ = ["SampleSizeToSettle", "records_to_settle_error_rate", "sample_size_to_settle"]

POWER = 0.8
"""Power the sample sizes are computed for."""


@dataclass(frozen=True)
class SampleSizeToSettle:
    """Examples needed in all to resolve an effect with the given power."""

    n: int
    """Examples the comparison has."""
    total: int
    """Examples needed in all."""
    effect: float
    """The effect (distance to resolve), in the metric's units."""
    sd: float
    """Per-example SD read from the interval (the discordance for McNemar)."""
    power: float
    """Target power."""
    method: str
    """The power method, in words."""

    @property
    def more(self) -> int:
        """Examples still to collect (0 when the present ones should already do)."""
        return max(self.total - self.n, 0)


def sample_size_to_settle(
    interval: Interval,
    n: int,
    effect: float,
    *,
    paired_binary: bool = False,
    power: float = POWER,
) -> SampleSizeToSettle | None:
    """Examples needed to resolve ``effect`` at the interval's confidence with ``power``.

    ``interval`` is the one the rule was judged on (a difference, or one run's estimate) and
    ``n`` the examples behind it. Returns ``None`` when nothing can be said: an unbounded or
    zero-width interval, fewer than two examples, or a zero effect.
    """
    function = "sample_size_to_settle"
    check_instance(interval, "interval", function, Interval, "an Interval")
    n = check_int(n, "n", function, minimum=0)
    power = check_probability(power, "power", function)
    alpha = 1.0 - interval.confidence
    width = interval.high - interval.low
    effect = abs(effect)
    if not (math.isfinite(width) and width > 0.0 and n >= 2 and effect > 0.0):
        return None
    z = NormalDist().inv_cdf(1.0 - alpha / 2.0)
    se = width / (2.0 * z)
    if paired_binary and effect < 1.0:
        psi = min(1.0, max(n * se * se + interval.estimate**2, effect))
        total = mcnemar_sample_size(
            (psi - effect) / 2.0, (psi + effect) / 2.0, alpha=alpha, power=power
        )
        method = f"McNemar, Connor 1987, discordance {psi:.1%} read from the interval's width"
        return SampleSizeToSettle(n, total, effect, psi, power, method)
    sd = se * math.sqrt(n)
    total = required_sample_size(effect, sd, alpha=alpha, power=power)
    method = f"t-test power, SD {sd:.3g} read from the interval's width"
    return SampleSizeToSettle(n, total, effect, sd, power, method)


_MOST_RUNS = 10_000
"""Runs of record counts (one per error count) searched before giving up: a rate that close
to its limit takes more records than any evaluation will collect."""


def records_to_settle_error_rate(
    errors: int, records: int, limit: float, confidence: float
) -> int | None:
    """The fewest records at which the ``max_error_rate`` rule's interval would settle.

    The observed rate is held: ``N`` records carry ``errors·N/records`` errors rounded half up
    (zero errors stay zero). Each ``N`` is judged with the rule's own interval
    (:func:`assay.stats.proportion_interval`, Wilson, at ``confidence``) and its own reading of
    a limit (settled when the upper bound is at or below ``limit`` or the lower bound above
    it), so the answer is exact for that interval, not a normal approximation. ``None`` when
    the search gives up (a rate within a hair of the limit).
    """

    def bounds(k: int, n: int) -> tuple[float, float]:
        est = proportion_interval(k, n, method="wilson", confidence=confidence)
        return est.low, est.high

    def first(k: int) -> int:
        """The fewest records whose held error count is at least ``k``."""
        return -(-(2 * records * k - records) // (2 * errors)) if errors else records + 1

    # Within a run of N that share one error count, both bounds only move down as N grows
    # (same count, more records): the run fails from its start or passes from some N on.
    k = (2 * errors * (records + 1) + records) // (2 * records)
    for _ in range(_MOST_RUNS):
        low = max(records + 1, first(k))
        high = first(k + 1) - 1 if errors else 2**62
        if low <= high:
            if bounds(k, low)[0] > limit:
                return low
            if bounds(k, high)[1] <= limit:
                while low < high:
                    middle = (low + high) // 2
                    low, high = (
                        (low, middle) if bounds(k, middle)[1] <= limit else (middle + 1, high)
                    )
                return low
        if not errors:
            return None
        k += 1
    return None
