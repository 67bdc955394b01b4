"""Read out an A/B test from sufficient statistics or unit-level rows."""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping, Sequence
from typing import Any

from assay.errors import DataError, ParameterError
from assay.online._metrics import MetricSpec
from assay.online._plan import ExperimentPlan
from assay.online._readout_input import (
    ReadoutInput,
    metric_kind,
    planned_shares,
    read_input,
    with_row,
)
from assay.online._result import Readout
from assay.online._settings import Multiplicity, ReadoutSettings, readout_settings
from assay.online._table import DataSource, source_name
from assay.stats import (
    Alternative,
    LiftResult,
    SampleRatioResult,
    ab_lift,
    ab_quantile_lift,
    adjust_pvalues,
    bayesian_lift,
    sample_ratio_test,
)

__all__ = ["adjust_family", "readout"]

# The keywords readout accepted before ReadoutSettings existed, with their defaults: passing
# one of them together with ``settings`` would leave it unclear which one wins.
_KEYWORD_DEFAULTS: dict[str, Any] = {
    "bayesian": False,
    "prior_sd": 0.3,
    "arm_column": "arm",
    "unit_column": "unit",
}


def readout(
    data: DataSource,
    settings: ReadoutSettings | None = None,
    *,
    metrics: Sequence[str | MetricSpec] | None = None,
    unit_level: bool | None = None,
    control: str | None = None,
    plan: ExperimentPlan | None = None,
    cuped: bool | None = None,
    sequential: bool | None = None,
    tau: float | None = None,
    planned_split: Mapping[str, float] | Sequence[float] | None = None,
    srm_threshold: float | None = None,
    winsorize: float | None = None,
    bayesian: bool = False,
    prior_sd: float = 0.3,
    confidence: float | None = None,
    alternative: Alternative | None = None,
    multiplicity: Multiplicity | None = None,
    family: Sequence[str] | None = None,
    arm_column: str = "arm",
    unit_column: str = "unit",
) -> Readout:
    """Lift of every treatment arm over control on every metric, with its checks.

    ``data`` is a sufficient-statistics table (see :mod:`assay.online` for the column
    names) or unit-level rows (one row per unit: arm, metric values, ``*_pre`` covariates), as
    a CSV/Parquet path, a pyarrow Table or a pandas DataFrame; ``unit_level=None`` detects
    which. Both forms go through the same sums, so they give identical results on the same
    data.

    The settings are either one :class:`ReadoutSettings` (``settings``) or the keywords, each a
    field of it, resolved by :func:`readout_settings`: a keyword given wins, else ``plan``'s
    value, else the default (the first arm is control, confidence 0.95, two-sided, no CUPED,
    fixed horizon, equal planned split, sample-ratio threshold 0.001, Holm over every metric).

    - ``cuped``: CUPED on every metric that has a pre-period covariate (θ pooled within the two
      arms compared); metrics without one are read unadjusted and say so.
    - ``sequential``: always-valid normal-mixture SPRT intervals and p-values with mixture
      standard deviation ``tau`` per-unit standard deviations (default 0.05, or the plan's).
    - ``winsorize=q``: cap every metric column at its pooled q-quantile (unit-level rows only).
    - ``bayesian``: add a normal-prior readout of each relative lift (prior sd ``prior_sd``).
    - ``multiplicity``/``family``: adjust the p-values of the family's metrics (all treatment
      arms) by Holm or Benjamini–Hochberg; intervals stay marginal.

    A sample-ratio mismatch (χ² p below the threshold) marks the readout untrusted. Bad input
    raises :class:`~assay.errors.DataError` naming the file, row, arm and column.
    """
    keywords: dict[str, Any] = {
        "metrics": metrics,
        "unit_level": unit_level,
        "control": control,
        "cuped": cuped,
        "sequential": sequential,
        "tau": tau,
        "planned_split": planned_split,
        "srm_threshold": srm_threshold,
        "winsorize": winsorize,
        "bayesian": bayesian,
        "prior_sd": prior_sd,
        "confidence": confidence,
        "alternative": alternative,
        "multiplicity": multiplicity,
        "family": family,
        "arm_column": arm_column,
        "unit_column": unit_column,
    }
    if settings is None:
        settings = readout_settings(plan, **keywords)
    else:
        _check_settings_alone(settings, plan, keywords)
    return _read(data, settings)


def _check_settings_alone(
    settings: Any, plan: ExperimentPlan | None, keywords: dict[str, Any]
) -> None:
    """``settings`` is complete: a plan or a keyword beside it is a mistake."""
    if not isinstance(settings, ReadoutSettings):
        raise ParameterError("settings", "readout", "a ReadoutSettings or None", settings)
    if plan is not None:
        raise ParameterError(
            "plan", "readout", "left out when 'settings' is given (see readout_settings)", plan
        )
    for name, value in keywords.items():
        if value != _KEYWORD_DEFAULTS.get(name):
            raise ParameterError(name, "readout", "left out when 'settings' is given", value)


def _read(data: DataSource, settings: ReadoutSettings) -> Readout:
    """The readout of ``data`` under resolved ``settings``."""
    file = source_name(data)
    sums = read_input(data, settings, file)
    lifts = _lifts(sums, settings, file)
    notes = _quantile_notes(sums, settings)
    srm = _sample_ratio(sums, settings, file)
    warnings = []
    if srm.mismatch:
        warnings.append(
            f"sample-ratio mismatch: chi-square p={srm.p_value:.3g} < {settings.srm_threshold:g};"
            " the arms are not comparable, so the readout must not be used for a decision"
        )
    family = list(settings.family) if settings.family is not None else None
    lifts = adjust_family(lifts, settings.multiplicity, family)
    bayes = (
        tuple(
            bayesian_lift(r, prior_sd=settings.prior_sd, confidence=settings.confidence)
            for r in lifts
        )
        if settings.bayesian
        else ()
    )
    return Readout(
        lifts=tuple(lifts),
        arms=tuple(sums.arms),
        control=sums.arms[0],
        n_by_arm=sums.arm_sizes(),
        srm=srm,
        trusted=not srm.mismatch,
        warnings=tuple(warnings),
        source="unit-level rows" if sums.aggregate is not None else "sufficient statistics",
        parameters=_parameters(settings, srm, lifts),
        bayesian=bayes,
        winsorization=sums.aggregate.winsorization if sums.aggregate else (),
        notes=tuple(notes),
    )


def metric_alternative(settings: ReadoutSettings, metric: str) -> Alternative:
    """The sidedness a metric is read with: a one-sided readout tests each metric with a known
    direction on its good side, so a lower-is-better metric gets an upper bound."""
    if settings.alternative == "two-sided" or not settings.directions:
        return settings.alternative
    goal = settings.directions.get(metric)
    if goal is None:
        return settings.alternative
    return "greater" if goal == "higher" else "less"


def _lifts(sums: ReadoutInput, settings: ReadoutSettings, file: str | None) -> list[LiftResult]:
    """Every treatment arm against control: metrics from sums first, then quantile metrics."""
    arms = sums.arms
    lifts: list[LiftResult] = []
    for metric, per_arm in sums.by_metric().items():
        for a in arms:
            if a not in per_arm:
                raise DataError(
                    f"metric {metric!r} has no row for arm {a!r}",
                    file=file,
                    column="arm",
                    expected="one row per metric and arm",
                )
        kind = metric_kind(list(per_arm.values()), file)
        c = per_arm[arms[0]]
        for t_name in arms[1:]:
            t = per_arm[t_name]
            has_pre = c.sums.has_pre and t.sums.has_pre
            try:
                res = ab_lift(
                    c.sums,
                    t.sums,
                    kind=kind,  # type: ignore[arg-type]
                    cuped=settings.cuped and has_pre,
                    tau=settings.tau if settings.sequential else None,
                    metric=metric,
                    control_name=arms[0],
                    treatment_name=t_name,
                    confidence=settings.confidence,
                    alternative=metric_alternative(settings, metric),
                )
            except DataError as exc:
                row = c.row if f"{arms[0]!r}" in exc.reason else t.row
                raise with_row(exc, file, row) from exc
            if settings.cuped and not has_pre:
                res = dataclasses.replace(
                    res, notes=(*res.notes, "CUPED not applied: no pre-period covariate")
                )
            lifts.append(res)
    agg = sums.aggregate
    if agg is None:
        return lifts
    for spec in agg.quantile_specs:
        values = agg.quantile_values[spec.name]
        for t_name in arms[1:]:
            lifts.append(
                ab_quantile_lift(
                    values[agg.arms.index(arms[0])],
                    values[agg.arms.index(t_name)],
                    q=float(spec.quantile or 0.5),
                    metric=spec.name,
                    control_name=arms[0],
                    treatment_name=t_name,
                    confidence=settings.confidence,
                    alternative=metric_alternative(settings, spec.name),
                )
            )
    return lifts


def _quantile_notes(sums: ReadoutInput, settings: ReadoutSettings) -> list[str]:
    """What sequential monitoring and CUPED do not cover: quantile metrics."""
    notes: list[str] = []
    for spec in sums.aggregate.quantile_specs if sums.aggregate is not None else ():
        if settings.sequential:
            notes.append(f"{spec.name}: quantile metrics are read at a fixed horizon only")
        if settings.cuped:
            notes.append(f"{spec.name}: CUPED does not apply to quantile metrics")
    return notes


def _sample_ratio(
    sums: ReadoutInput, settings: ReadoutSettings, file: str | None
) -> SampleRatioResult:
    """The sample-ratio check of the arm sizes against the planned split."""
    n_by_arm = sums.arm_sizes()
    shares = planned_shares(settings.planned_split, sums.arms, file)
    return sample_ratio_test(
        [n_by_arm[a] for a in sums.arms],
        shares,
        arms=sums.arms,
        threshold=settings.srm_threshold,
    )


def _parameters(
    settings: ReadoutSettings, srm: SampleRatioResult, lifts: list[LiftResult]
) -> dict[str, Any]:
    """Every setting the readout used, as :attr:`Readout.parameters` reports it."""
    family = settings.family
    return {
        "confidence": settings.confidence,
        "alternative": settings.alternative,
        "directions": dict(settings.directions or {}),
        "cuped": settings.cuped,
        "sequential": settings.sequential,
        "tau": settings.tau if settings.sequential else None,
        "planned_split": list(srm.planned),
        "srm_threshold": settings.srm_threshold,
        "multiplicity": settings.multiplicity,
        "family": list(family)
        if family is not None
        else list(dict.fromkeys(r.metric for r in lifts)),
        "winsorize": settings.winsorize,
        "bayesian": settings.bayesian,
        "prior_sd": settings.prior_sd if settings.bayesian else None,
    }


def adjust_family(
    lifts: list[LiftResult], method: str, family: list[str] | None
) -> list[LiftResult]:
    """Adjusted p-values over the family's conclusive comparisons (inconclusive ones stay out)."""
    if method == "none":
        return lifts
    members = [
        i
        for i, r in enumerate(lifts)
        if (family is None or r.metric in family) and not math.isnan(r.p_value)
    ]
    if not members:
        return lifts
    adjusted = adjust_pvalues([lifts[i].p_value for i in members], method=method)  # type: ignore[arg-type]
    out = list(lifts)
    for i, p in zip(members, adjusted.adjusted, strict=True):
        out[i] = dataclasses.replace(lifts[i], p_value_adjusted=float(p), adjustment=method)
    return out
