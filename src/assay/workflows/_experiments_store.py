"""A/B experiments in the store: the plan registered under a name, and every readout recorded.

Everything is a content-addressed artifact (``store.artifacts.put``), so it works the same on a
local store and through a team server (``ASSAY_DB=http://…``). The plan is stored once under
the experiment's name and is frozen: a different plan under a registered name is refused.
Readouts are kept in the order they were recorded.

Names and the order of readouts are kept without any mutable file, in the append-only slot
logs of :mod:`assay.workflows._slot_log`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from assay.errors import ConfigError, ImmutableError, NotFoundError
from assay.online import ExperimentPlan, Readout
from assay.storage import Store
from assay.workflows._experiments import ExperimentReadout
from assay.workflows._slot_log import append as _append
from assay.workflows._slot_log import claim as _claim
from assay.workflows._slot_log import entries as _entries
from assay.workflows._slot_log import get_json as _json
from assay.workflows._slot_log import put_json as _put
from assay.workflows._slot_log import slot as _slot
from assay.workflows._store import resolve_store

__all__ = [
    "StoredExperiment",
    "experiment_history",
    "experiment_plan",
    "get_experiment",
    "list_experiments",
    "record_experiment",
    "record_experiment_plan",
    "record_readout",
]

PLAN_MEDIA = "application/vnd.assay.experiment-plan+json"
READOUT_MEDIA = "application/vnd.assay.experiment-readout+json"
MAX_NAME = 200


@dataclass(frozen=True)
class StoredExperiment:
    """One experiment as stored: its name, plan digest, status and newest readout."""

    name: str
    plan_digest: str
    status: str
    """``planned`` (no readout yet), ``running`` (readouts, no final verdict) or ``decided``
    (the newest readout's verdict is SHIP or BLOCK)."""
    readouts: int
    last_readout: dict[str, Any] | None

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON types."""
        return {
            "name": self.name,
            "plan_digest": self.plan_digest,
            "status": self.status,
            "readouts": self.readouts,
            "last_readout": self.last_readout,
        }


def _check_name(name: object) -> str:
    if not isinstance(name, str) or not name.strip() or len(name) > MAX_NAME or "\x00" in name:
        raise ConfigError(
            f"An experiment name is 1 to {MAX_NAME} characters of text; got {str(name)[:80]!r}."
        )
    return name


def _plan_of(plan: ExperimentPlan | Mapping[str, Any]) -> ExperimentPlan:
    if isinstance(plan, ExperimentPlan):
        return plan
    return ExperimentPlan.from_dict(plan)


def record_experiment_plan(
    plan: ExperimentPlan | Mapping[str, Any], *, name: str | None = None, store: Store | None = None
) -> str:
    """Register ``plan`` under ``name`` (default: the plan's own name); returns its digest.

    Registering the same plan again is a no-op; a different plan under a registered name
    raises :class:`~assay.errors.ImmutableError` (a pre-registered plan is frozen)."""
    st = resolve_store(store)
    the_plan = _plan_of(plan)
    label = _check_name(name if name is not None else the_plan.name)
    digest = _put(st, {"name": label, "plan": the_plan.to_dict()}, PLAN_MEDIA)
    held = _slot(st, f"plan:{label}", 0)
    if held is None:
        held = _claim(st, f"plan:{label}", 0, digest)  # a name has one plan: slot 0 only
        if held == digest:
            _append(st, "experiments", digest)
    if held != digest:
        raise ImmutableError(
            f"The experiment {label[:80]!r} is registered with another plan "
            f"({str(held)[:12]}); a registered plan is frozen: use a new name."
        )
    return digest


def _finite(x: float) -> float | None:
    return float(x) if math.isfinite(x) else None


def _summary(done: ExperimentReadout | Readout, *, metric: str | None = None) -> dict[str, Any]:
    """What is recorded of a readout: n per arm, the primary metric's relative lift with its
    interval per treatment, the verdicts, the sample-ratio check and the method."""
    result = done.readout if isinstance(done, ExperimentReadout) else done
    verdict = done.verdict if isinstance(done, ExperimentReadout) else None
    plan = done.plan if isinstance(done, ExperimentReadout) else None
    chosen = metric or (plan.primary_metric if plan is not None else None)
    if chosen is None or chosen not in {lift.metric for lift in result.lifts}:
        chosen = result.lifts[0].metric if result.lifts else ""
    arms = []
    method = ""
    for lift in result.lifts:
        if lift.metric != chosen:
            continue
        method = lift.method
        rel = lift.relative
        arm_verdict = None
        if verdict is not None:
            arm_verdict = str(verdict.arm(lift.treatment).verdict.verdict)
        arms.append(
            {
                "treatment": lift.treatment,
                "lift": _finite(rel.estimate),
                "low": _finite(rel.low),
                "high": _finite(rel.high),
                "confidence": rel.confidence,
                "p_value": _finite(lift.p_value),
                "verdict": arm_verdict,
            }
        )
    return {
        "metric": chosen,
        "control": result.control,
        "n_by_arm": {a: int(result.n_by_arm[a]) for a in result.arms},
        "arms": arms,
        "verdict": str(verdict.verdict) if verdict is not None else None,
        "srm": {
            "p_value": _finite(result.srm.p_value),
            "mismatch": bool(result.srm.mismatch),
            "method": result.srm.method,
        },
        "method": method,
        "trusted": bool(result.trusted),
    }


def record_readout(
    name: str,
    readout: ExperimentReadout | Readout,
    *,
    store: Store | None = None,
    recorded_at: datetime | None = None,
) -> dict[str, Any]:
    """Record ``readout`` of the registered experiment ``name``; returns what was stored
    (with its ``digest``). A readout carrying a plan must carry the registered one."""
    st = resolve_store(store)
    label = _check_name(name)
    plan_digest = _slot(st, f"plan:{label}", 0)
    if plan_digest is None:
        raise NotFoundError(
            f"No experiment is registered as {label[:80]!r}: record its plan first."
        )
    if isinstance(readout, ExperimentReadout) and readout.plan is not None:
        registered = ExperimentPlan.from_dict(_json(st, plan_digest)["plan"])
        if registered != readout.plan:
            raise ImmutableError(
                f"This readout was judged against a plan other than the one registered "
                f"as {label[:80]!r} ({plan_digest[:12]})."
            )
    when = (recorded_at or datetime.now(UTC)).astimezone(UTC)
    entry = {
        "experiment": label,
        "plan_digest": plan_digest,
        "recorded_at": when.isoformat(),
        **_summary(readout),
    }
    digest = _put(st, entry, READOUT_MEDIA)
    k = _append(st, f"readouts:{label}", digest)
    return {**entry, "digest": digest, "number": k + 1}


def record_experiment(
    done: ExperimentReadout,
    *,
    name: str | None = None,
    store: Store | None = None,
    recorded_at: datetime | None = None,
) -> dict[str, Any]:
    """Register the plan ``done`` was judged against (once; it is then frozen) and record the
    readout under ``name`` (default: the plan's). Returns the stored readout with its
    ``digest``, its ``number`` in the experiment's history and the ``store`` it went to."""
    if not isinstance(done, ExperimentReadout) or done.plan is None:
        raise ConfigError("Recording an experiment needs a readout judged against its plan.")
    st = resolve_store(store)
    label = name if name is not None else done.plan.name
    record_experiment_plan(done.plan, name=label, store=st)
    return {**record_readout(label, done, store=st, recorded_at=recorded_at), "store": st.url}


def experiment_plan(name: str, *, store: Store | None = None) -> tuple[str, ExperimentPlan]:
    """The registered plan of ``name`` and its digest."""
    st = resolve_store(store)
    label = _check_name(name)
    digest = _slot(st, f"plan:{label}", 0)
    if digest is None:
        raise NotFoundError(f"No experiment is registered as {label[:80]!r}.")
    return digest, ExperimentPlan.from_dict(_json(st, digest)["plan"])


def experiment_history(name: str, *, store: Store | None = None) -> list[dict[str, Any]]:
    """Every recorded readout of ``name``, oldest first, each with its ``digest``."""
    st = resolve_store(store)
    label = _check_name(name)
    if _slot(st, f"plan:{label}", 0) is None:
        raise NotFoundError(f"No experiment is registered as {label[:80]!r}.")
    return [{**_json(st, d), "digest": d} for d in _entries(st, f"readouts:{label}")]


def _status(last: Mapping[str, Any] | None) -> str:
    if last is None:
        return "planned"
    return "decided" if last.get("verdict") in ("SHIP", "BLOCK") else "running"


def get_experiment(name: str, *, store: Store | None = None) -> dict[str, Any]:
    """One experiment: its ``name``, registered ``plan`` (with ``plan_digest``), ``status``,
    number of ``readouts``, ``last_readout`` and the whole ``history``, oldest first."""
    st = resolve_store(store)
    digest, plan = experiment_plan(name, store=st)
    history = experiment_history(name, store=st)
    last = history[-1] if history else None
    return {
        **StoredExperiment(name, digest, _status(last), len(history), last).to_dict(),
        "plan": plan.to_dict(),
        "history": history,
    }


def list_experiments(*, store: Store | None = None) -> list[StoredExperiment]:
    """Every registered experiment, in the order registered, with its status and newest
    readout."""
    st = resolve_store(store)
    out = []
    for plan_digest in _entries(st, "experiments"):
        name = str(_json(st, plan_digest)["name"])
        history = list(_entries(st, f"readouts:{name}"))
        last = {**_json(st, history[-1]), "digest": history[-1]} if history else None
        out.append(StoredExperiment(name, plan_digest, _status(last), len(history), last))
    return out
