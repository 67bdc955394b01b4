"""Design an A/B test: sample size, duration and the week-by-week reachable effect."""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any, Literal

from assay.errors import UnderpoweredWarning
from assay.online._result import jsonable
from assay.stats import Alternative, MDERow, SampleSizePlan, ab_mde_by_week, ab_sample_size

__all__ = ["LONG_DAYS", "ExperimentDesign", "design_experiment", "warn_if_long"]

LONG_DAYS = 90
"""An experiment or rollout longer than this many days is warned about: user behaviour,
the product and the traffic change over such a span, and it is seldom run to the end."""


def warn_if_long(days: int | None, what: str) -> None:
    """An :class:`~assay.errors.UnderpoweredWarning` saying how long ``what`` would take
    when that is over :data:`LONG_DAYS`."""
    if days is None or days <= LONG_DAYS:
        return
    years = f" (about {days / 365.25:.1f} years)" if days >= 365 else ""
    warnings.warn(
        f"{what} would take {days:,} days{years}, more than {LONG_DAYS}: the effect is too "
        "small for the traffic; accept a larger minimum detectable effect, add traffic, or "
        "reduce variance (CUPED)",
        UnderpoweredWarning,
        stacklevel=3,
    )


@dataclass(frozen=True)
class ExperimentDesign:
    """Sample size for the MDE, and the MDE reachable after each week."""

    sample_size: SampleSizePlan
    """Units and days needed to detect the MDE."""
    mde_by_week: tuple[MDERow, ...]
    """Smallest detectable effect after 1, 2, … weeks (empty without daily traffic)."""

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON/YAML types."""
        out: dict[str, Any] = jsonable(self)
        return out


def design_experiment(
    *,
    mde: float,
    kind: Literal["mean", "proportion"] | None = None,
    baseline: float | None = None,
    sd: float | None = None,
    relative: bool = False,
    alpha: float = 0.05,
    power: float = 0.8,
    arms: int = 2,
    adjustment: Literal["none", "bonferroni", "dunnett"] = "bonferroni",
    alternative: Alternative = "two-sided",
    cuped_correlation: float = 0.0,
    ratio: float = 1.0,
    sequential: bool = False,
    tau: float | None = None,
    daily_traffic: float | None = None,
    traffic_fraction: float = 1.0,
    weeks: int = 8,
) -> ExperimentDesign:
    """Sample size and duration for ``mde``, plus the inverse table of MDE by week.

    A thin combination of :func:`assay.stats.ab_sample_size` and
    :func:`assay.stats.ab_mde_by_week` with the same parameters (see them for the assumptions).
    ``kind`` defaults to ``proportion`` (as ``assay ab plan``), or ``mean`` when ``sd`` is
    given.
    """
    common: dict[str, Any] = {
        "kind": kind or ("mean" if sd is not None else "proportion"),
        "baseline": baseline,
        "sd": sd,
        "alpha": alpha,
        "power": power,
        "arms": arms,
        "adjustment": adjustment,
        "alternative": alternative,
        "cuped_correlation": cuped_correlation,
        "ratio": ratio,
        "sequential": sequential,
        "tau": tau,
        "traffic_fraction": traffic_fraction,
    }
    plan = ab_sample_size(mde=mde, relative=relative, daily_traffic=daily_traffic, **common)
    warn_if_long(plan.days, f"the experiment ({plan.n_per_arm:,} users per arm)")
    table: tuple[MDERow, ...] = ()
    if daily_traffic is not None:
        if sequential and tau is None:
            common["tau"] = plan.tau
        table = ab_mde_by_week(daily_traffic=daily_traffic, weeks=weeks, **common)
    return ExperimentDesign(plan, table)
