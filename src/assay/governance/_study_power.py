"""A study's sample size from the power calculation of its planned test (:mod:`assay.stats`)."""

from __future__ import annotations

from typing import Literal

from assay._util import effect_size, format_number
from assay.errors import ConfigError
from assay.governance._study import SampleSize, StudyPlan
from assay.stats import (
    ab_sample_size,
    mcnemar_power,
    mcnemar_sample_size,
    paired_t_power,
    required_sample_size,
)

__all__ = ["plan_sample_size"]


def _pcts(value: float) -> str:
    return format_number(100 * value, 1).removesuffix(".0") + "%"


def plan_sample_size(plan: StudyPlan) -> SampleSize:
    """The examples the study's planned test needs to detect ``plan.minimum_effect`` with the
    planned power, the method in words, and (when the file states an n) the power at it.

    ``paired_t``: the paired t test's exact noncentral-t power
    (:func:`assay.stats.required_sample_size`, as ``statsmodels``' ``TTestPower``), from the
    standard deviation of per-example differences. ``mcnemar``: McNemar's test by Connor's
    (1987) formula (:func:`assay.stats.mcnemar_sample_size`), the discordance d split so that
    the candidate alone is right on (d + effect) / 2 of the examples and the baseline alone on
    (d − effect) / 2.
    """
    s = plan.sample_size
    effect = plan.minimum_effect
    common = {"alpha": s.alpha, "alternative": s.alternative}
    sides = "two-sided" if s.alternative == "two-sided" else "one-sided"
    if s.method == "paired_t":
        sd = s.sd_of_differences
        assert sd is not None  # checked by SampleSizePlan
        required = required_sample_size(effect, sd, power=s.power, **common)  # type: ignore[arg-type]
        method = (
            f"paired t test, exact noncentral t: effect {effect_size(effect, '', signed=False)}, "
            f"sd of differences {effect_size(sd, '', signed=False)}, "
            f"{sides} alpha {s.alpha:g}, power {_pcts(s.power)}"
        )
        power = (
            None if s.n is None or s.n < 2 else paired_t_power(s.n, effect, sd, **common)  # type: ignore[arg-type]
        )
    elif s.method in ("ab_mean", "ab_proportion"):
        return _ab(plan)
    else:
        d = s.discordance
        assert d is not None  # checked by SampleSizePlan
        if effect >= d:
            raise ConfigError(
                f"study {plan.name!r}: the minimum effect {effect:g} must be smaller than the "
                f"discordance {d:g} (a difference needs examples on which the models disagree)"
            )
        base_only, cand_only = (d - effect) / 2, (d + effect) / 2
        required = mcnemar_sample_size(base_only, cand_only, power=s.power, **common)  # type: ignore[arg-type]
        method = (
            f"McNemar's test, Connor (1987): effect {effect_size(effect, 'pts', signed=False)}, "
            f"discordance {_pcts(d)}, "
            f"{sides} alpha {s.alpha:g}, power {_pcts(s.power)}"
        )
        power = (
            None if s.n is None else mcnemar_power(s.n, base_only, cand_only, **common)  # type: ignore[arg-type]
        )
    return SampleSize(required=required, method=method, stated=s.n, power_at_stated=power)


def _ab(plan: StudyPlan) -> SampleSize:
    """Units per arm of an online study's A/B test (:func:`assay.stats.ab_sample_size`); the
    stated n is units per arm too."""
    s = plan.sample_size
    kind: Literal["mean", "proportion"] = "mean" if s.method == "ab_mean" else "proportion"
    design = ab_sample_size(
        mde=plan.minimum_effect,
        kind=kind,
        sd=s.sd,
        baseline=s.baseline_rate,
        alpha=s.alpha,
        power=s.power,
        alternative="two-sided" if s.alternative == "two-sided" else "greater",
    )
    required = int(design.n_per_arm)
    return SampleSize(
        required=required,
        method=f"{design.method} (units per arm)",
        stated=s.n,
        power_at_stated=None,
    )
