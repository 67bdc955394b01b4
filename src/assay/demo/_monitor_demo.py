"""``assay demo --example monitor``: the Adult candidate shipped, then watched, then challenged.

After :func:`~assay.demo.run_demo` records the SHIP decision, the training split is profiled as
the reference (the evidence the candidate shipped on) and a monitor is attached to the
decision, watching its accuracy with an anytime-valid confidence sequence. Windows of the test
split then arrive as production would send them: first as drawn (nothing moves), then with a
new population (married people drawn ``married_weight`` times as often; the candidate is less
accurate on them). Each window is judged for drift against the reference and looked at by the
watch; the alarm writes a ``challenge`` to the decision's ledger.

Seeds are fixed and the monitor is named after the decision, so running it again records no
new look: the stored looks and challenges are read back.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa

from assay.core import LedgerEntry
from assay.datasets import ADULT_FEATURES, load_adult
from assay.demo._adult import SEED, DemoResult, run_demo
from assay.monitor import DriftResult, MonitorSpec, MonitorStatus, WatchSpec, drift, profile
from assay.storage import Store
from assay.workflows import (
    default_store,
    monitor_history,
    record_window,
    register_monitor,
    save_profile,
)

__all__ = ["MonitorDemoLook", "MonitorDemoResult", "run_monitor_demo"]


@dataclass(frozen=True)
class MonitorDemoLook:
    """One window: its drift against the reference and the watch after it."""

    label: str
    """``window N``, in the order the windows arrive."""
    shifted: bool
    """Whether the window was drawn with the shift."""
    rows: int
    """Rows in the window."""
    correct: int
    """Rows the candidate got right (the window's accuracy column summed)."""
    drift: DriftResult
    """The window judged against the reference profile, column by column."""
    look: dict[str, Any]
    """The stored look (:func:`assay.workflows.monitor_history`)."""


@dataclass(frozen=True)
class MonitorDemoResult:
    """What the monitoring demo stored and saw."""

    demo: DemoResult
    """The Adult demo's runs and decision."""
    reference_name: str
    """The stored name of the reference profile."""
    reference_digest: str
    """Its digest."""
    reference_rows: int
    """Rows of the training split profiled."""
    looks: tuple[MonitorDemoLook, ...]
    """Each window, in order."""
    status: MonitorStatus
    """The monitor after the last look."""
    challenges: tuple[LedgerEntry, ...]
    """The challenges its alarms wrote to the ledger."""
    created: bool
    """Whether the looks were recorded now (False: read back from an earlier run)."""
    shift: str
    """The shifted windows' shift, in words."""


def _production(store: Store, demo: DemoResult) -> pa.Table:
    """The test split's features with the candidate's stored per-example accuracy."""
    test = load_adult("test")
    records = store.runs.records(demo.candidate.run.run_id, ["example_id", "accuracy"])
    by_id = dict(
        zip(
            records.column("example_id").to_pylist(),
            records.column("accuracy").to_pylist(),
            strict=True,
        )
    )
    table = pa.Table.from_pandas(test[ADULT_FEATURES], preserve_index=False)
    correct = [by_id[f"adult-test-{row}"] for row in test["row"]]
    return table.append_column("accuracy", pa.array(correct, pa.float64()))


def run_monitor_demo(
    *,
    store: Store | None = None,
    output: str | Path = "assay-demo",
    on_step: Callable[[str], None] | None = None,
    clean_windows: int = 1,
    shifted_windows: int = 3,
    window_rows: int = 3000,
    married_weight: float = 10.0,
    seed: int = SEED,
) -> MonitorDemoResult:
    """Ship the Adult candidate (:func:`run_demo`), profile its training split, attach a
    monitor to the decision and look at ``clean_windows`` windows of the test split as drawn,
    then ``shifted_windows`` with married people drawn ``married_weight`` times as often."""
    say = on_step or (lambda _msg: None)
    st = store if store is not None else default_store()
    demo = run_demo(store=st, output=output, on_step=say)
    train = load_adult("train")
    say(f"profiling the reference: the training split ({len(train):,} rows, its features)")
    reference = profile(train[ADULT_FEATURES], name="adult training split")
    digest = save_profile(reference, name="adult-reference", store=st)
    decision_id = demo.decision.decision.decision_id
    name = f"adult-demo-{decision_id[:12]}"
    spec = MonitorSpec(name=name, decision=decision_id, watches=(WatchSpec(metric="accuracy"),))
    status = register_monitor(spec, store=st)
    created = status.looks == 0
    production = _production(st, demo)
    married = np.asarray(production.column("marital_status").to_pylist()) == "Married-civ-spouse"
    weights = np.where(married, married_weight, 1.0)
    rng = np.random.default_rng(seed)
    windows = []
    for i in range(clean_windows + shifted_windows):
        shifted = i >= clean_windows
        rows = rng.choice(
            production.num_rows,
            size=window_rows,
            replace=False,
            p=weights / weights.sum() if shifted else None,
        )
        label = f"window {i + 1}"
        window = production.take(np.sort(rows))
        say(f"{label}: drift against the reference" + ("; the watch looks" if created else ""))
        judged = drift(window.drop(["accuracy"]), reference, name=label)
        if created:
            status = record_window(name, window, store=st)
        correct = int(np.sum(window.column("accuracy").to_numpy()))
        windows.append((label, shifted, window.num_rows, correct, judged))
    history = monitor_history(name, store=st)
    looks = tuple(
        MonitorDemoLook(label, shifted, rows, correct, judged, stored)
        for (label, shifted, rows, correct, judged), stored in zip(windows, history, strict=False)
    )
    challenges = tuple(
        e
        for e in st.decisions.ledger()
        if e.kind == "challenge" and e.sequence in set(status.challenges)
    )
    return MonitorDemoResult(
        demo,
        "adult-reference",
        digest,
        reference.rows,
        looks,
        status,
        challenges,
        created,
        f"married people drawn {married_weight:g}x as often",
    )
