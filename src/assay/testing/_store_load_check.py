"""What must hold after a load: every acknowledged write readable, nothing twice, the chain
whole; and the figures a benchmark prints (operations/s, p50/p99 per kind)."""

from __future__ import annotations

import itertools
from collections import Counter
from typing import Any

import numpy as np

from assay.storage import Store
from assay.testing._store_load import WorkerReport

__all__ = ["load_problems", "load_summary"]


def _worker_problems(
    reports: list[WorkerReport], codes: list[int | None], expected: int
) -> list[str]:
    problems = []
    if len(reports) != expected:
        problems.append(f"{expected - len(reports)} workers wrote no report")
    hung = sum(1 for c in codes if c is None)
    failed = [c for c in codes if c not in (0, None)]
    if hung:
        problems.append(f"{hung} workers still running past the grace period (hung)")
    if failed:
        problems.append(f"workers exited with codes {failed}")
    for r in reports:
        problems += [f"{r.role} {r.index}: {e}" for e in r.errors[:5]]
    return problems


def _run_problems(store: Store, reports: list[WorkerReport]) -> list[str]:
    problems = []
    acked: dict[str, int] = {}
    for r in reports:
        acked.update(r.runs)
    shared: dict[str, set[str]] = {}
    for r in reports:
        for key, run_id in r.shared.items():
            shared.setdefault(key, set()).add(run_id)
    for key, returned in shared.items():
        if len(returned) != 1:
            problems.append(f"shared content {key} stored as several runs: {sorted(returned)}")
    listed = store.runs.list()
    ids = [info.run_id for info in listed]
    twice = [i for i, n in Counter(ids).items() if n > 1]
    if twice:
        problems.append(f"runs listed twice: {twice[:5]}")
    expected = set(acked) | {next(iter(s)) for s in shared.values()}
    if set(ids) != expected:
        lost, extra = expected - set(ids), set(ids) - expected
        problems.append(f"runs lost {sorted(lost)[:5]} ({len(lost)}), unacknowledged {len(extra)}")
    digests = Counter(info.content_digest for info in listed)
    if any(n > 1 for n in digests.values()):
        problems.append("two stored runs share a content digest")
    by_id = {info.run_id: info for info in listed}
    for run_id, n in acked.items():
        if run_id in by_id and store.runs.records(run_id).num_rows != n:
            problems.append(f"run {run_id}: records read back differ from the {n} written")
    for r in reports:  # a run is tagged by its writer alone: the last value set holds
        for run_id, value in r.tags.items():
            found = by_id[run_id].tags.get("load") if run_id in by_id else value
            if found != value:
                problems.append(f"run {run_id}: tag {found!r}, last set {value!r}")
    return problems


def _ledger_problems(store: Store, reports: list[WorkerReport]) -> list[str]:
    problems = []
    entries = store.decisions.ledger()
    sequences = [e.sequence for e in entries]
    if sequences != list(range(1, len(entries) + 1)):
        problems.append("ledger sequences are not 1..N without gaps")
    for before, after in itertools.pairwise(entries):
        if after.previous_hash != before.entry_hash:
            problems.append(f"entry {after.sequence} does not link to {before.sequence}")
            break
    hashes = Counter(e.entry_hash for e in entries)
    if any(n > 1 for n in hashes.values()):
        problems.append("two ledger entries share a hash")
    stored = {e.sequence: (e.entry_hash, e.decision_id) for e in entries}
    acked = [(int(s), str(h), str(d)) for r in reports for s, h, d in r.entries]
    if len(acked) != len(entries):
        problems.append(f"{len(acked)} appends acknowledged, {len(entries)} entries stored")
    if len({a[0] for a in acked}) != len(acked):
        problems.append("two acknowledged appends were given the same sequence")
    for sequence, entry_hash, decision_id in acked:
        if stored.get(sequence) != (entry_hash, decision_id):
            problems.append(f"acknowledged entry {sequence} ({decision_id}) is not as returned")
            break
    decided = [d for r in reports for d in r.decisions]
    listed = [d.decision_id for d in store.decisions.list()]
    if sorted(listed) != sorted(decided):
        problems.append(f"{len(decided)} decisions acknowledged, {len(listed)} listed")
    verification = store.decisions.verify()
    if not verification.ok or verification.entries != len(entries):
        problems.append(f"ledger verification failed: {verification.reason}")
    return problems


def load_problems(
    store: Store, reports: list[WorkerReport], codes: list[int | None], workers: int
) -> list[str]:
    """Everything that went wrong: workers that failed, hung or hit errors (deadlocks
    included), acknowledged writes missing or changed, duplicates, a broken chain."""
    return (
        _worker_problems(reports, codes, workers)
        + _run_problems(store, reports)
        + _ledger_problems(store, reports)
    )


def load_summary(reports: list[WorkerReport], seconds: float) -> dict[str, dict[str, Any]]:
    """Per operation kind: count, operations/s over ``seconds``, p50/p99 latency (ms); and the
    errors and deadlocks of all workers under ``"errors"``."""
    kinds: dict[str, list[float]] = {}
    for r in reports:
        for kind, values in r.latencies.items():
            kinds.setdefault(kind, []).extend(values)
    summary: dict[str, dict[str, Any]] = {}
    for kind in sorted(kinds):
        ms = np.asarray(kinds[kind]) * 1000
        summary[kind] = {
            "n": len(ms),
            "per_s": len(ms) / seconds,
            "p50_ms": float(np.percentile(ms, 50)),
            "p99_ms": float(np.percentile(ms, 99)),
        }
    summary["errors"] = {
        "n": sum(len(r.errors) for r in reports),
        "deadlocks": sum(r.deadlocks for r in reports),
    }
    return summary
