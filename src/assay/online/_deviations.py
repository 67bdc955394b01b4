"""The analysis actually run, checked against the experiment's pre-registered plan.

A deviation is a fact about the analysis, not a judgement of the data: the primary metric was
changed, metrics were analysed that the plan did not name (or planned ones were left out),
the significance level, sidedness, multiplicity family or method, CUPED or sequential
monitoring differ from the plan, or the data was read before the planned horizon with a
fixed-horizon test. Deviations are reported in the verdict (see
:func:`assay.online.decide_experiment`); only those that would let a SHIP through on a looser
test than planned (the early look, a larger α, a one-sided test instead of a two-sided one)
change it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal, get_args

from assay.errors import ParameterError
from assay.online._plan import ExperimentPlan
from assay.online._result import Readout

__all__ = [
    "DEFAULT_SAMPLE_TOLERANCE",
    "DEVIATION_KINDS",
    "Analysis",
    "Deviation",
    "DeviationKind",
    "check_deviations",
    "planned_sample",
]

DeviationKind = Literal[
    "primary_metric",
    "unplanned_metric",
    "missing_metric",
    "alpha",
    "alternative",
    "family",
    "multiplicity",
    "cuped",
    "sequential",
    "early_look",
]
DEFAULT_SAMPLE_TOLERANCE = 0.02
"""Share of the planned sample a fixed-horizon readout may fall short by and still count as
the planned final look (0.02: 19,600 of a planned 20,000 users per arm)."""
DEVIATION_KINDS: tuple[DeviationKind, ...] = get_args(DeviationKind)
"""Every kind of deviation :func:`check_deviations` reports, in the order it reports them."""


@dataclass(frozen=True)
class Analysis:
    """What the analysis of an experiment actually did (compare with its :class:`ExperimentPlan`).

    Build it from a readout with :meth:`from_readout`, which reads every setting the readout
    used; the primary metric and the dates are the analyst's to state.
    """

    primary_metric: str
    """The metric the decision was read from."""
    metrics: tuple[str, ...]
    """Every metric analysed."""
    alpha: float
    """Significance level: 1 − the confidence of the intervals."""
    alternative: str
    """``two-sided``, ``greater`` or ``less``."""
    family: tuple[str, ...]
    """Metrics whose p-values were adjusted together."""
    multiplicity: str
    """``holm``, ``bh`` or ``none``."""
    cuped: bool
    """Whether CUPED was used."""
    sequential: bool
    """Whether always-valid (sequential) intervals were used."""
    n_by_arm: dict[str, int] = field(default_factory=dict)
    """Units per arm at the analysis."""
    started: date | None = None
    """First day of the experiment."""
    analysed: date | None = None
    """Day of the analysis (the data's cut-off)."""
    sample_tolerance: float = DEFAULT_SAMPLE_TOLERANCE
    """Share of the planned sample per arm the readout may fall short by and still be the
    planned final look, not an early one."""

    def __post_init__(self) -> None:
        t = self.sample_tolerance
        if isinstance(t, bool) or not isinstance(t, (int, float)) or not 0 <= t < 1:
            raise ParameterError("sample_tolerance", "Analysis", "a float in [0, 1)", t)

    @property
    def days(self) -> int | None:
        """Days of data: ``analysed − started`` (``None`` without both dates)."""
        if self.started is None or self.analysed is None:
            return None
        return (self.analysed - self.started).days

    @classmethod
    def from_readout(
        cls,
        readout: Readout,
        *,
        primary_metric: str | None = None,
        plan: ExperimentPlan | None = None,
        started: date | None = None,
        analysed: date | None = None,
        sample_tolerance: float = DEFAULT_SAMPLE_TOLERANCE,
    ) -> Analysis:
        """The analysis a readout ran: its settings from ``readout.parameters``.

        The primary metric is ``primary_metric``, else the plan's, else the readout's first
        metric. ``analysed`` defaults to today when ``started`` is given.
        """
        metrics = tuple(dict.fromkeys(r.metric for r in readout.lifts))
        if primary_metric is None:
            primary_metric = plan.primary_metric if plan is not None else metrics[0]
        p = readout.parameters
        family = p.get("family")
        if started is not None and analysed is None:
            analysed = date.today()
        return cls(
            primary_metric=primary_metric,
            metrics=metrics,
            alpha=1.0 - float(p["confidence"]),
            alternative=str(p["alternative"]),
            family=tuple(family) if family is not None else metrics,
            multiplicity=str(p["multiplicity"]),
            cuped=bool(p["cuped"]),
            sequential=bool(p["sequential"]),
            n_by_arm=dict(readout.n_by_arm),
            started=started,
            analysed=analysed,
            sample_tolerance=sample_tolerance,
        )


@dataclass(frozen=True)
class Deviation:
    """One difference between the pre-registered plan and the analysis run."""

    kind: DeviationKind
    """What differs (see :data:`DEVIATION_KINDS`)."""
    planned: str
    """What the plan said."""
    actual: str
    """What the analysis did."""
    message: str
    """The deviation in words, with its consequence."""
    metric: str | None = None
    """The metric concerned, when there is one."""
    blocks_ship: bool = False
    """Whether it prevents a SHIP: an early look with a fixed-horizon test, or a test made
    looser than planned (a larger α, a one-sided test where a two-sided one was planned)."""
    to_settle: str | None = None
    """For a deviation that blocks a SHIP: what would remove it."""


def _names(values: Sequence[str]) -> str:
    return ", ".join(values) if values else "none"


def _early(plan: ExperimentPlan, analysis: Analysis) -> Deviation | None:
    """A fixed-horizon test read before the planned duration or sample size."""
    if analysis.sequential:
        return None
    reasons, planned = [], []
    days = analysis.days
    if plan.duration_days is not None:
        planned.append(f"{plan.duration_days} days")
        if days is not None and days < plan.duration_days:
            reasons.append(f"after {days} of {plan.duration_days} planned days")
    if plan.sample_size_per_arm is not None:
        planned.append(f"{plan.sample_size_per_arm:,} users per arm")
        progress = planned_sample(plan, analysis)
        if progress is not None and not progress[1]:
            reasons.append(progress[0])
    if not reasons:
        return None
    return Deviation(
        kind="early_look",
        planned="read at the horizon: " + " and ".join(planned),
        actual="read " + " and ".join(reasons),
        message=(
            "unplanned early look with a fixed-horizon test: read "
            + " and ".join(reasons)
            + ". Peeking inflates the false-positive rate of fixed-horizon intervals, so the "
            "readout cannot support a SHIP; wait for the planned horizon or plan the test as "
            "sequential (always-valid intervals)"
        ),
        blocks_ship=True,
        to_settle="read the experiment at the planned horizon, or plan it as sequential",
    )


def planned_sample(plan: ExperimentPlan, analysis: Analysis) -> tuple[str, bool] | None:
    """How far the readout is into the planned sample, in words, and whether it counts as the
    planned final look (within ``analysis.sample_tolerance`` of the plan); ``None`` without a
    planned sample size or arm sizes."""
    planned = plan.sample_size_per_arm
    if planned is None or not analysis.n_by_arm:
        return None
    per_arm = sum(analysis.n_by_arm.values()) / len(analysis.n_by_arm)
    share = per_arm / planned
    tolerance = analysis.sample_tolerance
    final = per_arm >= planned * (1 - tolerance) - 1e-9
    text = (
        f"with {math.floor(per_arm):,} users per arm (average over the arms), "
        f"{math.floor(share * 1000) / 10:g}% of the planned {planned:,}"
    )
    if share < 1:
        allowed = f"{100 * tolerance:.3g}% tolerance"
        text += (
            f"; within the {allowed}, so read as the planned final look"
            if final
            else f", short by more than the {allowed}"
        )
    return text, final


def _metric_deviations(plan: ExperimentPlan, analysis: Analysis) -> list[Deviation]:
    """A changed primary metric, metrics analysed but not planned, and planned but not analysed."""
    out: list[Deviation] = []

    def add(kind: DeviationKind, planned: str, actual: str, message: str, **more: Any) -> None:
        out.append(Deviation(kind, planned, actual, message, **more))

    if analysis.primary_metric != plan.primary_metric:
        add(
            "primary_metric",
            plan.primary_metric,
            analysis.primary_metric,
            f"the primary metric changed from {plan.primary_metric!r} to "
            f"{analysis.primary_metric!r}; the decision must rest on the planned metric",
            metric=analysis.primary_metric,
        )
    planned = plan.metrics()
    for m in (m for m in analysis.metrics if m not in planned):
        add(
            "unplanned_metric",
            _names(planned),
            m,
            f"metric {m!r} was analysed but not named in the plan; read it as exploratory, "
            "not as evidence for the decision",
            metric=m,
        )
    for m in (m for m in planned if m not in analysis.metrics):
        add(
            "missing_metric",
            m,
            _names(analysis.metrics),
            f"planned metric {m!r} was not analysed",
            metric=m,
        )
    return out


def _test_deviations(plan: ExperimentPlan, analysis: Analysis) -> list[Deviation]:
    """A changed significance level or sidedness; blocking when the test is looser than planned."""
    out: list[Deviation] = []

    def add(kind: DeviationKind, planned: str, actual: str, message: str, **more: Any) -> None:
        out.append(Deviation(kind, planned, actual, message, **more))

    if not math.isclose(analysis.alpha, plan.alpha, rel_tol=0.0, abs_tol=1e-9):
        looser = analysis.alpha > plan.alpha
        add(
            "alpha",
            f"{plan.alpha:g}",
            f"{analysis.alpha:.6g}",
            f"the significance level changed from {plan.alpha:g} to {analysis.alpha:.6g} "
            f"(intervals at {1 - analysis.alpha:.6g} instead of {1 - plan.alpha:g})"
            + ("; a looser level than planned cannot support a SHIP" if looser else ""),
            blocks_ship=looser,
            to_settle=f"read the intervals at the planned {1 - plan.alpha:g}" if looser else None,
        )
    if analysis.alternative != plan.alternative:
        looser = plan.alternative == "two-sided"
        add(
            "alternative",
            plan.alternative,
            analysis.alternative,
            f"the test changed from {plan.alternative} to {analysis.alternative}"
            + (
                "; a one-sided test at the planned alpha is looser than the planned two-sided "
                "one and cannot support a SHIP"
                if looser
                else ""
            ),
            blocks_ship=looser,
            to_settle="read the planned two-sided test" if looser else None,
        )
    return out


def _adjustment_deviations(plan: ExperimentPlan, analysis: Analysis) -> list[Deviation]:
    """A changed multiplicity family or method, CUPED or sequential monitoring."""
    out: list[Deviation] = []

    def add(kind: DeviationKind, planned: str, actual: str, message: str, **more: Any) -> None:
        out.append(Deviation(kind, planned, actual, message, **more))

    family = plan.effective_family()
    if set(analysis.family) != set(family):
        add(
            "family",
            _names(family),
            _names(analysis.family),
            f"the multiplicity family changed from [{_names(family)}] to "
            f"[{_names(analysis.family)}]; adjusted p-values are not the planned ones",
        )
    if analysis.multiplicity != plan.multiplicity:
        add(
            "multiplicity",
            plan.multiplicity,
            analysis.multiplicity,
            f"the multiplicity adjustment changed from {plan.multiplicity} to "
            f"{analysis.multiplicity}",
        )
    for kind, was, now, what in (
        ("cuped", plan.cuped, analysis.cuped, "CUPED"),
        ("sequential", plan.sequential, analysis.sequential, "sequential testing"),
    ):
        if was != now:
            word = "used although not planned" if now else "planned but not used"
            add(kind, "yes" if was else "no", "yes" if now else "no", f"{what} {word}")  # type: ignore[arg-type]
    return out


def check_deviations(plan: ExperimentPlan, analysis: Analysis | Readout) -> list[Deviation]:
    """Every deviation of ``analysis`` from ``plan``, in the order of :data:`DEVIATION_KINDS`.

    ``analysis`` is an :class:`Analysis`, or a :class:`~assay.online.Readout` read with
    :meth:`Analysis.from_readout` (the plan's primary metric, no dates). Checks:

    - ``primary_metric``: the decision metric differs from the plan's.
    - ``unplanned_metric`` / ``missing_metric``: one per metric analysed that the plan does not
      name (primary, guardrails, secondary), and one per planned metric not analysed.
    - ``alpha`` (1 − confidence, compared to 1e-9) and ``alternative`` (sidedness); a larger α
      than planned, or a one-sided test where the plan is two-sided, makes the test looser
      than planned and has ``blocks_ship``.
    - ``family``: the metrics adjusted together differ from ``plan.effective_family()``
      (compared as sets); ``multiplicity``: the adjustment method differs.
    - ``cuped`` and ``sequential``: used when not planned, or planned and not used.
    - ``early_look``: a fixed-horizon analysis (``sequential=False``) with fewer days than
      ``plan.duration_days`` (needs both dates) or fewer users per arm, on average over the
      arms, than ``plan.sample_size_per_arm`` less ``analysis.sample_tolerance`` of it (2% by
      default: a readout 1.2% short is the planned final look); it has ``blocks_ship``.
    """
    if isinstance(analysis, Readout):
        analysis = Analysis.from_readout(analysis, plan=plan)
    if not isinstance(analysis, Analysis):
        raise ParameterError(
            "analysis", "check_deviations", "an Analysis or a Readout", type(analysis).__name__
        )
    found = [
        *_metric_deviations(plan, analysis),
        *_test_deviations(plan, analysis),
        *_adjustment_deviations(plan, analysis),
    ]
    early = _early(plan, analysis)
    if early is not None:
        found.append(early)
    return found
