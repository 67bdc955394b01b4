"""Online experiments end to end: read out, judge against the plan, write the reports.

``assay ab readout`` and ``assay ab plan`` are one call each of the functions here.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, Literal

from assay._util import atomic_write, check_instance
from assay.core import printable
from assay.errors import ParameterError
from assay.gates import Policy
from assay.online import (
    Analysis,
    ExperimentPlan,
    ExperimentVerdict,
    MetricBaseline,
    Readout,
    ReadoutSettings,
    RolloutPlan,
    baselines_from_readout,
    decide_experiment,
    design_from_plan,
    load_plan,
    readout,
    readout_comparison,
    readout_settings,
    rollout_markdown,
    rollout_plan,
)
from assay.reports import render_html, render_markdown, render_memo

__all__ = ["DEFAULT_ROLLOUT_STEPS", "ExperimentReadout", "plan_rollout", "read_out_experiment"]

DEFAULT_ROLLOUT_STEPS: tuple[float, ...] = (0.01, 0.05, 0.2, 0.5, 1.0)
"""Traffic shares of canary, ramp and full rollout when none are given."""

PlanSource = ExperimentPlan | str | os.PathLike[str] | Mapping[str, Any]
PolicySource = Policy | str | os.PathLike[str] | Mapping[str, Any]


@dataclass(frozen=True)
class ExperimentReadout:
    """An experiment read out: the numbers, the verdict when there is a plan or a policy, and
    the report files written."""

    readout: Readout
    """Every treatment arm against control, with the sample-ratio check."""
    verdict: ExperimentVerdict | None = None
    """SHIP, BLOCK or INCONCLUSIVE per treatment arm (``None`` without a plan or a policy)."""
    plan: ExperimentPlan | None = None
    """The pre-registered plan the readout was judged against."""
    files: dict[str, Path] = field(default_factory=dict)
    """Report files written, by name (``report.html``; ``ARM/report.html`` with several arms)."""

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON types: the readout, the decision (or ``None``) and the files."""
        return {
            "readout": self.readout.to_dict(),
            "decision": self.verdict.to_dict() if self.verdict is not None else None,
            "files": {k: str(v) for k, v in self.files.items()},
        }


def _plan(plan: PlanSource) -> ExperimentPlan:
    """The plan itself, or read from its YAML (a file, text or a mapping)."""
    if isinstance(plan, ExperimentPlan):
        return plan
    return load_plan(plan if isinstance(plan, (str, Path, Mapping)) else Path(plan))


def _settings(
    settings: ReadoutSettings | None, plan: ExperimentPlan | None, options: dict[str, Any]
) -> ReadoutSettings:
    """``settings`` as given, else the plan's settings with ``options`` (readout's keywords)."""
    fn = "read_out_experiment"
    if settings is None:
        return readout_settings(plan, function=fn, **options)
    check_instance(settings, "settings", fn, ReadoutSettings, "a ReadoutSettings or None")
    if options:
        name = sorted(options)[0]
        raise ParameterError(name, fn, "left out when 'settings' is given", options[name])
    return settings


def read_out_experiment(
    data: Any,
    *,
    plan: PlanSource | None = None,
    policy: PolicySource | None = None,
    settings: ReadoutSettings | None = None,
    output: str | os.PathLike[str] | None = None,
    primary_metric: str | None = None,
    lower_is_better: Sequence[str] = (),
    started: date | None = None,
    analysed: date | None = None,
    rollout_steps: Sequence[float] = DEFAULT_ROLLOUT_STEPS,
    **options: Any,
) -> ExperimentReadout:
    """Read out an A/B test, judge it against its plan or a policy, and write its reports.

    ``data`` is what :func:`assay.online.readout` reads (a CSV or Parquet path, a pyarrow
    Table, a pandas DataFrame). ``plan`` is an :class:`~assay.online.ExperimentPlan` or its
    YAML (a file or a mapping); ``policy`` a release policy (default: the plan's decision
    rule). The readout's settings are ``settings``, or the plan's with ``options`` (the
    keywords of :func:`~assay.online.readout`, such as ``control``, ``metrics``, ``cuped``)
    taking precedence; a setting that differs from the plan is flagged as a deviation.

    With a plan or a policy every treatment arm gets a verdict
    (:func:`~assay.online.decide_experiment`); with a plan, deviations are checked for the
    analysis of ``primary_metric`` (default: the plan's) over ``started`` to ``analysed``
    (default: today when ``started`` is given). ``lower_is_better`` names metrics where a
    decrease is good (default: the plan's guardrail directions).

    With ``output`` (a folder; one sub-folder per treatment arm when there are several) the
    reports are written atomically: ``report.html`` and ``report.md``, and with a verdict a
    decision ``memo.md`` that ends with the plan's rollout (sized with ``rollout_steps`` from
    the readout's control values) when the plan states its daily traffic.
    """
    the_plan = _plan(plan) if plan is not None else None
    result = readout(data, _settings(settings, the_plan, options))
    verdict = None
    if the_plan is not None or policy is not None:
        analysis = None
        if the_plan is not None:
            analysis = Analysis.from_readout(
                result,
                primary_metric=primary_metric,
                plan=the_plan,
                started=started,
                analysed=analysed,
            )
        goals: dict[str, Literal["higher", "lower"]] = {m: "lower" for m in lower_is_better}
        policy_arg = Path(policy) if isinstance(policy, os.PathLike) else policy
        verdict = decide_experiment(
            result, the_plan, policy=policy_arg, analysis=analysis, goals=goals
        )
    files: dict[str, Path] = {}
    if output is not None:
        files = _write_reports(result, verdict, the_plan, Path(output), list(rollout_steps))
    return ExperimentReadout(result, verdict, the_plan, files)


def _rollout_for(
    result: Readout, plan: ExperimentPlan, treatment: str, steps: list[float]
) -> str | None:
    """The plan's rollout as Markdown, sized from the readout's control values; None if unsized."""
    if plan.daily_traffic is None:
        return None
    base = baselines_from_readout(result, treatment)
    design = None
    primary = base.get(plan.primary_metric)
    if primary is not None and plan.mde:
        design = design_from_plan(plan, kind=primary.kind, baseline=primary.baseline, sd=primary.sd)
    rollout = rollout_plan(plan, design, baselines=base, treatment=treatment, steps=steps)
    return rollout_markdown(rollout)


def _write_reports(
    result: Readout,
    verdict: ExperimentVerdict | None,
    plan: ExperimentPlan | None,
    output: Path,
    steps: list[float],
) -> dict[str, Path]:
    """report.html, report.md and (with a verdict) memo.md per treatment arm."""
    files: dict[str, Path] = {}
    treatments = list(result.arms[1:])
    for t in treatments:
        # Arm names become folder names: anything but word characters, dots and dashes is
        # replaced so an arm called "a/1" cannot write outside the output folder.
        safe_name = re.sub(r"[^\w.-]", "_", t)
        if set(safe_name) <= {"."}:  # "." or ".." would name this folder or its parent
            safe_name = f"arm_{safe_name}"
        folder = output if len(treatments) == 1 else output / safe_name
        if verdict is not None:
            decision = verdict.arm(t)
            comparison, judged = decision.comparison, decision.verdict
        else:
            comparison, judged = readout_comparison(result, t, plan=plan), None
        title = f"A/B readout: {t} against {result.control}"
        texts = {
            "report.html": render_html(comparison, judged, title=title),
            "report.md": render_markdown(comparison, judged, title=title),
        }
        if judged is not None:
            memo = render_memo(comparison, judged, title=title)
            rollout = _rollout_for(result, plan, t, steps) if plan is not None else None
            # the rollout text quotes arm and metric names: shown, never obeyed, like the memo's
            texts["memo.md"] = memo + ("\n" + printable(rollout) if rollout else "")
        for name, text in texts.items():
            key = name if len(treatments) == 1 else f"{t}/{name}"
            files[key] = atomic_write(folder / name, text)
    return files


def plan_rollout(
    plan: PlanSource,
    *,
    kind: Literal["mean", "proportion"] = "proportion",
    baseline: float | None = None,
    sd: float | None = None,
    baselines: Mapping[str, MetricBaseline] | None = None,
    daily_traffic: float | None = None,
    steps: Sequence[float] = DEFAULT_ROLLOUT_STEPS,
    shadow_days: int = 7,
    min_step_days: int = 1,
    max_error_rate: float = 0.01,
    treatment: str | None = None,
) -> RolloutPlan:
    """A staged rollout (shadow, canary, ramp, full) of a plan, with gates and durations.

    ``plan`` is an :class:`~assay.online.ExperimentPlan` or its YAML. With the primary
    metric's control ``baseline`` (and ``sd`` for a mean) the decision step is sized for the
    plan's MDE (:func:`~assay.online.design_from_plan`); ``baselines`` gives each guardrail's
    control value. The rest is :func:`~assay.online.rollout_plan`'s.
    """
    the_plan = _plan(plan)
    design = None
    if baseline is not None or sd is not None:
        design = design_from_plan(
            the_plan, kind=kind, baseline=baseline, sd=sd, daily_traffic=daily_traffic
        )
    return rollout_plan(
        the_plan,
        design,
        daily_traffic=daily_traffic,
        steps=steps,
        shadow_days=shadow_days,
        min_step_days=min_step_days,
        baselines=baselines,
        treatment=treatment,
        max_error_rate=max_error_rate,
    )
