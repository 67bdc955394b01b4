"""Read out an A/B test from sufficient statistics or unit-level rows."""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping, Sequence
from typing import Any, Literal, cast

import pyarrow as pa
import pyarrow.parquet as pq

from assay.errors import DataError, ParameterError
from assay.online._aggregate import UnitAggregate, aggregate_units
from assay.online._metrics import MetricSpec
from assay.online._plan import ExperimentPlan
from assay.online._result import Readout
from assay.online._table import (
    ArmMetricSums,
    DataSource,
    is_sufficient_statistics,
    load_table,
    parse_sufficient_statistics,
    source_name,
)
from assay.stats import (
    Alternative,
    LiftResult,
    MeanSums,
    ab_lift,
    ab_quantile_lift,
    adjust_pvalues,
    bayesian_lift,
    sample_ratio_test,
)

__all__ = ["adjust_family", "readout"]

Multiplicity = Literal["holm", "bh", "none"]
DEFAULT_TAU = 0.05


def _columns(data: DataSource) -> list[str]:
    if isinstance(data, pa.Table):
        return list(data.column_names)
    if hasattr(data, "columns") and hasattr(data, "dtypes"):
        return [str(c) for c in data.columns]
    path = str(data)
    if path.lower().endswith((".parquet", ".pq")):
        try:
            return list(pq.read_schema(path).names)
        except (pa.ArrowInvalid, OSError) as exc:
            raise DataError(f"cannot read the file: {exc}", file=path) from exc
    return list(load_table(data).column_names)


def _kind(entries: list[ArmMetricSums], file: str | None) -> str:
    kinds = {e.kind for e in entries if e.kind is not None}
    if len(kinds) > 1:
        raise DataError(
            f"metric {entries[0].metric!r} has different kinds across arms: {sorted(kinds)}",
            file=file,
            column="kind",
        )
    if kinds:
        return kinds.pop()
    if not isinstance(entries[0].sums, MeanSums):
        return "ratio"
    binary = all(
        isinstance(e.sums, MeanSums)
        and e.sums.sum == e.sums.sum_squares
        and 0 <= e.sums.sum <= e.sums.n
        for e in entries
    )
    return "proportion" if binary else "mean"


def _split(
    planned: Mapping[str, float] | Sequence[float] | None, arms: list[str], file: str | None
) -> list[float] | None:
    if planned is None:
        return None
    if isinstance(planned, Mapping):
        for name in planned:
            if name not in arms:
                raise DataError(
                    f"the planned split names arm {name!r}, which is not in the data",
                    file=file,
                    column="arm",
                    expected="one of " + ", ".join(arms),
                )
        for name in arms:
            if name not in planned:
                raise DataError(
                    f"arm {name!r} is in the data but not in the planned split",
                    file=file,
                    column="arm",
                    expected="one of " + ", ".join(planned),
                )
        return [float(planned[a]) for a in arms]
    shares = [float(v) for v in planned]
    if len(shares) != len(arms):
        raise ParameterError(
            "planned_split", "readout", f"{len(arms)} shares, one per arm", planned
        )
    return shares


def _with_context(exc: DataError, file: str | None, row: int) -> DataError:
    return DataError(
        exc.reason, file=file, row=row, column=exc.column, expected=exc.expected, found=exc.found
    )


def readout(
    data: DataSource,
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
    data. Settings not given come from ``plan`` when one is passed, else from the defaults:
    the first arm is control, confidence 0.95, two-sided, no CUPED, fixed horizon, equal
    planned split, sample-ratio threshold 0.001, Holm over every metric.

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
    fn = "readout"
    file = source_name(data)
    conf = confidence if confidence is not None else (1 - plan.alpha if plan else 0.95)
    alt = cast(Alternative, alternative or (plan.alternative if plan else "two-sided"))
    use_cuped = cuped if cuped is not None else (plan.cuped if plan else False)
    use_seq = sequential if sequential is not None else (plan.sequential if plan else False)
    tau_v = tau if tau is not None else (plan.tau if plan and plan.tau else DEFAULT_TAU)
    thr = srm_threshold if srm_threshold is not None else (plan.srm_threshold if plan else 0.001)
    mult = multiplicity or (plan.multiplicity if plan else "holm")
    if mult not in ("holm", "bh", "none"):
        raise ParameterError("multiplicity", fn, "'holm', 'bh' or 'none'", mult)
    control = control or (plan.arms[0] if plan and plan.arms else None)
    if planned_split is None and plan and plan.planned_split:
        planned_split = dict(zip(plan.arms, plan.planned_split, strict=True))
    if unit_level is None:
        unit_level = not is_sufficient_statistics(_columns(data))
    agg: UnitAggregate | None = None
    if unit_level:
        agg = aggregate_units(
            data, metrics, arm_column=arm_column, unit_column=unit_column, winsorize=winsorize
        )
        table = pa.Table.from_pandas(agg.sums, preserve_index=False)
        entries = parse_sufficient_statistics(table, file) if agg.sums.shape[0] else []
    else:
        if winsorize is not None:
            raise ParameterError(
                "winsorize",
                fn,
                "None for sufficient statistics (capping needs unit-level rows)",
                winsorize,
            )
        entries = parse_sufficient_statistics(load_table(data), file)
        if metrics is not None:
            wanted = [m if isinstance(m, str) else m.name for m in metrics]
            known = {e.metric for e in entries}
            for m in wanted:
                if m not in known:
                    raise DataError(
                        f"metric {m!r} is not in the table",
                        file=file,
                        column="metric",
                        expected="one of " + ", ".join(sorted(known)),
                    )
            entries = [e for e in entries if e.metric in wanted]
    arms = list(agg.arms) if agg else list(dict.fromkeys(e.arm for e in entries))
    if control is not None and control not in arms:
        raise DataError(
            f"the control arm {control!r} is not in the data",
            file=file,
            column=arm_column,
            expected="one of " + ", ".join(arms),
        )
    if control is not None:
        arms.remove(control)
        arms.insert(0, control)
    if len(arms) < 2:
        raise DataError(
            "an experiment needs at least two arms",
            file=file,
            column=arm_column,
            found=", ".join(arms) or "none",
        )
    by_metric: dict[str, dict[str, ArmMetricSums]] = {}
    for e in entries:
        by_metric.setdefault(e.metric, {})[e.arm] = e
    settings: dict[str, Any] = {"confidence": conf, "alternative": alt}
    lifts: list[LiftResult] = []
    notes: list[str] = []
    for metric, per_arm in by_metric.items():
        for a in arms:
            if a not in per_arm:
                raise DataError(
                    f"metric {metric!r} has no row for arm {a!r}",
                    file=file,
                    column="arm",
                    expected="one row per metric and arm",
                )
        kind = _kind(list(per_arm.values()), file)
        c = per_arm[arms[0]]
        for t_name in arms[1:]:
            t = per_arm[t_name]
            has_pre = c.sums.has_pre and t.sums.has_pre
            try:
                res = ab_lift(
                    c.sums,
                    t.sums,
                    kind=kind,
                    cuped=use_cuped and has_pre,  # type: ignore[arg-type]
                    tau=tau_v if use_seq else None,
                    metric=metric,
                    control_name=arms[0],
                    treatment_name=t_name,
                    **settings,
                )
            except DataError as exc:
                row = c.row if f"{arms[0]!r}" in exc.reason else t.row
                raise _with_context(exc, file, row) from exc
            if use_cuped and not has_pre:
                res = dataclasses.replace(
                    res, notes=(*res.notes, "CUPED not applied: no pre-period covariate")
                )
            lifts.append(res)
    if agg is not None:
        for spec in agg.quantile_specs:
            values = agg.quantile_values[spec.name]
            for i in range(1, len(arms)):
                res = ab_quantile_lift(
                    values[agg.arms.index(arms[0])],
                    values[agg.arms.index(arms[i])],
                    q=float(spec.quantile or 0.5),
                    metric=spec.name,
                    control_name=arms[0],
                    treatment_name=arms[i],
                    **settings,
                )
                lifts.append(res)
            if use_seq:
                notes.append(f"{spec.name}: quantile metrics are read at a fixed horizon only")
            if use_cuped:
                notes.append(f"{spec.name}: CUPED does not apply to quantile metrics")
    n_by_arm = _arm_sizes(entries, agg, arms)
    shares = _split(planned_split, arms, file)
    srm = sample_ratio_test([n_by_arm[a] for a in arms], shares, arms=arms, threshold=thr)
    warnings = []
    if srm.mismatch:
        warnings.append(
            f"sample-ratio mismatch: chi-square p={srm.p_value:.3g} < {thr:g}; the arms are not "
            "comparable, so the readout must not be used for a decision"
        )
    fam = list(family) if family is not None else (list(plan.effective_family()) if plan else None)
    lifts = adjust_family(lifts, mult, fam)
    bayes = (
        tuple(bayesian_lift(r, prior_sd=prior_sd, confidence=conf) for r in lifts)
        if bayesian
        else ()
    )
    parameters = {
        "confidence": conf,
        "alternative": alt,
        "cuped": use_cuped,
        "sequential": use_seq,
        "tau": tau_v if use_seq else None,
        "planned_split": list(srm.planned),
        "srm_threshold": thr,
        "multiplicity": mult,
        "family": fam if fam is not None else list(dict.fromkeys(r.metric for r in lifts)),
        "winsorize": winsorize,
        "bayesian": bayesian,
        "prior_sd": prior_sd if bayesian else None,
    }
    return Readout(
        lifts=tuple(lifts),
        arms=tuple(arms),
        control=arms[0],
        n_by_arm=n_by_arm,
        srm=srm,
        trusted=not srm.mismatch,
        warnings=tuple(warnings),
        source="unit-level rows" if agg is not None else "sufficient statistics",
        parameters=parameters,
        bayesian=bayes,
        winsorization=agg.winsorization if agg else (),
        notes=tuple(notes),
    )


def _arm_sizes(
    entries: list[ArmMetricSums], agg: UnitAggregate | None, arms: list[str]
) -> dict[str, int]:
    """Units per arm: rows for unit-level data, else the largest ``n`` over the arm's metrics."""
    if agg is not None:
        return {a: agg.counts[a] for a in arms}
    out = {a: 0 for a in arms}
    for e in entries:
        out[e.arm] = max(out[e.arm], int(e.sums.n))
    return out


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
