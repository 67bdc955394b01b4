"""Writers and readers hammering one store from separate processes, and what each saw.

Writers store runs with their records (some with content another writer stores too), tag
them, record decisions between them and approve those decisions; readers list runs, page and
read records, read decisions and verify the ledger while the writers append to it. Every
operation is timed; every write the store acknowledged is written down with what it returned,
so that afterwards :mod:`assay.testing._store_load_check` can prove nothing was lost or
duplicated. Used by ``tests/storage/test_pg_load.py`` and ``benchmarks/bench_pg_load.py``.
"""

from __future__ import annotations

import json
import multiprocessing
import random
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from assay.storage import RecordFilter, RunQuery, Store, open_store
from assay.testing._stored import (
    make_approval,
    make_decision,
    make_records,
    make_run,
    make_suite_model,
)

__all__ = ["LoadPlan", "WorkerReport", "prepare_store", "run_load"]

RECORDS_PER_RUN = 40
SHARED_EVERY = 5  # one run in 5 has content that every writer stores
READ_KINDS = ("list", "page", "page", "records", "records", "decisions", "verify")


@dataclass(frozen=True)
class LoadPlan:
    """Who hammers which store, for how long."""

    url: str
    files: str
    writers: int
    readers: int
    seconds: float
    out: Path


@dataclass
class WorkerReport:
    """What one worker did: latencies per operation kind, errors, and acknowledged writes."""

    role: str
    index: int
    latencies: dict[str, list[float]] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    deadlocks: int = 0
    runs: dict[str, int] = field(default_factory=dict)  # run id -> records
    shared: dict[str, str] = field(default_factory=dict)  # shared content key -> run id
    tags: dict[str, str] = field(default_factory=dict)  # run id -> its last tag value
    decisions: list[str] = field(default_factory=list)
    entries: list[tuple[int, str, str]] = field(default_factory=list)  # sequence, hash, id

    def timed(self, kind: str, started: float) -> None:
        self.latencies.setdefault(kind, []).append(time.perf_counter() - started)

    def failed(self, kind: str, exc: BaseException) -> None:
        chain: BaseException | None = exc
        while chain is not None:
            if "deadlock detected" in str(chain).lower():
                self.deadlocks += 1
                break
            chain = chain.__cause__ or chain.__context__
        self.errors.append(f"{kind}: {type(exc).__name__}: {str(exc)[:300]}")


def prepare_store(url: str, files: str) -> None:
    """Store the suite every run is on."""
    suite, examples = make_suite_model("qa")
    with open_store(url, artifacts=files) as store:
        store.suites.put(suite, examples)


def _write_run(store: Store, report: WorkerReport, k: int) -> None:
    suite, _ = make_suite_model("qa")
    shared = (k // 4) % SHARED_EVERY == 1
    key = f"s{k // 4 // SHARED_EVERY}"
    run_id = f"{key}-w{report.index}" if shared else f"w{report.index}-r{k}"
    seed = 1_000_000 + k if shared else report.index * 100_000 + k
    records = make_records(RECORDS_PER_RUN, seed=seed)
    run = make_run(suite, records, run_id=run_id, minutes=k, content_digest="")
    if shared:  # the same content from every writer: one stored run, the others get it back
        run = run.model_copy(update={"params": {"shared": key}})
    stored, _ = store.runs.put(run, records)
    if shared:
        report.shared[key] = stored.run_id
    else:
        report.runs[stored.run_id] = stored.n_records


def _write(store: Store, report: WorkerReport, k: int, rng: random.Random) -> str:
    own = list(report.runs)
    step = k % 4
    if step == 0 or len(own) < 2:
        _write_run(store, report, k)
        return "run"
    if step == 1:
        run_id = rng.choice(own)
        value = f"v{k}"
        store.runs.tag(run_id, {"load": value})
        report.tags[run_id] = value
        return "tag"
    if step == 2:
        baseline, candidate = rng.sample(own, 2)
        decision_id = f"w{report.index}-d{k}"
        entry = store.decisions.put(make_decision(baseline, candidate, decision_id=decision_id))
        report.decisions.append(decision_id)
        report.entries.append((entry.sequence, entry.entry_hash, decision_id))
        return "decision"
    if not report.decisions:
        _write_run(store, report, k)
        return "run"
    decision_id = rng.choice(report.decisions)
    entry = store.decisions.approve(decision_id, make_approval(f"role-{k}"))
    report.entries.append((entry.sequence, entry.entry_hash, decision_id))
    return "approval"


def _inconsistent(what: str) -> AssertionError:
    return AssertionError(f"inconsistent read: {what}")


def _read(store: Store, kind: str, rng: random.Random, seen: dict[str, int]) -> None:
    if kind == "list":
        listed = store.runs.list()
        if len(listed) < seen.get("runs", 0):
            raise _inconsistent(f"{len(listed)} runs listed after {seen['runs']}")
        seen["runs"] = len(listed)
        return
    if kind == "verify":
        result = store.decisions.verify()
        if not result.ok or result.entries < seen.get("entries", 0):
            raise _inconsistent(f"ledger verification {result.ok} ({result.reason})")
        seen["entries"] = result.entries
        return
    if kind == "decisions":
        for decision in store.decisions.list()[:3]:
            store.decisions.approvals(decision.decision_id)
        return
    recent = store.runs.list(RunQuery(limit=20))
    if not recent:
        return
    run = rng.choice(recent)
    if kind == "records":
        table = store.runs.records(run.run_id)
        if table.num_rows != run.n_records:
            raise _inconsistent(f"run {run.run_id}: {table.num_rows} of {run.n_records} records")
        return
    page = store.runs.page(run.run_id, RecordFilter(), offset=0, limit=10)
    if page.total != run.n_records or len(page.rows) != min(10, run.n_records):
        raise _inconsistent(f"run {run.run_id}: page of {page.total} of {run.n_records}")


def _worker(plan: LoadPlan, role: str, index: int, barrier: Any) -> None:
    report = WorkerReport(role, index)
    rng = random.Random(f"{role}-{index}")
    seen: dict[str, int] = {}
    try:
        with open_store(plan.url, artifacts=plan.files) as store:
            # one untimed operation first: what a process loads on first use is not the load
            if role == "reader":
                _read(store, "list", rng, seen)
            else:
                _write_run(store, report, 0)
            barrier.wait(600)
            deadline = time.perf_counter() + plan.seconds
            k = 0
            while time.perf_counter() < deadline:
                k += 1
                started = time.perf_counter()
                kind = READ_KINDS[k % len(READ_KINDS)] if role == "reader" else "write"
                try:
                    if role == "reader":
                        _read(store, kind, rng, seen)
                    else:
                        kind = _write(store, report, k, rng)
                except Exception as exc:
                    report.failed(kind, exc)
                    continue
                report.timed(kind, started)
    except Exception:
        report.errors.append(f"worker: {traceback.format_exc()[-600:]}")
        barrier.abort()  # the others stop waiting for a worker that will not come
    path = plan.out / f"{role}-{index}.json"
    path.write_text(json.dumps(report.__dict__))


def run_load(plan: LoadPlan, *, grace: float = 300) -> tuple[list[WorkerReport], list[int | None]]:
    """Start the writers and readers as spawned processes, all released at once; their
    reports, and their exit codes (None for one still running ``grace`` seconds after the
    planned end: it was killed, and counts as hung)."""
    plan.out.mkdir(parents=True, exist_ok=True)
    context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(plan.writers + plan.readers)
    roles = [("writer", i) for i in range(plan.writers)] + [
        ("reader", i) for i in range(plan.readers)
    ]
    processes = [
        context.Process(target=_worker, args=(plan, role, i, barrier)) for role, i in roles
    ]
    for process in processes:
        process.start()
    ends = time.monotonic() + plan.seconds + grace
    codes: list[int | None] = []
    for process in processes:
        process.join(max(1.0, ends - time.monotonic()))
        if process.is_alive():
            process.kill()
            process.join()
            codes.append(None)
        else:
            codes.append(process.exitcode)
    reports = []
    for role, i in roles:
        path = plan.out / f"{role}-{i}.json"
        if path.exists():
            reports.append(WorkerReport(**json.loads(path.read_text())))
    return reports, codes
