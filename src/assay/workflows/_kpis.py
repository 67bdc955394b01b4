"""``assay kpis``: the team's own KPIs from the store (decisions, ledger, runs)."""

from __future__ import annotations

import math
import warnings
from datetime import UTC, date, datetime
from pathlib import Path

import pyarrow.compute as pc

from assay._util import atomic_write, check_number
from assay.core import Decision, Verdict
from assay.errors import AdapterError, AssayWarning, ConfigError, DataError, ParameterError
from assay.governance import (
    COST_FIELDS,
    CostField,
    KpiReport,
    RunCheck,
    RunCost,
    compute_team_kpis,
)
from assay.storage import Store
from assay.workflows._api import _store
from assay.workflows._reproduce import reproduce

__all__ = ["HTTP_ADAPTERS", "check_reproduction", "parse_since", "team_kpis"]

HTTP_ADAPTERS = frozenset({"openai"})
"""Adapters whose model is a remote endpoint: reproducing them is not an offline check."""


def parse_since(since: str | date | datetime | None) -> datetime | None:
    """``since`` as an aware UTC datetime: a date is its midnight (UTC), an ISO text a date or
    a date and time (naive taken as UTC)."""
    if since is None:
        return None
    value: date | datetime
    if isinstance(since, str):
        try:
            value = datetime.fromisoformat(since.strip())
        except ValueError:
            raise ParameterError(
                "since", "team_kpis", "an ISO date such as 2025-01-31", since
            ) from None
    else:
        value = since
    if not isinstance(value, datetime):
        value = datetime(value.year, value.month, value.day)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def check_reproduction(
    run_id: str, *, store: Store, min_agreement: float = 1.0, rng: int = 0
) -> RunCheck:
    """Run a stored run's model again (:func:`reproduce`, not recorded) and judge it.

    Reproduced when at least ``min_agreement`` of the (example, sample) outputs are identical
    and no suite metric's difference interval excludes 0 (latency and cost are measured, not
    expected to reproduce). Not checked when the model is an HTTP endpoint or cannot be rebuilt
    (a fitted estimator, an ingested log): the reason says which. Failed when it ran again and
    disagreed, or when its model calls failed (:class:`~assay.errors.AdapterError`,
    :class:`~assay.errors.DataError`); a storage error is raised, not counted.
    """
    run = store.runs.get(run_id)
    spec = run.manifest.provenance.get("adapter")
    kind = spec.get("adapter") if isinstance(spec, dict) else None
    if kind in HTTP_ADAPTERS:
        return RunCheck(
            run_id,
            "not checked",
            f"an HTTP model ({kind}): reproducing it calls its endpoint; run `assay reproduce "
            f"{run_id[:12]}` where the endpoint is reachable",
        )
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", AssayWarning)  # small slices of the re-run
            rep = reproduce(run_id, store=store, record=False, rng=rng)
    except ConfigError as exc:
        return RunCheck(run_id, "not checked", str(exc))
    except (AdapterError, DataError) as exc:  # the model ran again and its calls failed
        return RunCheck(run_id, "failed", f"running it again failed: {exc}")
    quality = set(store.suites.get(run.suite_digest).metric_names)
    differ = [
        r.metric
        for r in rep.metric_results
        if r.metric in quality and not r.difference.low <= 0.0 <= r.difference.high
    ]
    agreement = rep.output_agreement
    agreed = not math.isnan(agreement) and agreement >= min_agreement
    share = (
        "no outputs paired" if math.isnan(agreement) else f"{agreement:.1%} of outputs identical"
    )
    metrics = f"{', '.join(differ)} differ (interval excludes 0)" if differ else "no metric differs"
    reason = f"{share} (at least {min_agreement:.1%} required); {metrics}"
    if agreed and not differ:
        return RunCheck(run_id, "reproduced", reason)
    return RunCheck(run_id, "failed", reason)


def _run_cost(store: Store, run_id: str) -> dict[str, CostField | None]:
    fields: dict[str, CostField | None] = {}
    for name in COST_FIELDS:
        try:
            column = store.runs.records(run_id, [name]).column(name)
        except DataError:  # records written without the operational columns
            fields[name] = None
            continue
        present = len(column) - column.null_count
        total = pc.sum(column).as_py() if present else None
        fields[name] = None if total is None else CostField(float(total), present)
    return fields


def _overrides(store: Store, decisions: list[Decision]) -> dict[str, int]:
    blocked = [d.decision_id for d in decisions if d.verdict == Verdict.BLOCK]
    return {d: sum(a.status == "override" for a in store.decisions.approvals(d)) for d in blocked}


def team_kpis(
    *,
    store: Store | None = None,
    since: str | date | datetime | None = None,
    reproduce_runs: bool = True,
    min_agreement: float = 1.0,
    confidence: float = 0.95,
    html: str | Path | None = None,
) -> KpiReport:
    """The team's KPIs from the store (see :mod:`assay.governance`'s KPI docs): reproducibility
    of SHIP decisions, decision cycle time of studies, regressions caught by gates against
    monitors, gate outcomes per ISO week and evaluation cost; with ``since`` (an ISO date or
    datetime, UTC) only what happened from then on.

    With ``reproduce_runs`` every run of a SHIP decision in the period is run again
    (:func:`check_reproduction`; nothing is recorded); without it every such decision is "not
    checked". The HTML page goes to ``html`` when given.
    """
    where = "team_kpis"
    start = parse_since(since)
    agreement = check_number(min_agreement, "min_agreement", where, low=0.0, high=1.0)
    conf = check_number(
        confidence, "confidence", where, low=0.0, high=1.0, low_open=True, high_open=True
    )
    st = _store(store)
    decisions = st.decisions.list()
    made = [d for d in decisions if start is None or d.created_at >= start]
    checks: dict[str, RunCheck] = {}
    for d in made:
        if d.verdict != Verdict.SHIP:
            continue
        for run_id in (d.baseline_run, d.candidate_run):
            if run_id in checks:
                continue
            checks[run_id] = (
                check_reproduction(run_id, store=st, min_agreement=agreement)
                if reproduce_runs
                else RunCheck(run_id, "not checked", "reproduction not run (--no-reproduce)")
            )
    costs = [
        RunCost(info.run_id, info.created_at, info.n_records, _run_cost(st, info.run_id))
        for info in st.runs.list()
        if start is None or info.created_at >= start
    ]
    report = compute_team_kpis(
        decisions=decisions,
        overrides=_overrides(st, made),
        challenges=st.decisions.entries(kind="challenge"),
        studies=st.decisions.entries(kind="study"),
        study_events=st.decisions.entries(kind="study_event"),
        checks=checks,
        costs=costs,
        since=start,
        confidence=conf,
    )
    if html is not None:
        from assay.reports import kpis_html

        atomic_write(Path(html), kpis_html(report).encode("utf-8"))
    return report
