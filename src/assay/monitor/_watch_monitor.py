"""A monitor's watches built from the release evidence, and the status of a monitor."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from assay.monitor._watch import WatchState
from assay.monitor._watch_cbpe import CalibrationProfile
from assay.monitor._watch_spec import MonitorSpec, WatchSpec

__all__ = ["MonitorStatus", "Reference", "new_watch", "worst_state"]


@dataclass(frozen=True)
class Reference:
    """The release evidence a watch is held to: the candidate run's estimate on the metric."""

    estimate: float
    """The candidate run's estimate (the decision's comparison)."""
    goal: Literal["higher", "lower"]
    """Which direction is better."""
    margin: float
    """The acceptable worsening."""
    margin_source: str
    """Where the margin came from (spec, policy rule, proportion default, relative default)."""
    zero_one: bool = False
    """Whether the metric is a proportion of 0/1 scores."""


def new_watch(
    spec: MonitorSpec,
    watch: WatchSpec,
    reference: Reference,
    calibration: CalibrationProfile | None = None,
) -> WatchState:
    """A watch before its first look; its α is the monitor's α over its number of watches."""
    method = watch.method
    bounds = watch.bounds
    if method == "auto":
        bounded = bounds is not None or 0.0 <= reference.estimate <= 1.0
        method = "bernstein" if bounded else "normal"
    if method in ("bernstein", "cbpe") and bounds is None:
        bounds = (0.0, 1.0)
    sign = -1.0 if reference.goal == "higher" else 1.0
    notes = [f"margin: {reference.margin_source}"]
    if method == "cbpe":
        from assay.monitor._watch import cbpe_notes

        notes.extend(cbpe_notes(calibration is not None))
    if method == "normal":
        notes.append(
            "normal mixture with running sd: asymptotically valid; silent before 30 scores"
        )
    return WatchState(
        name=watch.name,
        metric=watch.metric,
        slice=watch.slice,
        column=watch.column or watch.metric,
        method=method,
        goal=reference.goal,
        reference=reference.estimate,
        margin=reference.margin,
        threshold=reference.estimate + sign * reference.margin,
        alpha=spec.alpha / len(spec.watches),
        bounds=bounds,
        calibration=calibration,
        notes=tuple(notes),
    )


def worst_state(states: list[str]) -> Literal["ok", "alarm", "inconclusive"]:
    """alarm if any watch alarms, else inconclusive if any is, else ok."""
    if "alarm" in states:
        return "alarm"
    if "inconclusive" in states or not states:
        return "inconclusive"
    return "ok"


@dataclass(frozen=True)
class MonitorStatus:
    """Where a monitor stands after its last look."""

    name: str
    """The monitor's name."""
    decision_id: str
    """The decision it watches."""
    alpha: float
    """Its family-wise false-alarm budget over all looks."""
    every_seconds: int
    """Seconds between scheduled looks."""
    looks: int
    """Looks so far."""
    watches: tuple[WatchState, ...]
    """Each watch after the last look."""
    spec_digest: str
    """The stored spec's artifact digest."""
    state_digest: str
    """The stored state's artifact digest."""
    last_look_at: str | None = None
    """When the last look was recorded (ISO 8601, UTC)."""
    challenges: tuple[int, ...] = ()
    """Ledger sequences of the challenges its alarms wrote."""
    new_alarms: tuple[str, ...] = field(default=(), compare=False)
    """Watches that alarmed at the last look (set by the call that recorded it)."""
    spec: MonitorSpec | None = field(default=None, compare=False)
    """The monitor's spec."""
    problems: tuple[str, ...] = field(default=(), compare=False)
    """Slots of the monitor's state log skipped as invalid (newer than this state), one
    sentence each; empty when the log is sound."""

    @property
    def state(self) -> Literal["ok", "alarm", "inconclusive"]:
        """The worst state over the watches."""
        return worst_state([w.state for w in self.watches])

    @property
    def remaining(self) -> float:
        """The unspent error budget: the α of the watches that have not alarmed."""
        return float(sum(w.remaining for w in self.watches))

    def to_dict(self) -> dict[str, Any]:
        """The status as JSON-ready data."""
        return {
            "name": self.name,
            "decision_id": self.decision_id,
            "alpha": self.alpha,
            "remaining_alpha": self.remaining,
            "state": self.state,
            "looks": self.looks,
            "every_seconds": self.every_seconds,
            "last_look_at": self.last_look_at,
            "challenges": list(self.challenges),
            "spec_digest": self.spec_digest,
            "state_digest": self.state_digest,
            "problems": list(self.problems),
            "watches": [
                {
                    **w.model_dump(mode="json", exclude={"carried", "calibration"}),
                    "remaining_alpha": w.remaining,
                    "estimate_outside": w.estimate_outside,
                }
                for w in self.watches
            ],
        }
