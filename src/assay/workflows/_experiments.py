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

from assay._util import atomic_write, check_instance, check_number
from assay.core import printable
from assay.errors import ParameterError
from assay.gates import Policy
from assay.online import (
    DEFAULT_SAMPLE_TOLERANCE,
    ROLLOUT_HEADING,
    Analysis,
    CumulativeLift,
    ExperimentPlan,
    ExperimentVerdict,
    MetricBaseline,
    Readout,
    ReadoutSettings,
    RolloutPlan,
    SegmentBreakdown,
    baselines_from_readout,
    cumulative_lift,
    decide_experiment,
    design_from_plan,
    load_plan,
    readout,
    readout_comparison,
    readout_settings,
    rollout_markdown,
    rollout_plan,
    segment_breakdown,
    without_columns,
)
from assay.reports import experiment_kind, render_html, render_markdown, render_memo

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
    segments: SegmentBreakdown | None = None
    """Lift per segment of the ``segment`` column (exploratory), when one was given."""
    cumulative: CumulativeLift | None = None
    """Cumulative lift at the end of each day of the ``by_day`` column, when one was given."""

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON types: the readout, the decision (or ``None``), the files, and the
        segments and cumulative lift when they were asked for."""
        out = {
            "readout": self.readout.to_dict(),
            "decision": self.verdict.to_dict() if self.verdict is not None else None,
            "files": {k: str(v) for k, v in self.files.items()},
        }
        if self.segments is not None:
            out["segments"] = self.segments.to_dict()
        if self.cumulative is not None:
            out["cumulative"] = self.cumulative.to_dict()
        return out


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
    sample_tolerance: float = DEFAULT_SAMPLE_TOLERANCE,
    segment: str | None = None,
    by_day: str | None = None,
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
    decrease is good (default: the plan's guardrail directions); a one-sided readout tests
    them on their upper bound. ``sample_tolerance`` is the share of the plan's sample per arm a
    fixed-horizon readout may fall short by and still count as the planned final look (default
    0.02); further short, it is an early look that cannot SHIP.

    ``segment`` (a column of unit-level rows) adds the lift in each of its segments,
    exploratory (:func:`~assay.online.segment_breakdown`); ``by_day`` (a day or date column)
    adds the cumulative lift at the end of each day (:func:`~assay.online.cumulative_lift`).
    Neither column is read as a metric.

    With ``output`` (a folder; one sub-folder per treatment arm when there are several) the
    reports are written atomically: ``report.html`` and ``report.md``, and with a verdict a
    decision ``memo.md`` whose rollout section is the plan's staged rollout (sized with ``rollout_steps`` from
    the readout's control values) when the plan states its daily traffic.
    """
    the_plan = _plan(plan) if plan is not None else None
    if lower_is_better and settings is None:
        # A one-sided readout tests these metrics on their own side (see directions).
        options = {**options, "directions": dict.fromkeys(lower_is_better, "lower")}
    check_number(
        sample_tolerance, "sample_tolerance", "read_out_experiment", low=0, high=1, high_open=True
    )
    chosen = _settings(settings, the_plan, options)
    extra = [c for c in (segment, by_day) if c is not None]
    for name, value in (("segment", segment), ("by_day", by_day)):
        if value is not None:
            check_instance(value, name, "read_out_experiment", str, "a column name")
    result = readout(without_columns(data, extra) if extra else data, chosen)
    segments = cumulative = None
    if segment is not None:
        segments = segment_breakdown(data, chosen, segment, control=result.control, ignore=extra)
    if by_day is not None:
        cumulative = cumulative_lift(data, chosen, by_day, control=result.control, ignore=extra)
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
                sample_tolerance=sample_tolerance,
            )
        goals: dict[str, Literal["higher", "lower"]] = {m: "lower" for m in lower_is_better}
        policy_arg = Path(policy) if isinstance(policy, os.PathLike) else policy
        verdict = decide_experiment(
            result, the_plan, policy=policy_arg, analysis=analysis, goals=goals
        )
    files: dict[str, Path] = {}
    if output is not None:
        files = _write_reports(result, verdict, the_plan, Path(output), list(rollout_steps))
    return ExperimentReadout(result, verdict, the_plan, files, segments, cumulative)


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


_MEMO_ROLLOUT = re.compile(r"^## (\d+)\. Rollout and rollback plan\n.*?(?=^## )", re.M | re.S)


def _with_rollout(memo: str, rollout: str) -> str:
    """The memo with one rollout section: the plan's staged rollout in place of the memo's
    generic skeleton. A memo without one (a BLOCKed treatment) gets no rollout plan."""
    found = _MEMO_ROLLOUT.search(memo)
    if found is None:
        return memo
    body = rollout.replace(f"## {ROLLOUT_HEADING}", "", 1).strip("\n")
    section = f"## {found.group(1)}. Rollout and rollback plan ({ROLLOUT_HEADING.lower()})\n\n"
    return memo[: found.start()] + section + body + "\n\n" + memo[found.end() :]


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
        # arms of users, not paired runs: the reports say users and arms, and show no flips
        kind = experiment_kind({a: result.n_by_arm[a] for a in (result.control, t)})
        texts = {
            "report.html": render_html(comparison, judged, title=title, kind=kind),
            "report.md": render_markdown(comparison, judged, title=title, kind=kind),
        }
        if judged is not None:
            memo = render_memo(comparison, judged, title=title, kind=kind)
            rollout = _rollout_for(result, plan, t, steps) if plan is not None else None
            # the rollout text quotes arm and metric names: shown, never obeyed, like the memo's
            texts["memo.md"] = _with_rollout(memo, printable(rollout)) if rollout else memo
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
