"""Monitors attached to decisions: register one, record a window's look, read their status.

What is stored: the spec, every window's summary and every state of a monitor are
content-addressed artifacts, found by name through append-only slot logs
(:mod:`assay.workflows._monitor_store`), so monitors work on a local store and through a team
server alike. An alarm appends a ``challenge`` entry to the decision ledger that links the
decision, the watch's interval and the digests of the window's summary and data.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml

from assay.core import Comparison, MetricComparison
from assay.errors import ConfigError, NotFoundError
from assay.monitor import (
    MonitorSpec,
    MonitorStatus,
    Reference,
    WatchSpec,
    WatchState,
    calibration_profile,
    load_monitor_spec,
    look,
    new_watch,
)
from assay.storage import Store
from assay.workflows._monitor_store import (
    checked_head,
    head,
    monitor_names,
    put,
    raise_moved_on,
    register_name,
    registered,
    save_state,
)
from assay.workflows._monitor_tables import read_table, table_sha256, window_column
from assay.workflows._slot_log import get_json as _get
from assay.workflows._store import resolve_store

__all__ = ["monitor_status", "record_window", "register_monitor"]


def _reference(
    store: Store, decision_id: str, watch: WatchSpec, policy: dict[str, Any]
) -> Reference:
    decision = store.decisions.get(decision_id)
    digest = decision.artifacts.get("comparison")
    if digest is None or not store.artifacts.exists(digest):
        raise NotFoundError(f"Decision {decision_id!r} has no stored comparison to watch against.")
    comparison = Comparison.model_validate_json(store.artifacts.get(digest))
    attribute, _, value = (watch.slice or "").partition("=")
    rows = [r for r in comparison.results if r.metric == watch.metric]
    row = next(
        (
            r
            for r in rows
            if (r.slice_attribute or "") == attribute and (r.slice_value or "") == value
        ),
        None,
    )
    if row is None:
        known = sorted({r.metric for r in comparison.results})
        raise ConfigError(
            f"The decision's comparison has no result for {watch.metric!r}"
            + (f" on slice {watch.slice!r}" if watch.slice else "")
            + f"; its metrics: {', '.join(known)}."
        )
    margin, source = _margin(watch, row, policy)
    zero_one = "mcnemar" in row.test.lower() or 0.0 <= row.candidate.estimate <= 1.0
    return Reference(row.candidate.estimate, row.goal, margin, source, zero_one)


def _margin(watch: WatchSpec, row: MetricComparison, policy: dict[str, Any]) -> tuple[float, str]:
    if watch.margin is not None:
        return watch.margin, "the monitor spec"
    rules = ((policy.get("rules") or {}).get("quality")) or []
    for rule in rules:
        if rule.get("kind") == "non_inferiority" and rule.get("metric") in (watch.metric, "*"):
            if rule.get("margin") is not None:
                return float(rule["margin"]), f"policy rule {rule.get('name')!r}"
            if rule.get("relative_margin") is not None:
                size = float(rule["relative_margin"]) * abs(row.baseline.estimate)
                return size, f"policy rule {rule.get('name')!r} (relative)"
    if "mcnemar" in row.test.lower() or 0.0 <= row.baseline.estimate <= 1.0:
        return 0.01, "1 point, the default for a proportion"
    return 0.01 * abs(row.baseline.estimate), "1% of the baseline, the default"


def register_monitor(
    spec: MonitorSpec | str | Path, *, store: Store | None = None
) -> MonitorStatus:
    """Attach a monitor to a recorded decision: each watch's reference, margin and α share are
    fixed now from the decision's evidence; the spec and the initial state are stored.

    ``spec`` is a :class:`MonitorSpec` or a YAML file. Registering the same name again is an
    error unless the spec is identical (then the stored status is returned).
    """
    base = Path(".")
    if isinstance(spec, (str, Path)):
        path = Path(spec)
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise ConfigError(f"Cannot read the monitor spec {path}: {exc}") from exc
        spec, base = load_monitor_spec(text, source=str(path)), path.parent
    st = resolve_store(store)
    decision = st.decisions.get(spec.decision)
    spec = spec.model_copy(update={"decision": decision.decision_id})
    spec_digest = put(st, {"kind": "monitor-spec", "spec": spec.model_dump(mode="json")})
    if registered(st, spec.name, spec_digest):
        return monitor_status(spec.name, store=st)[0]
    policy: dict[str, Any] = {}
    if "policy" in decision.artifacts and st.artifacts.exists(decision.artifacts["policy"]):
        loaded = yaml.safe_load(st.artifacts.get(decision.artifacts["policy"]))
        policy = loaded if isinstance(loaded, dict) else {}
    watches = []
    for watch in spec.watches:
        reference = _reference(st, decision.decision_id, watch, policy)
        calibration = None
        if watch.method == "cbpe" and watch.holdout is not None:
            table = read_table(base / watch.holdout)
            calibration = calibration_profile(
                window_column(table, watch.column or watch.metric, f"hold-out {watch.holdout}"),
                window_column(table, watch.label, f"hold-out {watch.holdout}"),
                confidence=1.0 - spec.alpha / len(spec.watches) / 2,
            )
        watches.append(new_watch(spec, watch, reference, calibration))
    register_name(st, spec.name, spec_digest)
    return _save(st, spec, spec_digest, tuple(watches), looks=0, previous=None, window=None)


def _save(
    st: Store,
    spec: MonitorSpec,
    spec_digest: str,
    watches: tuple[WatchState, ...],
    *,
    looks: int,
    previous: str | None,
    window: str | None,
    challenges: tuple[int, ...] = (),
    new_alarms: tuple[str, ...] = (),
) -> MonitorStatus:
    at = datetime.now(UTC).isoformat() if looks else None
    state = {
        "kind": "monitor-state",
        "monitor": spec.name,
        "spec": spec_digest,
        "looks": looks,
        "at": at,
        "previous": previous,
        "window": window,
        "challenges": list(challenges),
        "watches": [w.model_dump(mode="json") for w in watches],
    }
    digest = save_state(st, spec.name, looks, state)
    return MonitorStatus(
        spec.name,
        spec.decision,
        spec.alpha,
        spec.every_seconds,
        looks,
        watches,
        spec_digest,
        digest,
        at,
        challenges,
        new_alarms,
        spec,
    )


def _load(st: Store, name: str) -> MonitorStatus:
    found = checked_head(st, name)
    digest = found.digest
    state = _get(st, digest)
    spec = MonitorSpec.model_validate(_get(st, state["spec"])["spec"])
    watches = tuple(WatchState.model_validate(w) for w in state["watches"])
    return MonitorStatus(
        name,
        spec.decision,
        spec.alpha,
        spec.every_seconds,
        state["looks"],
        watches,
        state["spec"],
        digest,
        state["at"],
        tuple(state["challenges"]),
        (),
        spec,
        found.problems,
    )


def monitor_status(name: str | None = None, *, store: Store | None = None) -> list[MonitorStatus]:
    """Every registered monitor's status (or the one named), by name."""
    st = resolve_store(store)
    names = [name] if name is not None else monitor_names(st)
    return [_load(st, n) for n in names]


def record_window(name: str, data: Any, *, store: Store | None = None) -> MonitorStatus:
    """Look at one window: add its scores to every watch of monitor ``name`` and judge them.

    ``data`` is a table (a Parquet, CSV or JSONL path, a pyarrow Table or a pandas DataFrame)
    with one row per example and a column per watch (its ``column``), plus slice attributes.
    Each watch that alarms at this look appends a ``challenge`` to the ledger. Looks of one
    monitor are meant to run one at a time (a scheduler's job); one that finds the monitor
    moved on while it computed raises :class:`~assay.errors.StorageError` instead of losing
    the other look.
    """
    st = resolve_store(store)
    status = _load(st, name)
    assert status.spec is not None
    table = read_table(data)
    window_digest = table_sha256(table)
    watches, summary = [], []
    for watch in status.watches:
        rows = table
        if watch.slice is not None:
            attribute, _, value = watch.slice.partition("=")
            column = window_column(table, attribute, "window", numeric=False)
            rows = table.filter(column.astype(str) == value)
        values = window_column(rows, watch.column, "window")
        after = look(watch, values)
        watches.append(after)
        summary.append(
            {
                "watch": after.name,
                "rows": int(values.size),
                "state": after.state,
                "estimate": after.estimate,
                "low": after.low,
                "high": after.high,
            }
        )
    window = put(
        st,
        {
            "kind": "monitor-window",
            "monitor": name,
            "look": status.looks + 1,
            "data_sha256": window_digest,
            "rows": table.num_rows,
            "watches": summary,
        },
    )
    if head(st, name)[1] != status.state_digest:
        raise_moved_on(name)
    new = tuple(
        w.name
        for w, before in zip(watches, status.watches, strict=True)
        if w.state == "alarm" and before.state != "alarm"
    )
    challenges = list(status.challenges)
    for watch in watches:
        if watch.name in new:
            entry = st.decisions.challenge(
                status.decision_id,
                {
                    "monitor": name,
                    "watch": watch.name,
                    "look": watch.looks,
                    "state": "alarm",
                    "estimate": watch.estimate,
                    "low": watch.low,
                    "high": watch.high,
                    "threshold": watch.threshold,
                    "reference": watch.reference,
                    "margin": watch.margin,
                    "alpha": watch.alpha,
                    "method": watch.method,
                    "window": window,
                    "data_sha256": window_digest,
                    "spec": status.spec_digest,
                },
            )
            challenges.append(entry.sequence)
    return _save(
        st,
        status.spec,
        status.spec_digest,
        tuple(watches),
        looks=status.looks + 1,
        previous=status.state_digest,
        window=window,
        challenges=tuple(challenges),
        new_alarms=new,
    )
